"""Sign-in, sign-out and each role's home page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.db.models import Count, Q

from openaup.accounts.access import access_for
from openaup.accounts.choices import Role
from openaup.core.views import PublicView, SignedInView
from openaup.directory.models import GuardianLink, Person, School, Section


class SignInView(PublicView, auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class SignOutView(PublicView, auth_views.LogoutView):
    pass


class HomeView(SignedInView):
    """The first page after sign-in: what this person's roles let them do."""

    template_name = "accounts/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        access = access_for(user)
        roles = access.all_roles
        context["access"] = access
        context["role_labels"] = [label for value, label in Role.choices if value in roles]
        context["person"] = user.person  # type: ignore[union-attr]
        if access.sees_whole_district or access.schools_with(Role.SCHOOL_ADMIN):
            schools = School.objects.visible_to(user).annotate(
                student_count=Count(
                    "people", filter=Q(people__kind="student", people__status="active")
                )
            )
            if not access.sees_whole_district:
                schools = schools.filter(pk__in=access.schools_with(Role.SCHOOL_ADMIN))
            context["schools"] = schools
        if access.has(Role.TEACHER):
            context["sections"] = (
                Section.objects.visible_to(user)
                .filter(enrollments__person_id=access.person_id, enrollments__role="teacher")
                .annotate(
                    student_count=Count(
                        "enrollments",
                        filter=Q(enrollments__role="student", enrollments__is_active=True),
                    )
                )
                .select_related("school")
                .distinct()
            )
        if access.has(Role.GUARDIAN):
            context["children_links"] = (
                GuardianLink.objects.visible_to(user)
                .filter(guardian_id=access.person_id, is_active=True)
                .select_related("student", "student__school")
            )
        context["student_count"] = Person.objects.students().active().visible_to(user).count()
        return context
