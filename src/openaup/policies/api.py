"""REST API of the policies app: campaigns with their counts, signatures.

- ``GET /api/campaigns/`` (and one campaign): the campaigns the caller may see, each with
  ``expected``, ``signed``, ``partly_signed`` and ``not_signed`` counted over the student
  members the caller may see (one aggregate query per page);
- ``GET /api/signatures/``: the signatures the caller may see, filtered by ``campaign`` and
  ``person`` (for whom it was signed);
- ``POST /api/signatures/``: a signed-in person signs for themself, or staff record a paper
  signature on someone's behalf (with ``signer``, ``on_behalf_of`` and ``signed_on``).

``ROUTES`` lists ``(prefix, viewset, basename)`` for :mod:`openaup.api_urls` to register.
"""

from __future__ import annotations

from typing import Any, cast

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Exists, OuterRef, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from openaup.core.api import ScopedReadOnlyViewSet, ScopedViewSetMixin, field_errors
from openaup.core.middleware import client_ip, user_agent
from openaup.directory.choices import PersonStatus
from openaup.directory.models import Person
from openaup.policies.api_documents import PolicyVersionViewSet
from openaup.policies.choices import MemberKind
from openaup.policies.dashboards import COUNTS
from openaup.policies.models import (
    CampaignMember,
    Signature,
    SignatureWithdrawal,
    SigningCampaign,
)

__all__ = ["ROUTES", "CampaignViewSet", "SignatureViewSet"]

COUNT_NAMES = ("expected", "signed", "partly_signed", "not_signed")


def campaign_counts(user: Any, campaigns: list[SigningCampaign]) -> dict[int, dict[str, int]]:
    """The counts of each campaign over the student members ``user`` may see (departed
    students left out): one query for all of them."""
    rows = (
        CampaignMember.objects.visible_to(user)
        .filter(
            campaign__in=[campaign.pk for campaign in campaigns],
            kind=MemberKind.STUDENT,
            person__status=PersonStatus.ACTIVE,
        )
        .values("campaign_id")
        .annotate(**COUNTS)
        .order_by()
    )
    return {row["campaign_id"]: {name: row[name] for name in COUNT_NAMES} for row in rows}


class CampaignSerializer(serializers.ModelSerializer[SigningCampaign]):
    expected = serializers.SerializerMethodField(help_text="Student members you may see.")
    signed = serializers.SerializerMethodField(help_text="Fully signed (student and guardians).")
    partly_signed = serializers.SerializerMethodField(
        help_text="Some signatures there (the student's or a guardian's), not all."
    )
    not_signed = serializers.SerializerMethodField(help_text="No signature yet.")

    class Meta:
        model = SigningCampaign
        fields = [
            "id",
            "name",
            "school_year",
            "status",
            "opens_on",
            "due_on",
            "include_students",
            "include_staff",
            "include_contractors",
            "guardian_rule",
            "overdue_action",
            "expected",
            "signed",
            "partly_signed",
            "not_signed",
        ]
        read_only_fields = fields

    def _count(self, campaign: SigningCampaign, name: str) -> int:
        counts: dict[int, dict[str, int]] = self.context.get("counts", {})
        return counts.get(campaign.pk, {}).get(name, 0)

    @extend_schema_field(int)
    def get_expected(self, campaign: SigningCampaign) -> int:
        return self._count(campaign, "expected")

    @extend_schema_field(int)
    def get_signed(self, campaign: SigningCampaign) -> int:
        return self._count(campaign, "signed")

    @extend_schema_field(int)
    def get_partly_signed(self, campaign: SigningCampaign) -> int:
        return self._count(campaign, "partly_signed")

    @extend_schema_field(int)
    def get_not_signed(self, campaign: SigningCampaign) -> int:
        return self._count(campaign, "not_signed")


class CampaignViewSet(ScopedReadOnlyViewSet):
    """Signing campaigns you may see, with the completion of the students you may see."""

    queryset = SigningCampaign.objects.all()
    serializer_class = CampaignSerializer
    filterset_fields = ["status", "school_year"]

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().order_by("-school_year", "-opens_on", "pk")

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)
        self.counts = campaign_counts(
            self.request.user, list(page if page is not None else queryset)
        )
        return page

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["counts"] = getattr(self, "counts", {})
        return context

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        campaign = cast(SigningCampaign, self.get_object())
        self.counts = campaign_counts(request.user, [campaign])
        return Response(self.get_serializer(campaign).data)


