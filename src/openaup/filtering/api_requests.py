"""REST API: unblock requests and overrides. ``ROUTES`` lists ``(prefix, viewset, basename)``.

- ``filter-requests``: the requests the caller may see; ``POST .../<id>/approve/`` and
  ``POST .../<id>/deny/`` decide one (as on the request's page);
- ``filter-overrides``: overrides the caller may see; ``POST`` makes one, ``POST
  .../<id>/revoke/`` ends one now.

Bad input is a 400 with the field's message; a decision the caller may not make is a 403.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from openaup.core.api import ScopedReadOnlyViewSet, ScopedViewSetMixin, field_errors
from openaup.directory.models import Person, School, Section
from openaup.filtering.choices import OverrideAction, OverrideScope
from openaup.filtering.models import Override, UnblockRequest
from openaup.filtering.services import requests as services

__all__ = ["ROUTES", "OverrideViewSet", "UnblockRequestViewSet"]


class UnblockRequestSerializer(serializers.ModelSerializer[UnblockRequest]):
    class Meta:
        model = UnblockRequest
        fields = [
            "id",
            "url",
            "host",
            "category",
            "list_name",
            "profile",
            "rule",
            "reason",
            "blocked_at",
            "client_ip",
            "proxy_user",
            "person",
            "message",
            "contact",
            "language",
            "scope",
            "school",
            "status",
            "decided_by",
            "decided_at",
            "decision_note",
            "notified_at",
            "created_at",
        ]
        read_only_fields = fields


class OverrideSerializer(serializers.ModelSerializer[Override]):
    class Meta:
        model = Override
        fields = [
            "id",
            "action",
            "host",
            "scope",
            "section",
            "school",
            "person",
            "starts_at",
            "ends_at",
            "reason",
            "request",
            "created_by",
            "revoked_at",
            "expired_at",
        ]
        read_only_fields = fields


class ApproveSerializer(serializers.Serializer[Any]):
    """A teacher gives ``duration`` (and may pick ``section``); a principal or technology
    staff gives ``ends_at`` (or nothing: the end of the school day)."""

    scope = serializers.ChoiceField(choices=OverrideScope.choices, required=False)
    section = serializers.PrimaryKeyRelatedField(
        queryset=Section.objects.all(), required=False, allow_null=True
    )
    school = serializers.PrimaryKeyRelatedField(
        queryset=School.objects.all(), required=False, allow_null=True
    )
    duration = serializers.ChoiceField(choices=services.DURATIONS, required=False)
    ends_at = serializers.DateTimeField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class DenySerializer(serializers.Serializer[Any]):
    note = serializers.CharField(max_length=2000)


class OverrideCreateSerializer(serializers.Serializer[Any]):
    action = serializers.ChoiceField(choices=OverrideAction.choices)
    host = serializers.CharField(max_length=1000, help_text="example.org or example.org/page")
    scope = serializers.ChoiceField(choices=OverrideScope.choices)
    section = serializers.PrimaryKeyRelatedField(
        queryset=Section.objects.none(), required=False, allow_null=True
    )
    school = serializers.PrimaryKeyRelatedField(
        queryset=School.objects.all(), required=False, allow_null=True
    )
    person = serializers.PrimaryKeyRelatedField(
        queryset=Person.objects.none(), required=False, allow_null=True
    )
    duration = serializers.ChoiceField(choices=services.DURATIONS, required=False)
    starts_at = serializers.DateTimeField(required=False, allow_null=True)
    ends_at = serializers.DateTimeField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:  # the schema generator describes the fields without a caller
            return
        self.fields["section"].queryset = Section.objects.visible_to(request.user)  # type: ignore[attr-defined]
        self.fields["person"].queryset = Person.objects.visible_to(request.user)  # type: ignore[attr-defined]


class UnblockRequestViewSet(ScopedReadOnlyViewSet):
    """Unblock requests from the block page that the caller may see; approve or deny one."""

    queryset = UnblockRequest.objects.all()
    serializer_class = UnblockRequestSerializer
    filterset_fields = ["status", "scope", "school"]

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().order_by("-created_at", "-pk")

    def _decide(self, request: Request, serializer_class: Any, decide: Any) -> Response:
        unblock_request = cast(UnblockRequest, self.get_object())
        incoming = serializer_class(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            decide(unblock_request, incoming.validated_data)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        except DjangoValidationError as exc:
            raise ValidationError(field_errors(exc)) from exc
        unblock_request.refresh_from_db()
        return Response(UnblockRequestSerializer(unblock_request).data)

    @extend_schema(request=ApproveSerializer, responses={200: UnblockRequestSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        def decide(obj: UnblockRequest, data: dict[str, Any]) -> None:
            services.approve_unblock_request(
                actor=request.user,
                unblock_request=obj,
                scope=data.get("scope", ""),
                section=data.get("section"),
                school=data.get("school"),
                duration=data.get("duration", ""),
                ends_at=data.get("ends_at"),
                note=data.get("note", ""),
            )

        return self._decide(request, ApproveSerializer, decide)

    @extend_schema(request=DenySerializer, responses={200: UnblockRequestSerializer})
    @action(detail=True, methods=["post"])
    def deny(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        def decide(obj: UnblockRequest, data: dict[str, Any]) -> None:
            services.deny_unblock_request(
                actor=request.user, unblock_request=obj, note=data["note"]
            )

        return self._decide(request, DenySerializer, decide)


class OverrideViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Overrides the caller may see; make one; end one now."""

    queryset = Override.objects.all()
    serializer_class = OverrideSerializer
    filterset_fields = ["action", "scope", "section", "school"]

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().order_by("-starts_at", "-pk")

    def get_serializer_class(self) -> Any:
        return OverrideCreateSerializer if self.action == "create" else OverrideSerializer

    @extend_schema(request=OverrideCreateSerializer, responses={201: OverrideSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = OverrideCreateSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            override = services.create_override(
                actor=request.user,
                action=data["action"],
                host=data["host"],
                scope=data["scope"],
                section=data.get("section"),
                school=data.get("school"),
                person=data.get("person"),
                duration=data.get("duration", ""),
                starts_at=data.get("starts_at"),
                ends_at=data.get("ends_at"),
                reason=data.get("reason", ""),
            )
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        except DjangoValidationError as exc:
            raise ValidationError(field_errors(exc)) from exc
        return Response(OverrideSerializer(override).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: OverrideSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        override = cast(Override, self.get_object())
        try:
            services.revoke_override(actor=request.user, override=override)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        except DjangoValidationError as exc:
            raise ValidationError(field_errors(exc)) from exc
        override.refresh_from_db()
        return Response(OverrideSerializer(override).data)


ROUTES: list[tuple[str, Any, str]] = [
    ("filter-requests", UnblockRequestViewSet, "filter-request"),
    ("filter-overrides", OverrideViewSet, "filter-override"),
]
