"""REST API: list sources and local lists. ``ROUTES`` lists ``(prefix, viewset, basename)``.

- ``/api/filter-list-sources/``: every source with its status, last success, last error,
  entries and size (staff who read the filter); district administrators and technology
  staff add one (``POST``), change it (``PATCH``) and ask for an update now
  (``POST .../<name>/update/``, done in the background).
- ``/api/filter-local-lists/``: the lists edited in the app; ``POST`` and ``PUT``/``PATCH``
  take the entries as text, and refuse every bad line with its number and why.
"""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from openaup.core.api import ScopedViewSetMixin, call_service
from openaup.filtering.choices import ListKind
from openaup.filtering.models import ListSource, LocalList
from openaup.filtering.services import lists as services

__all__ = ["ROUTES", "ListSourceViewSet", "LocalListViewSet"]


class ListSourceSerializer(serializers.ModelSerializer[ListSource]):
    class Meta:
        model = ListSource
        fields = [
            "name",
            "kind",
            "url",
            "path",
            "category",
            "allow_list",
            "enabled",
            "update_hours",
            "status",
            "last_checked_at",
            "last_success_at",
            "last_error",
            "entries",
            "bad_lines",
            "size",
            "sha256",
            "problems",
            "update_requested_at",
        ]
        read_only_fields = fields


class ListSourceWriteSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=64)
    kind = serializers.ChoiceField(choices=ListKind.choices)
    url = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    path = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    category = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    allow_list = serializers.BooleanField(required=False, default=False)
    enabled = serializers.BooleanField(required=False, default=True)
    update_hours = serializers.IntegerField(required=False, default=24, min_value=0, max_value=2160)


class ListSourceChangeSerializer(ListSourceWriteSerializer):
    name = None  # type: ignore[assignment]


class UpdateRequestSerializer(serializers.Serializer[Any]):
    force = serializers.BooleanField(
        required=False, default=True, help_text="Download even when the server says unchanged."
    )


class ListSourceViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """List sources and their last update."""

    queryset = ListSource.objects.all()
    serializer_class = ListSourceSerializer
    lookup_field = "name"
    filterset_fields = ["kind", "status", "enabled"]

    @extend_schema(request=ListSourceWriteSerializer, responses={201: ListSourceSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = ListSourceWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        source = call_service(services.create_source, actor=request.user, **incoming.validated_data)
        return Response(ListSourceSerializer(source).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ListSourceChangeSerializer, responses={200: ListSourceSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        source = self.get_object()
        incoming = ListSourceChangeSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        source = call_service(
            services.change_source, actor=request.user, source=source, **incoming.validated_data
        )
        return Response(ListSourceSerializer(source).data)

    @extend_schema(request=UpdateRequestSerializer, responses={202: ListSourceSerializer})
    @action(detail=True, methods=["post"], url_path="update")
    def request_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Update the source now, in the background; its status tells how it went."""
        source = self.get_object()
        incoming = UpdateRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        source = call_service(
            services.request_update,
            actor=request.user,
            source=source,
            force=incoming.validated_data["force"],
        )
        return Response(ListSourceSerializer(source).data, status=status.HTTP_202_ACCEPTED)


class LocalListSerializer(serializers.ModelSerializer[LocalList]):
    updated_by = serializers.CharField(source="updated_by.username", default=None, read_only=True)

    class Meta:
        model = LocalList
        fields = [
            "category",
            "description",
            "allow_list",
            "entries",
            "expressions",
            "updated_at",
            "updated_by",
        ]
        read_only_fields = ["updated_at", "updated_by"]
        extra_kwargs: dict[str, Any] = {"category": {"validators": []}}


class LocalListViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Lists edited in the app."""

    queryset = LocalList.objects.select_related("updated_by")
    serializer_class = LocalListSerializer
    lookup_field = "category"
    lookup_value_regex = "[^/]+"

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = LocalListSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        row = call_service(services.save_local_list, actor=request.user, **incoming.validated_data)
        return Response(LocalListSerializer(row).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        row = cast(LocalList, self.get_object())
        partial = kwargs.get("partial", False)
        incoming = LocalListSerializer(row, data=request.data, partial=partial)
        incoming.is_valid(raise_exception=True)
        data = {
            "category": row.category,
            "description": row.description,
            "allow_list": row.allow_list,
            "entries": row.entries,
            "expressions": row.expressions,
            **incoming.validated_data,
        }
        row = call_service(services.save_local_list, actor=request.user, local_list=row, **data)
        return Response(LocalListSerializer(row).data)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)


ROUTES: list[tuple[str, Any, str]] = [
    ("filter-list-sources", ListSourceViewSet, "filter-list-source"),
    ("filter-local-lists", LocalListViewSet, "filter-local-list"),
]