class SignatureSerializer(serializers.ModelSerializer[Signature]):
    signer_name = serializers.CharField(source="signer.display_name", read_only=True)
    on_behalf_of_name = serializers.CharField(source="on_behalf_of.display_name", read_only=True)
    version_sha256 = serializers.CharField(source="version.sha256", read_only=True)
    withdrawn = serializers.BooleanField(read_only=True)

    class Meta:
        model = Signature
        fields = [
            "id",
            "campaign",
            "signer",
            "signer_name",
            "on_behalf_of",
            "on_behalf_of_name",
            "signer_role",
            "version",
            "version_sha256",
            "language",
            "text_sha256",
            "method",
            "signed_at",
            "paper_signed_on",
            "went_over_with_child",
            "attempt",
            "withdrawn",
        ]
        read_only_fields = fields


class SignatureCreateSerializer(serializers.Serializer[Any]):
    """Sign for yourself (give only ``campaign``), or record a paper signature (give
    ``signer``, ``on_behalf_of`` and ``signed_on``)."""

    campaign = serializers.PrimaryKeyRelatedField(queryset=SigningCampaign.objects.none())
    signer = serializers.PrimaryKeyRelatedField(
        queryset=Person.objects.none(), required=False, help_text="Paper: who signed."
    )
    on_behalf_of = serializers.PrimaryKeyRelatedField(
        queryset=Person.objects.none(),
        required=False,
        help_text="Paper: the student (or the signer themself).",
    )
    signed_on = serializers.DateField(required=False, help_text="Paper: the date on the form.")
    language = serializers.CharField(max_length=16, default="en")
    went_over_with_child = serializers.BooleanField(default=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:  # the schema generator describes the fields without a caller
            return
        user = request.user
        self.fields["campaign"].queryset = SigningCampaign.objects.visible_to(user)  # type: ignore[attr-defined]
        people = Person.objects.visible_to(user)
        self.fields["signer"].queryset = people  # type: ignore[attr-defined]
        self.fields["on_behalf_of"].queryset = people  # type: ignore[attr-defined]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        paper = {"signer", "on_behalf_of", "signed_on"} & set(attrs)
        if paper and len(paper) < 3:
            missing = sorted({"signer", "on_behalf_of", "signed_on"} - paper)
            raise ValidationError(dict.fromkeys(missing, "Required to record a paper signature."))
        return attrs


class SignatureFilter(django_filters.FilterSet):
    campaign = django_filters.NumberFilter(field_name="campaign_id")
    person = django_filters.NumberFilter(
        field_name="on_behalf_of_id", help_text="The person signed for."
    )

    class Meta:
        model = Signature
        fields = ["campaign", "person", "method", "signer_role"]


class SignatureViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Signatures you may see (yours, and those for the people you may see); record one."""

    queryset = Signature.objects.all()
    serializer_class = SignatureSerializer
    filterset_class = SignatureFilter

    def get_queryset(self) -> QuerySet[Any]:
        withdrawn = SignatureWithdrawal.objects.filter(signature=OuterRef("pk"))
        return (
            super()
            .get_queryset()
            .select_related("signer", "on_behalf_of", "version")
            .annotate(withdrawn=Exists(withdrawn))
            .order_by("-signed_at", "-pk")
        )

    def get_serializer_class(self) -> Any:
        return SignatureCreateSerializer if self.action == "create" else SignatureSerializer

    @extend_schema(request=SignatureCreateSerializer, responses={201: SignatureSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        from openaup.policies.services.signatures import record_paper_signature, sign_as_self

        incoming = SignatureCreateSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            if "signer" in data:
                signature = record_paper_signature(
                    actor=request.user,
                    campaign=data["campaign"],
                    signer=data["signer"],
                    on_behalf_of=data["on_behalf_of"],
                    signed_on=data["signed_on"],
                    language=data["language"],
                    went_over_with_child=data["went_over_with_child"],
                )
            else:
                signature = sign_as_self(
                    user=request.user,
                    campaign=data["campaign"],
                    language=data["language"],
                    client_ip=client_ip(request),
                    user_agent=user_agent(request),
                )
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        except DjangoValidationError as exc:
            raise ValidationError(field_errors(exc)) from exc
        created = self.get_queryset().get(pk=signature.pk)
        return Response(SignatureSerializer(created).data, status=status.HTTP_201_CREATED)


ROUTES: list[tuple[str, Any, str]] = [
    ("campaigns", CampaignViewSet, "campaign"),
    ("signatures", SignatureViewSet, "signature"),
    ("policy-versions", PolicyVersionViewSet, "policy-version"),
]
