"""Sign-in identities and their role assignments."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from openaup.accounts.choices import Role
from openaup.accounts.querysets import RoleAssignmentQuerySet

__all__ = ["RoleAssignment", "User"]


class User(AbstractUser):
    """A person who can sign in. Linked to the directory person they are, when there is one
    (district staff, students, guardians); a purely technical account has no person."""

    person = models.OneToOneField(
        "directory.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="account",
    )
    session_epoch = models.PositiveIntegerField(
        default=0,
        help_text="Raised by 'sign out everywhere': sessions begun under an older value end.",
    )

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username


class RoleAssignment(models.Model):
    """A role given to a user explicitly, for the whole district (``school`` empty) or for one
    school. Roles that follow from the directory (a teacher's sections, a guardian's children,
    a school's principal) need no assignment: see :mod:`openaup.accounts.access`."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=32, choices=Role.choices)
    school = models.ForeignKey(
        "directory.School",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="role_assignments",
        help_text="Empty: the role applies to the whole district.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["user__username", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "school"],
                condition=models.Q(school__isnull=False),
                name="unique_school_role_assignment",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(school__isnull=True),
                name="unique_district_role_assignment",
            ),
        ]

    def __str__(self) -> str:
        scope = self.school.name if self.school_id and self.school else "district"
        return f"{self.user.username}: {self.get_role_display()} ({scope})"
