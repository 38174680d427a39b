"""Pages: signing campaigns for district administrators and technology staff (list, create,
settings, edit, open, close, carry over), a campaign's members, one member's signatures with
paper signatures and withdrawal (also for the principal of the member's school), and the
receipt of a signature. Thin: the services decide and record."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.generic import View

from openaup.accounts.access import access_for
from openaup.audit.services import record_student_view
from openaup.core.views import (
    ScopedDetailView,
    ScopedListView,
    ScopedObjectActionView,
    ScopedObjectMixin,
    SignedInView,
)
from openaup.directory.choices import Grade, PersonKind
from openaup.directory.models import GuardianLink, Person, School
from openaup.policies import services
from openaup.policies.choices import (
    CampaignStatus,
    GuardianRule,
    MemberKind,
    OverdueAction,
    SigningStatus,
)
from openaup.policies.models import CampaignMember, PolicyVersion, Signature, SigningCampaign
from openaup.policies.receipts import receipt_filename, receipt_pdf
from openaup.policies.services.campaigns import OPEN_CAMPAIGN_FIELDS, may_manage_campaigns
from openaup.policies.services.signatures import MAX_SCAN_BYTES, may_record_for

__all__ = ["urlpatterns"]


def _form_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form's fields (or the form itself)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _flash(request: HttpRequest, error: ValidationError) -> None:
    for text in error.messages:
        messages.error(request, text)


class ReminderDaysField(forms.CharField):
    """Days before the due date, written ``14, 7, 1, -7``."""

    def to_python(self, value: Any) -> list[int]:  # type: ignore[override]
        text = super().to_python(value) or ""
        days = []
        for part in text.replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            try:
                days.append(int(part))
            except ValueError as error:
                raise ValidationError(f"{part!r} is not a whole number of days.") from error
        return days

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(str(day) for day in value)
        return value


class CampaignForm(forms.Form):
    """A campaign's settings; for an open campaign only its dates, reminder days and overdue
    action (``only``)."""

    name = forms.CharField(max_length=200, help_text='For example "2026-27 AUP".')
    school_year = forms.IntegerField(
        min_value=2000,
        max_value=2100,
        help_text="The year the school year ends (2027 for 2026-27).",
    )
    opens_on = forms.DateField(label="Opens on")
    due_on = forms.DateField(label="Due on")
    versions = forms.ModelMultipleChoiceField(
        queryset=PolicyVersion.objects.none(),
        help_text="Published versions; one for each audience and grade band.",
    )
    include_students = forms.BooleanField(required=False, label="Students and their guardians")
    schools = forms.ModelMultipleChoiceField(
        queryset=School.objects.none(),
        required=False,
        help_text="None chosen: every school.",
    )
    grades = forms.MultipleChoiceField(
        choices=Grade.choices, required=False, help_text="None chosen: every grade."
    )
    include_staff = forms.BooleanField(required=False, label="Staff (the staff attestation)")
    include_contractors = forms.BooleanField(required=False, label="Contractors")
    guardian_rule = forms.ChoiceField(choices=GuardianRule.choices, label="Guardians who sign")
    reminder_days = ReminderDaysField(
        required=False,
        help_text="Days before the due date, separated by commas; 0 is the due date, -7 a "
        "week after it.",
    )
    link_valid_days = forms.IntegerField(
        min_value=1, max_value=365, label="Signing links are valid for (days)"
    )
    overdue_action = forms.ChoiceField(choices=OverdueAction.choices, label="After the due date")

    def __init__(self, *args: Any, only: frozenset[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        versions: Any = self.fields["versions"]
        versions.queryset = PolicyVersion.objects.signable().select_related("policy")
        schools: Any = self.fields["schools"]
        schools.queryset = School.objects.filter(is_active=True).order_by("name")
        if only is not None:
            for name in list(self.fields):
                if name not in only:
                    del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        opens_on, due_on = data.get("opens_on"), data.get("due_on")
        if opens_on and due_on and due_on < opens_on:
            self.add_error(
                "due_on", f"The due date ({due_on}) is before the opening date ({opens_on})."
            )
        return data

    @staticmethod
    def initial_for(campaign: SigningCampaign) -> dict[str, Any]:
        return {
            **{name: getattr(campaign, name) for name in services.campaigns.SETTINGS_FIELDS},
            "versions": list(campaign.versions.all()),
            "schools": list(campaign.schools.all()),
        }


def _defaults() -> dict[str, Any]:
    today = timezone.localdate()
    year = today.year + 1 if today.month >= 7 else today.year
    return {
        "name": f"{services.campaigns.school_year_label(year)} AUP",
        "school_year": year,
        "opens_on": today,
        "due_on": today + datetime.timedelta(days=28),
        "include_students": True,
        "include_staff": True,
        "guardian_rule": GuardianRule.ONE,
        "reminder_days": list(services.campaigns.DEFAULT_REMINDER_DAYS),
        "link_valid_days": 30,
        "overdue_action": OverdueAction.REPORT,
    }


class ManagerOnlyMixin:
    """District administrators and technology staff only (403 for everyone else)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not may_manage_campaigns(request.user):
            raise PermissionDenied(
                "Only district administrators and technology staff manage campaigns."
            )
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


