"""Who may see and change policies, campaigns and signatures (the one place that decides it).

- Policy documents: published and retired versions are public, to visitors who are not
  signed in too (every district posts its AUP); drafts only to district administrators
  and technology staff, who also write them.
- Campaigns: every signed-in person sees campaigns that are not drafts (to know what to
  sign); district administrators and technology staff see drafts and change campaigns.
- Campaign members, signatures and reminder messages follow the directory: a row is visible
  when its person (the student or staff member) is visible to the user under
  :class:`openaup.directory.querysets.PersonQuerySet` — a principal their school, a teacher
  their sections' students, a guardian their children with educational rights, a student
  themself — and a person always sees the signatures they made. Only district
  administrators and technology staff change them directly; signing goes through the
  services, which check who may sign for whom.
- Signing links: district administrators and technology staff only (a link's token is
  never stored).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.db.models import Q

from openaup.core.querysets import Action, ScopedQuerySet

if TYPE_CHECKING:
    from openaup.accounts.access import Access


def _access(user: Any) -> Access:
    from openaup.accounts.access import access_for

    return access_for(user)


def _manages(access: Access) -> bool:
    return access.is_district_admin or access.is_tech_staff


def _visible_people(user: Any, action: Action) -> Any:
    from openaup.directory.models import Person

    people_action: Action = "export" if action == "export" else "view"
    return Person.objects.visible_to(user, people_action)


class PermanentRows:
    """For the queryset of rows written once: bulk updates and deletes are refused."""

    def update(self, **kwargs: Any) -> int:
        from openaup.policies.models import SIGNATURES_ARE_PERMANENT

        raise PermissionError(SIGNATURES_ARE_PERMANENT)

    def delete(self) -> tuple[int, dict[str, int]]:
        from openaup.policies.models import SIGNATURES_ARE_PERMANENT

        raise PermissionError(SIGNATURES_ARE_PERMANENT)


class PeopleScopedQuerySet(ScopedQuerySet):
    """Rows about people (members, signatures, messages): technology staff and district
    administrators see and change all; other district-wide roles read all; everyone else
    reads the rows :meth:`about` the people they may see."""

    def about(self, access: Access, people: Any) -> Q:
        raise NotImplementedError(f"{type(self).__name__} must define about()")

    def scope(self, user: Any, action: Action) -> Self:
        access = _access(user)
        if _manages(access):
            return self
        if action not in ("view", "export"):
            return self.none()
        if access.sees_whole_district:
            return self
        return self.filter(self.about(access, _visible_people(user, action)))


class PublicDocumentQuerySet(ScopedQuerySet):
    """Rows of policy documents: what :meth:`published` keeps is public, to visitors who
    are not signed in too (a guardian reading the policy before signing); the rest only to
    those who write policies, who alone change them."""

    def published(self) -> Self:
        return self

    def visible_to(self, user: Any, action: Action = "view") -> Self:
        if action == "view" and not getattr(user, "is_authenticated", False):
            return self.published()
        return super().visible_to(user, action)

    def scope(self, user: Any, action: Action) -> Self:
        if _manages(_access(user)):
            return self
        if action in ("view", "export"):
            return self.published()
        return self.none()


class PolicyQuerySet(PublicDocumentQuerySet):
    """Every policy is public; its drafts are hidden by :class:`PolicyVersionQuerySet`."""


class PolicyVersionQuerySet(PublicDocumentQuerySet):
    def published(self) -> Self:
        """Versions anyone may read: published or retired."""
        return self.exclude(status="draft")

    def signable(self) -> Self:
        return self.filter(status="published")


class PolicyTextQuerySet(PublicDocumentQuerySet):
    def published(self) -> Self:
        return self.exclude(version__status="draft")


class SigningCampaignQuerySet(ScopedQuerySet):
    def open(self) -> Self:
        return self.filter(status="open")

    def scope(self, user: Any, action: Action) -> Self:
        if _manages(_access(user)):
            return self
        if action in ("view", "export"):
            return self.exclude(status="draft")
        return self.none()


class CampaignMemberQuerySet(PeopleScopedQuerySet):
    def about(self, access: Access, people: Any) -> Q:
        return Q(person__in=people)


class SignatureQuerySet(PermanentRows, PeopleScopedQuerySet):
    def live(self) -> Self:
        """Signatures that have not been withdrawn."""
        return self.filter(withdrawal__isnull=True)

    def about(self, access: Access, people: Any) -> Q:
        mine = Q(signer_id=access.person_id) if access.person_id else Q(pk__in=[])
        return mine | Q(on_behalf_of__in=people)


class SignatureWithdrawalQuerySet(PermanentRows, ScopedQuerySet):
    def scope(self, user: Any, action: Action) -> Self:
        from openaup.policies.models import Signature

        return self.filter(signature__in=Signature.objects.visible_to(user, action))


class SigningLinkQuerySet(ScopedQuerySet):
    def scope(self, user: Any, action: Action) -> Self:
        return self if _manages(_access(user)) else self.none()


class ReminderMessageQuerySet(PeopleScopedQuerySet):
    def about(self, access: Access, people: Any) -> Q:
        return Q(recipient__in=people)
