"""Pages: signing. A guardian signs for their children through a personal link (no account)
or signed in; a student, a staff member or a contractor signs for themself; a teacher opens
"sign in class" for a section so that young students sign with the teacher present.

Thin: :mod:`openaup.policies.services` decides who may sign for whom and records the
signatures. The personal-link pages are public: the token in the link is the guardian's
proof, and it is good for one use; after it is used, the same link shows the confirmation
and serves the receipts of the signatures made through it for :data:`RECEIPT_WINDOW`.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from openaup.accounts.access import access_for
from openaup.core.middleware import client_ip, user_agent
from openaup.core.views import PublicView, ScopedDetailView, SignedInView
from openaup.directory.choices import Grade
from openaup.directory.models import Enrollment, GuardianLink, Person, Section
from openaup.policies import receipts, services
from openaup.policies.choices import Audience, MemberKind
from openaup.policies.models import (
    CampaignMember,
    PolicyVersion,
    Signature,
    SigningCampaign,
    SigningLink,
)
from openaup.policies.services import ChildToSign, LinkError
from openaup.policies.services.links import hash_token

__all__ = [
    "RECEIPT_WINDOW",
    "ClassSigningView",
    "LinkConfirmationView",
    "LinkReceiptView",
    "LinkSigningView",
    "MySigningView",
    "signing_summary",
    "urlpatterns",
]

#: How long after a personal link was used its confirmation page and receipts stay open.
RECEIPT_WINDOW = datetime.timedelta(hours=24)

#: The session key remembering the language a guardian chose on the link pages.
LANGUAGE_SESSION_KEY = "openaup_signing_language"

#: Grades whose students read the friendliest version, in larger type.
YOUNG_GRADES = frozenset({"IT", "PR", "PK", "TK", "KG", "01", "02"})

TEACHING_ROLES = ("teacher", "aide")

#: Why a link cannot be used: the page's status code, title and explanation.
LINK_ERRORS: dict[str, tuple[int, Any, Any]] = {
    "unknown": (
        404,
        gettext_lazy("This signing link does not work"),
        gettext_lazy(
            "The link is not complete or has been changed. Please open it again from the "
            "email or letter from the school, or type it exactly as printed."
        ),
    ),
    "expired": (
        410,
        gettext_lazy("This signing link has expired"),
        gettext_lazy(
            "Signing links work for a limited time. Please ask the school office for a new link."
        ),
    ),
    "used": (
        410,
        gettext_lazy("This signing link has already been used"),
        gettext_lazy(
            "Each signing link works once, and this one has been used to sign. If you still "
            "need to sign for a child, please ask the school office for a new link."
        ),
    ),
    "revoked": (
        410,
        gettext_lazy("This signing link has been replaced"),
        gettext_lazy(
            "The school has sent you a newer link. Please use the most recent email or "
            "letter from the school, or ask the school office for a new link."
        ),
    ),
    "closed": (
        410,
        gettext_lazy("Signing for this school year has closed"),
        gettext_lazy(
            "This signing round is no longer open. If you still need to sign, please contact "
            "the school office."
        ),
    ),
}


# -- language --------------------------------------------------------------------------------


def _supported(code: str | None) -> str | None:
    """The site language ``code`` stands for (``es-MX`` is ``es``), or None."""
    if not code:
        return None
    base = code.strip().lower().replace("_", "-").split("-")[0]
    return base if base in dict(settings.LANGUAGES) else None


def _link_language(request: HttpRequest, guardian: Person | None) -> str:
    """The language of the link pages: the one asked for (``?lang=``, remembered in the
    session for the rest of the flow), else the guardian's preferred language, else the
    browser's."""
    asked = _supported(request.GET.get("lang"))
    if asked:
        request.session[LANGUAGE_SESSION_KEY] = asked
        return asked
    remembered = _supported(request.session.get(LANGUAGE_SESSION_KEY))
    if remembered:
        return remembered
    if guardian is not None:
        preferred = (
            GuardianLink.objects.filter(guardian=guardian, is_active=True)
            .order_by("-has_educational_rights", "pk")
            .values_list("preferred_language", flat=True)
        )
        for code in preferred:
            if language := _supported(code):
                return language
    return _supported(translation.get_language_from_request(request)) or settings.LANGUAGE_CODE