def _sees_dashboards(user: Any) -> bool:
    """District staff, principals and teachers have a campaign dashboard (their scope)."""
    access = access_for(user)
    return access.sees_whole_district or access.has("school_admin", "teacher")


class CampaignListView(ScopedListView):
    """The campaigns the user may see, newest school year first."""

    model = SigningCampaign
    template_name = "policies/campaigns/campaign_list.html"
    context_object_name = "campaigns"
    paginate_by = 50

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["may_manage"] = may_manage_campaigns(self.request.user)
        context["sees_dashboards"] = _sees_dashboards(self.request.user)
        return context


class CampaignCreateView(ManagerOnlyMixin, SignedInView):
    """Create a draft campaign."""

    template_name = "policies/campaigns/campaign_form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", CampaignForm(initial=_defaults()))
        context["heading"] = "New signing campaign"
        context["submit"] = "Create the campaign"
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = CampaignForm(request.POST)
        if form.is_valid():
            try:
                campaign = services.create_campaign(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                _form_errors(form, error)
            else:
                messages.success(request, "The campaign is created as a draft.")
                return redirect("policies:campaign-detail", campaign.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class CampaignDetailView(ScopedDetailView):
    """A campaign's settings, counts and actions."""

    model = SigningCampaign
    template_name = "policies/campaigns/campaign_detail.html"
    context_object_name = "campaign"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        campaign: SigningCampaign = self.object
        user = self.request.user
        members = CampaignMember.objects.visible_to(user, "view").filter(campaign=campaign)
        counts = dict.fromkeys(SigningStatus.values, 0)
        for status in members.values_list("status", flat=True).order_by():
            counts[status] += 1
        context["counts"] = [(label, counts[value]) for value, label in SigningStatus.choices]
        context["member_total"] = sum(counts.values())
        context["may_manage"] = may_manage_campaigns(user)
        context["sees_dashboards"] = _sees_dashboards(user)
        context["versions"] = campaign.versions.select_related("policy")
        context["schools"] = campaign.schools.all()
        context["grade_labels"] = [Grade(g).label for g in campaign.grades if g in Grade.values]
        context["carried_over_to"] = campaign.carried_over_to.all()
        return context


class CampaignEditView(ManagerOnlyMixin, ScopedObjectMixin, SignedInView):
    """Change a draft's settings, or an open campaign's dates, reminder days and overdue
    action."""

    model = SigningCampaign
    template_name = "policies/campaigns/campaign_form.html"

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.campaign: SigningCampaign | None = None

    def get_queryset(self) -> QuerySet[Any]:
        return SigningCampaign.objects.visible_to(self.request.user, "change")

    def get_campaign(self) -> SigningCampaign:
        if self.campaign is None:
            self.campaign = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        if self.campaign.status == CampaignStatus.CLOSED:
            raise PermissionDenied("A closed campaign cannot be changed.")
        return self.campaign

    def form(self, data: Any = None) -> CampaignForm:
        campaign = self.get_campaign()
        only = OPEN_CAMPAIGN_FIELDS if campaign.status == CampaignStatus.OPEN else None
        return CampaignForm(data, initial=CampaignForm.initial_for(campaign), only=only)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        campaign = self.get_campaign()
        context.setdefault("form", self.form())
        context["campaign"] = campaign
        context["heading"] = f"Change {campaign.name}"
        context["submit"] = "Save the changes"
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.form(request.POST)
        campaign = self.get_campaign()
        if form.is_valid():
            try:
                services.update_campaign(actor=request.user, campaign=campaign, **form.cleaned_data)
            except ValidationError as error:
                _form_errors(form, error)
            else:
                messages.success(request, "The campaign is changed.")
                return redirect("policies:campaign-detail", campaign.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class _CampaignAction(ScopedObjectActionView):
    model = SigningCampaign
    done = ""

    def act(self, campaign: SigningCampaign) -> SigningCampaign:
        raise NotImplementedError

    def perform(self, obj: Any) -> HttpResponse:
        try:
            result = self.act(obj)
        except ValidationError as error:
            _flash(self.request, error)
            return redirect("policies:campaign-detail", obj.pk)
        messages.success(self.request, self.done)
        return redirect("policies:campaign-detail", result.pk)


class CampaignOpenView(_CampaignAction):
    """Open a draft: add its members and send the invitations."""

    done = "The campaign is open; invitations are on their way."

    def act(self, campaign: SigningCampaign) -> SigningCampaign:
        return services.open_campaign(actor=self.request.user, campaign=campaign)


class CampaignCloseView(_CampaignAction):
    """Close an open campaign."""

    done = "The campaign is closed."

    def act(self, campaign: SigningCampaign) -> SigningCampaign:
        return services.close_campaign(actor=self.request.user, campaign=campaign)


class CampaignCarryOverView(_CampaignAction):
    """Next school year's campaign from this one, as a draft."""

    done = "Next year's campaign is created as a draft: check it, then open it."

    def act(self, campaign: SigningCampaign) -> SigningCampaign:
        return services.carry_over_campaign(actor=self.request.user, campaign=campaign)


class MemberListView(ScopedListView):
    """The members of one campaign the user may see, by name or number, with their status."""

    model = CampaignMember
    template_name = "policies/campaigns/member_list.html"
    context_object_name = "members"
    paginate_by = 50

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.campaign: SigningCampaign | None = None

    def get_campaign(self) -> SigningCampaign:
        if self.campaign is None:
            visible = SigningCampaign.objects.visible_to(self.request.user, "view")
            self.campaign = get_object_or_404(visible, pk=self.kwargs["pk"])
        return self.campaign

    def get_queryset(self) -> QuerySet[Any]:
        campaign = self.get_campaign()
        queryset = (
            super()
            .get_queryset()
            .filter(campaign=campaign)
            .select_related("person", "person__school")
            .order_by("person__family_name", "person__given_name", "pk")
        )
        query = self.request.GET.get("q", "").strip()[:100]
        if query:
            for word in query.split()[:4]:
                queryset = queryset.filter(
                    Q(person__given_name__icontains=word)
                    | Q(person__family_name__icontains=word)
                    | Q(person__preferred_given_name__icontains=word)
                    | Q(person__identifier=word)
                )
        status = self.request.GET.get("status", "")
        if status in SigningStatus.values:
            queryset = queryset.filter(status=status)
        kind = self.request.GET.get("kind", "")
        if kind in MemberKind.values:
            queryset = queryset.filter(kind=kind)
        return queryset

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["campaign"] = self.get_campaign()
        context["q"] = self.request.GET.get("q", "").strip()[:100]
        context["status"] = self.request.GET.get("status", "")
        context["kind"] = self.request.GET.get("kind", "")
        context["statuses"] = SigningStatus.choices
        context["kinds"] = MemberKind.choices
        return context


class PaperSignatureForm(forms.Form):
    """A paper form, signed by the member or one of their guardians with rights."""

    signer = forms.TypedChoiceField(coerce=int, label="Signed by")
    signed_on = forms.DateField(label="Date on the form")
    language = forms.ChoiceField(
        choices=[("en", "English"), ("es", "Spanish")], initial="en", label="Language of the form"
    )
    went_over_with_child = forms.BooleanField(
        required=False,
        label="The guardian confirmed on the form that they went over the policy with the child",
    )
    scan = forms.FileField(
        required=False,
        label="Scan of the form (optional)",
        help_text="PDF, PNG or JPEG, at most 10 MB.",
    )

    def __init__(self, *args: Any, signers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        signer: Any = self.fields["signer"]
        signer.choices = signers

    def clean_scan(self) -> Any:
        scan = self.cleaned_data.get("scan")
        if scan is not None and scan.size > MAX_SCAN_BYTES:
            raise ValidationError("The scan is larger than 10 MB.")
        return scan


def _signers(member: CampaignMember) -> list[tuple[int, str]]:
    """Who may sign for the member: themself, and for a minor their guardians with rights."""
    person = member.person
    choices = [(person.pk, f"{person.display_name} (the {member.get_kind_display().lower()})")]
    if member.needs_guardian:
        links = GuardianLink.objects.filter(
            student=person, is_active=True, has_educational_rights=True
        ).select_related("guardian")
        choices += [
            (link.guardian_id, f"{link.guardian.display_name} ({link.get_relationship_display()})")
            for link in links.order_by("guardian__family_name", "guardian__given_name")
        ]
    return choices


class MemberDetailView(ScopedDetailView):
    """One member of a campaign: status, signatures (with receipts), and for district staff
    and the school's principal, a paper signature form and withdrawal."""

    model = CampaignMember
    template_name = "policies/campaigns/member_detail.html"
    context_object_name = "member"

    def get_queryset(self) -> QuerySet[Any]:
        return (
            super().get_queryset().select_related("person", "person__school", "campaign", "version")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        member: CampaignMember = self.object
        user = self.request.user
        if member.kind == MemberKind.STUDENT:
            # A look at a student's signatures is in their record of access.
            record_student_view(actor=user, student=member.person)
        signatures = (
            Signature.objects.visible_to(user, "view")
            .filter(member=member)
            .select_related("signer", "version", "withdrawal", "recorded_by")
            .order_by("-signed_at", "-pk")
        )
        context["signatures"] = signatures
        may_record = may_record_for(user, member.person)
        context["may_record"] = may_record
        context["may_record_paper"] = may_record and member.campaign.is_open
        if may_record and member.campaign.is_open:
            context.setdefault(
                "paper_form",
                PaperSignatureForm(
                    signers=_signers(member), initial={"signed_on": timezone.localdate()}
                ),
            )
        return context


class _MemberRecordMixin(ScopedObjectMixin):
    """A member the user may see (404 otherwise) and record for (403 otherwise)."""

    model = CampaignMember
    request: HttpRequest
    kwargs: dict[str, Any]

    def member(self) -> CampaignMember:
        rows = CampaignMember.objects.visible_to(self.request.user, "view").select_related(
            "person", "campaign"
        )
        member: CampaignMember = get_object_or_404(rows, pk=self.kwargs["pk"])
        if not may_record_for(self.request.user, member.person):
            raise PermissionDenied(
                "Only district staff or the principal of the school record signatures."
            )
        return member


class PaperSignatureView(_MemberRecordMixin, View):
    """Record a paper signature for a member (POST, with an optional scan)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        member = self.member()
        if not member.campaign.is_open:
            messages.error(request, f"{member.campaign} is not open for signing.")
            return redirect("policies:member-detail", member.pk)
        form = PaperSignatureForm(request.POST, request.FILES, signers=_signers(member))
        if form.is_valid():
            data = form.cleaned_data
            signer = get_object_or_404(
                Person.objects.visible_to(request.user, "view"), pk=data["signer"]
            )
            try:
                services.record_paper_signature(
                    actor=request.user,
                    campaign=member.campaign,
                    signer=signer,
                    on_behalf_of=member.person,
                    signed_on=data["signed_on"],
                    language=data["language"],
                    went_over_with_child=data["went_over_with_child"],
                    scan=data["scan"],
                )
            except ValidationError as error:
                _form_errors(form, error)
            else:
                messages.success(request, f"The paper signature of {signer} is recorded.")
                return redirect("policies:member-detail", member.pk)
        view = MemberDetailView()
        view.setup(request, pk=member.pk)
        view.object = member
        context = view.get_context_data(object=member, paper_form=form)
        return view.render_to_response(context, status=400)


class SignatureWithdrawForm(forms.Form):
    reason = forms.CharField(max_length=1000)


class SignatureWithdrawView(ScopedObjectMixin, View):
    """Withdraw a signature made in error, with a reason (POST): district staff or the
    principal of the school."""

    model = Signature
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        rows = Signature.objects.visible_to(request.user, "view").select_related("on_behalf_of")
        signature = get_object_or_404(rows, pk=kwargs["pk"])
        if not may_record_for(request.user, signature.on_behalf_of):
            raise PermissionDenied(
                "Only district staff or the principal of the school withdraw signatures."
            )
        form = SignatureWithdrawForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Say why the signature is withdrawn.")
        else:
            try:
                services.withdraw_signature(
                    actor=request.user, signature=signature, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                _flash(request, error)
            else:
                messages.success(request, "The signature is withdrawn.")
        return redirect("policies:member-detail", signature.member_id)


class SignatureReceiptView(ScopedDetailView):
    """The receipt (PDF) of a signature the user may see."""

    model = Signature

    def get_queryset(self) -> QuerySet[Any]:
        return (
            super()
            .get_queryset()
            .select_related("signer", "on_behalf_of", "campaign", "version__policy", "recorded_by")
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        signature = self.get_object()
        if signature.on_behalf_of.kind == PersonKind.STUDENT:
            record_student_view(actor=request.user, student=signature.on_behalf_of)
        response = HttpResponse(receipt_pdf(signature), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{receipt_filename(signature)}"'
        response["Cache-Control"] = "private, no-store"
        return response


urlpatterns: list[URLPattern] = [
    path("signing/campaigns/", CampaignListView.as_view(), name="campaign-list"),
    path("signing/campaigns/new/", CampaignCreateView.as_view(), name="campaign-create"),
    path("signing/campaigns/<int:pk>/", CampaignDetailView.as_view(), name="campaign-detail"),
    path("signing/campaigns/<int:pk>/edit/", CampaignEditView.as_view(), name="campaign-edit"),
    path("signing/campaigns/<int:pk>/open/", CampaignOpenView.as_view(), name="campaign-open"),
    path("signing/campaigns/<int:pk>/close/", CampaignCloseView.as_view(), name="campaign-close"),
    path(
        "signing/campaigns/<int:pk>/carry-over/",
        CampaignCarryOverView.as_view(),
        name="campaign-carry-over",
    ),
    path("signing/campaigns/<int:pk>/members/", MemberListView.as_view(), name="campaign-members"),
    path("signing/members/<int:pk>/", MemberDetailView.as_view(), name="member-detail"),
    path("signing/members/<int:pk>/paper/", PaperSignatureView.as_view(), name="member-paper"),
    path(
        "signing/signatures/<int:pk>/withdraw/",
        SignatureWithdrawView.as_view(),
        name="signature-withdraw",
    ),
    path(
        "signing/signatures/<int:pk>/receipt.pdf",
        SignatureReceiptView.as_view(),
        name="signature-receipt",
    ),
]