def _use_language(request: HttpRequest, language: str) -> None:
    translation.activate(language)
    request.LANGUAGE_CODE = language


def _language_links(request: HttpRequest, language: str) -> list[dict[str, Any]]:
    """Links to the same page in each language (they keep the token: only ``lang`` changes)."""
    names = {"en": "English", "es": "Español"}
    return [
        {
            "code": code,
            "name": names.get(code, name),
            "href": f"{request.path}?lang={code}",
            "current": code == language,
        }
        for code, name in settings.LANGUAGES
    ]


def grade_label(code: str) -> str:
    """A grade in the page's language."""
    if code.isdigit():
        return _("Grade %(number)s") % {"number": int(code)}
    labels = {
        "PK": _("Pre-kindergarten"),
        "TK": _("Transitional kindergarten"),
        "KG": _("Kindergarten"),
        "PR": _("Preschool"),
    }
    if code in labels:
        return labels[code]
    return str(Grade(code).label) if code in Grade.values else code


def audience_label(version: PolicyVersion) -> str:
    """Whom a version is written for, in the page's language ("" for all users)."""
    if version.audience == Audience.STAFF:
        return _("for staff")
    if version.audience != Audience.STUDENTS:
        return ""
    if not version.grade_low:
        return _("for students")
    low = grade_label(version.grade_low)
    high = grade_label(version.grade_high or version.grade_low)
    if low == high:
        return _("for students: %(grade)s") % {"grade": low}
    return _("for students: %(low)s to %(high)s") % {"low": low, "high": high}


# -- what a page shows -----------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyToRead:
    """A version's text in the page's language, with the anchor the page gives it."""

    version: PolicyVersion
    title: str
    body_html: str
    language: str
    anchor: str
    audience: str


@dataclass(frozen=True)
class ChildRow:
    """One child on a guardian's signing page."""

    item: ChildToSign
    grade: str
    policy: PolicyToRead | None
    signed_by_other_guardian: bool

    @property
    def child(self) -> Person:
        return self.item.child

    @property
    def to_sign(self) -> bool:
        return self.item.signed_by_guardian is None


_HEADING = re.compile(r"<(/?)h([1-6])\b", re.IGNORECASE)


def nest_headings(body_html: str, below: int) -> str:
    """The policy's (sanitized) HTML with its headings moved down to sit under a heading of
    level ``below`` on the page (its ``h1`` becomes ``h<below + 1>``; none goes past ``h6``),
    so the page keeps one outline for screen readers. Anchors stay as they are."""

    def move(match: re.Match[str]) -> str:
        level = min(int(match.group(2)) + below, 6)
        return f"<{match.group(1)}h{level}"

    return _HEADING.sub(move, body_html)


def _policy_to_read(
    version: PolicyVersion, language: str, campaign_id: int, *, below: int = 3
) -> PolicyToRead:
    text = services.text_for(version, language)
    return PolicyToRead(
        version=version,
        title=text.title,
        body_html=nest_headings(text.body_html, below),
        audience=audience_label(version),
        language=text.language,
        anchor=f"policy-{campaign_id}-{version.pk}",
    )


def _children_rows(
    guardian: Person, campaign: SigningCampaign, language: str | None
) -> tuple[list[ChildRow], list[PolicyToRead]]:
    """The guardian's children in the campaign, and each distinct policy text once (in
    ``language``; no texts without one)."""
    policies: dict[int, PolicyToRead] = {}
    rows = []
    items = services.children_to_sign(guardian, campaign)
    prefetch_related_objects([item.child for item in items], "school")
    for item in items:
        if language and item.version.pk not in policies:
            policies[item.version.pk] = _policy_to_read(item.version, language, campaign.pk)
        rows.append(
            ChildRow(
                item=item,
                grade=grade_label(item.child.grade) if item.child.grade else "",
                policy=policies.get(item.version.pk),
                signed_by_other_guardian=(
                    item.signed_by_guardian is None and item.member.guardians_signed_at is not None
                ),
            )
        )
    return rows, list(policies.values())


def _full_name_matches(typed: str, person: Person) -> bool:
    """Whether a typed name shares a name with the person's record (accents, case and word
    order aside): the signature is the guardian's own name, not an exact copy of the record."""

    def words(text: str) -> set[str]:
        plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        return {w for w in plain.casefold().replace("-", " ").split() if len(w) > 1}

    on_record = " ".join(
        [
            person.given_name,
            person.family_name,
            person.preferred_given_name,
            person.preferred_family_name,
        ]
    )
    return bool(words(typed) & words(on_record))


class GuardianSigningForm(forms.Form):
    """The guardian's choices: which children, the confirmation that they went over the
    policy with them, and their typed name as the signature. Only the children on the page
    can be chosen."""

    children = forms.TypedMultipleChoiceField(
        coerce=int,
        error_messages={
            "required": gettext_lazy("Choose at least one child to sign for."),
            "invalid_choice": gettext_lazy(
                "A child you chose is not one you can sign for on this page."
            ),
        },
    )
    went_over = forms.BooleanField(
        error_messages={
            "required": gettext_lazy("Confirm that you have gone over the policy with your child.")
        }
    )
    full_name = forms.CharField(
        max_length=200,
        error_messages={"required": gettext_lazy("Type your full name to sign.")},
    )

    def __init__(self, *args: Any, guardian: Person, rows: Sequence[ChildRow], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.guardian = guardian
        field = self.fields["children"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [(row.child.pk, row.child.display_name) for row in rows if row.to_sign]

    def clean_full_name(self) -> str:
        typed = " ".join(str(self.cleaned_data["full_name"]).split())
        if not _full_name_matches(typed, self.guardian):
            raise ValidationError(
                _("Type your own full name, as the school knows it: %(name)s.")
                % {"name": self.guardian.display_name},
                code="name",
            )
        return typed


class SelfSigningForm(forms.Form):
    """A person signing for themself ticks that they have read and agree."""

    agree = forms.BooleanField(
        error_messages={
            "required": gettext_lazy("Tick the box to say that you have read and agree.")
        }
    )


def _service_errors(error: ValidationError | PermissionDenied) -> list[str]:
    if isinstance(error, ValidationError):
        return [str(text) for text in error.messages]
    return [str(error) or _("You cannot sign this.")]


def _error_summary(form: forms.Form, prefix: str = "") -> list[dict[str, str]]:
    """The form's errors, each linked to its field (``#<prefix><field>``)."""
    anchors = {"children": "children-first", "went_over": "went_over", "full_name": "full_name"}
    summary = []
    for name, errors in form.errors.items():
        for error in errors:
            anchor = anchors.get(name, name) if name != "__all__" else ""
            summary.append({"text": str(error), "href": f"#{prefix}{anchor}" if anchor else ""})
    return summary


# -- personal link ---------------------------------------------------------------------------


def _link_by_token(token: str) -> SigningLink | None:
    """The link this token belongs to, usable or not (for its language, confirmation and
    receipts). The token is the proof: only its hash is stored."""
    return (
        SigningLink.objects.select_related("campaign", "guardian")
        .filter(token_hash=hash_token(token))
        .first()
    )


def _receipt_signatures(link: SigningLink, now: datetime.datetime | None = None) -> QuerySet[Any]:
    """The live signatures made through ``link`` whose receipts the link still serves: until
    :data:`RECEIPT_WINDOW` after the link was used."""
    now = now or timezone.now()
    signatures = Signature.objects.live().filter(link=link)
    if link.used_at is not None:
        if now - link.used_at > RECEIPT_WINDOW:
            return signatures.none()
        return signatures
    return signatures.filter(signed_at__gte=now - RECEIPT_WINDOW)


def _link_error(request: HttpRequest, token: str, reason: str) -> HttpResponse:
    link = _link_by_token(token) if reason != "unknown" else None
    language = _link_language(request, link.guardian if link else None)
    _use_language(request, language)
    status, title, explanation = LINK_ERRORS.get(reason, LINK_ERRORS["unknown"])
    context = {
        "title": title,
        "explanation": explanation,
        "languages": _language_links(request, language),
        "done_url": (
            reverse("policies:sign-link-done", kwargs={"token": token})
            if link is not None and _receipt_signatures(link).exists()
            else ""
        ),
    }
    return render(request, "policies/signing/link_error.html", context, status=status)


@method_decorator(never_cache, name="dispatch")
class LinkSigningView(PublicView):
    """``/sign/<token>/``: one page for all of a guardian's children, by their personal link."""

    http_method_names = ["get", "post"]

    def _context(self, request: HttpRequest, link: SigningLink, language: str) -> dict[str, Any]:
        rows, policies = _children_rows(link.guardian, link.campaign, language)
        return {
            "campaign": link.campaign,
            "guardian": link.guardian,
            "rows": rows,
            "policies": policies,
            "anything_to_sign": any(row.to_sign for row in rows),
            "languages": _language_links(request, language),
            "form_action": request.path,
        }

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            link = services.resolve_link(token)
        except LinkError as error:
            return _link_error(request, token, error.reason)
        language = _link_language(request, link.guardian)
        _use_language(request, language)
        context = self._context(request, link, language)
        context["form"] = GuardianSigningForm(guardian=link.guardian, rows=context["rows"])
        return render(request, "policies/signing/link.html", context)

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            link = services.resolve_link(token)
        except LinkError as error:
            return _link_error(request, token, error.reason)
        language = _link_language(request, link.guardian)
        _use_language(request, language)
        context = self._context(request, link, language)
        form = GuardianSigningForm(request.POST, guardian=link.guardian, rows=context["rows"])
        errors: list[str] = []
        if form.is_valid():
            chosen = set(form.cleaned_data["children"])
            try:
                services.sign_for_children(
                    guardian=link.guardian,
                    campaign=link.campaign,
                    children=[row.child for row in context["rows"] if row.child.pk in chosen],
                    went_over_with_child=form.cleaned_data["went_over"],
                    language=language,
                    client_ip=client_ip(request),
                    user_agent=user_agent(request),
                    link=link,
                )
            except LinkError as error:
                return _link_error(request, token, error.reason)
            except (ValidationError, PermissionDenied) as error:
                errors = _service_errors(error)
            else:
                return redirect("policies:sign-link-done", token=token)
        context.update(
            form=form,
            error_summary=_error_summary(form) + [{"text": text, "href": ""} for text in errors],
        )
        return render(request, "policies/signing/link.html", context, status=400)


@method_decorator(never_cache, name="dispatch")
class LinkConfirmationView(PublicView):
    """``/sign/<token>/done/``: what the guardian signed through the link, with receipts."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        link = _link_by_token(token)
        if link is None:
            return _link_error(request, token, "unknown")
        signatures = list(
            _receipt_signatures(link)
            .select_related("on_behalf_of", "on_behalf_of__school", "version")
            .order_by("on_behalf_of__given_name", "pk")
        )
        if not signatures:
            return HttpResponseRedirect(reverse("policies:sign-link", kwargs={"token": token}))
        language = _link_language(request, link.guardian)
        _use_language(request, language)
        still_open = link.is_usable() and link.campaign.is_open
        rows, _policies = _children_rows(link.guardian, link.campaign, None)
        context = {
            "campaign": link.campaign,
            "guardian": link.guardian,
            "signatures": signatures,
            "receipts_until": (link.used_at or signatures[0].signed_at) + RECEIPT_WINDOW,
            "still_to_sign": [row for row in rows if row.to_sign],
            "back_to_signing": still_open,
            "languages": _language_links(request, language),
            "token": token,
        }
        return render(request, "policies/signing/link_done.html", context)


class LinkReceiptView(PublicView):
    """``/sign/<token>/receipts/<pk>.pdf``: the receipt of a signature made through this link,
    until :data:`RECEIPT_WINDOW` after the link was used. Anything else is a 404."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest, token: str, pk: int) -> HttpResponse:
        link = _link_by_token(token)
        if link is None:
            raise Http404("No such signing link.")
        signature = _receipt_signatures(link).filter(pk=pk).first()
        if signature is None:
            raise Http404("No such receipt for this link.")
        response = HttpResponse(receipts.receipt_pdf(signature), content_type="application/pdf")
        response["Content-Disposition"] = (
            f'inline; filename="{receipts.receipt_filename(signature)}"'
        )
        response["Cache-Control"] = "private, no-store"
        return response


# -- signed in -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OwnSigning:
    """What a signed-in person signs for themself in one campaign."""

    campaign: SigningCampaign
    member: CampaignMember
    policy: PolicyToRead | None
    signature: Signature | None

    @property
    def is_staff_attestation(self) -> bool:
        return self.member.kind in (MemberKind.STAFF, MemberKind.CONTRACTOR)


@dataclass(frozen=True)
class FamilySigning:
    """A guardian's children in one campaign."""

    campaign: SigningCampaign
    rows: list[ChildRow]
    policies: list[PolicyToRead]

    @property
    def anything_to_sign(self) -> bool:
        return any(row.to_sign for row in self.rows)

    @property
    def prefix(self) -> str:
        """The prefix of the ids of this campaign's form fields."""
        return f"c{self.campaign.pk}-"


def _open_campaigns(user: Any) -> QuerySet[Any]:
    return SigningCampaign.objects.visible_to(user).open()


def _own_signings(user: Any, language: str | None) -> list[OwnSigning]:
    person_id = access_for(user).person_id
    if person_id is None:
        return []
    members = (
        CampaignMember.objects.visible_to(user)
        .filter(campaign__in=_open_campaigns(user), person_id=person_id)
        .select_related("campaign", "version")
        .order_by("campaign__due_on", "pk")
    )
    signed = {
        signature.campaign_id: signature
        for signature in Signature.objects.visible_to(user)
        .live()
        .filter(signer_id=person_id, on_behalf_of_id=person_id, member__in=members)
    }
    return [
        OwnSigning(
            campaign=member.campaign,
            member=member,
            policy=(
                _policy_to_read(member.version, language, member.campaign_id)
                if language and member.version is not None
                else None
            ),
            signature=signed.get(member.campaign_id),
        )
        for member in members
    ]


def _family_signings(user: Any, language: str | None) -> list[FamilySigning]:
    access = access_for(user)
    if access.person_id is None or not access.has("guardian"):
        return []
    guardian = Person.objects.visible_to(user).get(pk=access.person_id)
    signings = []
    for campaign in _open_campaigns(user).order_by("due_on", "pk"):
        rows, policies = _children_rows(guardian, campaign, language)
        if rows:
            signings.append(FamilySigning(campaign=campaign, rows=rows, policies=policies))
    return signings


def signing_summary(user: Any) -> dict[str, Any]:
    """For the home page: how many signatures the person still owes in open campaigns (their
    own and for their children), and, for a teacher, their sections to sign in class."""
    own = [item for item in _own_signings(user, None) if item.signature is None]
    children = [
        row for family in _family_signings(user, None) for row in family.rows if row.to_sign
    ]
    sections: list[Section] = []
    access = access_for(user)
    if access.person_id and access.has("teacher") and _open_campaigns(user).exists():
        sections = list(_taught_sections(user, access.person_id).order_by("title"))
    return {"to_sign": len(own) + len(children), "class_sections": sections}


def _taught_sections(user: Any, person_id: int) -> QuerySet[Any]:
    taught = Enrollment.objects.filter(
        person_id=person_id, role__in=TEACHING_ROLES, is_active=True
    ).values("section_id")
    return Section.objects.visible_to(user).filter(pk__in=taught, is_active=True)


class MySigningView(SignedInView):
    """``/sign/``: what the signed-in person has to sign in open campaigns (their own
    signature, or the staff attestation; their children's as a guardian), and what is done."""

    template_name = "policies/signing/mine.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        language = translation.get_language() or settings.LANGUAGE_CODE
        user = self.request.user
        context["own"] = _own_signings(user, language)
        context["families"] = _family_signings(user, language)
        context["languages"] = _language_links(self.request, _supported(language) or "en")
        return context

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        # A language chosen here (``?lang=``) holds for this page's posts too.
        if language := _supported(request.GET.get("lang")):
            request.session[LANGUAGE_SESSION_KEY] = language
        if language := _supported(request.session.get(LANGUAGE_SESSION_KEY)):
            _use_language(request, language)
        return super().dispatch(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        campaign = (
            _open_campaigns(request.user).filter(pk=_int(request.POST.get("campaign"))).first()
        )
        if campaign is None:
            messages.error(request, _("That signing round is not open."))
            return redirect("policies:my-signing")
        if request.POST.get("form") == "children":
            return self._sign_for_children(request, campaign)
        return self._sign_as_self(request, campaign)

    def _sign_as_self(self, request: HttpRequest, campaign: SigningCampaign) -> HttpResponse:
        form = SelfSigningForm(request.POST)
        if not form.is_valid():
            return self._invalid(campaign, self_form=form, self_campaign=campaign)
        try:
            services.sign_as_self(
                user=request.user,
                campaign=campaign,
                language=translation.get_language() or settings.LANGUAGE_CODE,
                client_ip=client_ip(request),
                user_agent=user_agent(request),
            )
        except (ValidationError, PermissionDenied) as error:
            for text in _service_errors(error):
                messages.error(request, text)
        else:
            messages.success(request, _("Thank you: your signature is recorded."))
        return redirect("policies:my-signing")

    def _sign_for_children(self, request: HttpRequest, campaign: SigningCampaign) -> HttpResponse:
        language = translation.get_language() or settings.LANGUAGE_CODE
        family = next(
            (f for f in _family_signings(request.user, language) if f.campaign.pk == campaign.pk),
            None,
        )
        guardian = (
            Person.objects.visible_to(request.user)
            .filter(pk=access_for(request.user).person_id)
            .first()
        )
        if family is None or guardian is None:
            raise PermissionDenied(_("You have no children to sign for in this signing round."))
        form = GuardianSigningForm(request.POST, guardian=guardian, rows=family.rows)
        if form.is_valid():
            chosen = set(form.cleaned_data["children"])
            try:
                services.sign_for_children(
                    guardian=guardian,
                    campaign=campaign,
                    children=[row.child for row in family.rows if row.child.pk in chosen],
                    went_over_with_child=form.cleaned_data["went_over"],
                    language=language,
                    client_ip=client_ip(request),
                    user_agent=user_agent(request),
                    user=request.user,
                )
            except (ValidationError, PermissionDenied) as error:
                form.add_error(None, "; ".join(_service_errors(error)))
            else:
                messages.success(request, _("Thank you: your signatures are recorded."))
                return redirect("policies:my-signing")
        return self._invalid(campaign, family_form=form, family_campaign=campaign)

    def _invalid(self, campaign: SigningCampaign, **forms_: Any) -> HttpResponse:
        context = self.get_context_data(**forms_)
        form = forms_.get("family_form") or forms_.get("self_form")
        assert form is not None
        prefix = f"c{campaign.pk}-"
        context["error_summary"] = _error_summary(form, prefix)
        return self.render_to_response(context, status=400)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# -- in class --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassRow:
    """One student of the section in the campaign."""

    student: Person
    member: CampaignMember | None
    signed: bool


class ClassSigningView(ScopedDetailView):
    """``/sign/class/<pk>/``: a teacher's section with each student's status in an open
    campaign; ``?student=<pk>`` shows that student the student-friendly version with an "I
    agree" button. Only a teacher of the section may open it (others who may see the section
    get a 403)."""

    model = Section
    template_name = "policies/signing/in_class.html"
    context_object_name = "section"
    http_method_names = ["get", "post"]

    def get_object(self, queryset: QuerySet[Any] | None = None) -> Any:
        section = super().get_object(queryset)
        person_id = access_for(self.request.user).person_id
        teaches = (
            person_id is not None
            and Enrollment.objects.filter(
                section=section, person_id=person_id, role__in=TEACHING_ROLES, is_active=True
            ).exists()
        )
        if not teaches:
            raise PermissionDenied("Only a teacher of this section can open signing in class.")
        return section

    def _campaigns(self, section: Section) -> list[SigningCampaign]:
        students = self._students(section).values("pk")
        return list(
            _open_campaigns(self.request.user)
            .filter(members__person__in=students)
            .distinct()
            .order_by("-school_year", "due_on", "pk")
        )

    def _students(self, section: Section) -> QuerySet[Any]:
        enrolled = Enrollment.objects.filter(
            section=section, role="student", is_active=True
        ).values("person_id")
        return (
            Person.objects.visible_to(self.request.user)
            .filter(pk__in=enrolled, status="active")
            .order_by("given_name", "family_name", "pk")
        )

    def _campaign(self, section: Section) -> tuple[SigningCampaign | None, list[SigningCampaign]]:
        campaigns = self._campaigns(section)
        asked = _int(self.request.GET.get("campaign") or self.request.POST.get("campaign"))
        chosen = next((c for c in campaigns if c.pk == asked), None)
        return chosen or (campaigns[0] if campaigns else None), campaigns

    def _rows(self, section: Section, campaign: SigningCampaign) -> list[ClassRow]:
        students = list(self._students(section))
        members = {
            member.person_id: member
            for member in CampaignMember.objects.visible_to(self.request.user).filter(
                campaign=campaign, person__in=students
            )
        }
        return [
            ClassRow(
                student=student,
                member=members.get(student.pk),
                signed=bool(members.get(student.pk) and members[student.pk].person_signed_at),
            )
            for student in students
        ]

    def _chosen_row(self, rows: list[ClassRow], value: Any) -> ClassRow | None:
        pk = _int(value)
        if pk is None:
            return None
        row = next((row for row in rows if row.student.pk == pk and row.member), None)
        if row is None:
            raise Http404("No such student in this section and signing round.")
        return row

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        section = self.object
        campaign, campaigns = self._campaign(section)
        context["campaign"] = campaign
        context["campaigns"] = campaigns
        if campaign is None:
            return context
        rows = self._rows(section, campaign)
        context["rows"] = rows
        context["signed_count"] = sum(1 for row in rows if row.signed)
        chosen = kwargs.get("chosen") or self._chosen_row(rows, self.request.GET.get("student"))
        if chosen is not None and chosen.member is not None:
            version = chosen.member.version or services.version_for(campaign, chosen.student)
            language = translation.get_language() or settings.LANGUAGE_CODE
            context["chosen"] = chosen
            context["policy"] = (
                _policy_to_read(version, language, campaign.pk, below=2) if version else None
            )
            context["young"] = chosen.student.grade in YOUNG_GRADES or (
                version is not None
                and version.audience == Audience.STUDENTS
                and version.grade_high in YOUNG_GRADES
            )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = section = self.get_object()
        campaign, _campaigns = self._campaign(section)
        if campaign is None:
            raise Http404("No signing round is open for this section.")
        chosen = self._chosen_row(self._rows(section, campaign), request.POST.get("student"))
        if chosen is None:
            messages.error(request, _("Choose a student from the list first."))
            return self.render_to_response(self.get_context_data(object=section), status=400)
        try:
            services.sign_in_class(
                teacher=request.user,
                section=section,
                student=chosen.student,
                campaign=campaign,
                language=translation.get_language() or settings.LANGUAGE_CODE,
                client_ip=client_ip(request),
                user_agent=user_agent(request),
            )
        except (ValidationError, PermissionDenied) as error:
            for text in _service_errors(error):
                messages.error(request, text)
            context = self.get_context_data(object=section, chosen=chosen)
            return self.render_to_response(context, status=400)
        messages.success(
            request,
            _("%(name)s has signed. Who is next?") % {"name": chosen.student.display_name},
        )
        url = reverse("policies:sign-in-class", kwargs={"pk": section.pk})
        return HttpResponseRedirect(f"{url}?campaign={campaign.pk}")


urlpatterns: list[URLPattern] = [
    path("sign/", MySigningView.as_view(), name="my-signing"),
    path("sign/class/<int:pk>/", ClassSigningView.as_view(), name="sign-in-class"),
    path("sign/<str:token>/", LinkSigningView.as_view(), name="sign-link"),
    path("sign/<str:token>/done/", LinkConfirmationView.as_view(), name="sign-link-done"),
    path(
        "sign/<str:token>/receipts/<int:pk>.pdf",
        LinkReceiptView.as_view(),
        name="sign-link-receipt",
    ),
]
