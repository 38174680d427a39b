"""REST API: filter profiles, their rules, categories and published revisions.

- ``/api/filter-profiles/`` (by ``name``): list, read, create, change (``PATCH``);
- ``/api/filter-rules/``: list (``?profile=<name>``), read, create, change, delete;
- ``/api/filter-categories/`` (by ``name``): list, read, change the tag and clause;
- ``/api/filter-revisions/`` (by ``number``): list, read; ``POST publish/`` publishes the
  draft, ``POST <number>/rollback/`` publishes an earlier revision again.

Staff who read the filter see everything; district administrators and technology staff
change it (403 for others). Writes go through the services; bad input is a 400 naming the
field. ``ROUTES`` lists ``(prefix, viewset, basename)``.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from openaup.core.api import ScopedViewSetMixin, call_service
from openaup.filtering.choices import DefaultAction, RuleState, YouTubeMode
from openaup.filtering.models import (
    Category,
    FilterProfile,
    FilterSchedule,
    PolicyRevision,
    ProfileRule,
)
from openaup.filtering.querysets import manages_filter
from openaup.filtering.services import profiles as services
from openaup.filtering.services import publishing

__all__ = [
    "ROUTES",
    "CategoryViewSet",
    "FilterProfileViewSet",
    "PolicyRevisionViewSet",
    "ProfileRuleViewSet",
]


def _require_manager(request: Request) -> None:
    if not manages_filter(request.user):
        raise PermissionDenied("Only district administrators and technology staff may.")


class ProfileRuleSerializer(serializers.ModelSerializer[ProfileRule]):
    profile: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="name", queryset=FilterProfile.objects.all()
    )
    state = serializers.ChoiceField(choices=RuleState.choices)
    categories = serializers.ListField(child=serializers.CharField(), required=False)
    hosts = serializers.ListField(child=serializers.CharField(), required=False)
    urls = serializers.ListField(child=serializers.CharField(), required=False)
    schedule: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="name",
        queryset=FilterSchedule.objects.filter(school__isnull=True),
        required=False,
        allow_null=True,
    )

    class Meta:
        model = ProfileRule
        fields = [
            "id",
            "profile",
            "name",
            "state",
            "categories",
            "hosts",
            "urls",
            "clause",
            "schedule",
            "outside_schedule",
            "position",
        ]
        read_only_fields = ["id", "position"]


class FilterProfileSerializer(serializers.ModelSerializer[FilterProfile]):
    default_action = serializers.ChoiceField(choices=DefaultAction.choices, required=False)
    youtube = serializers.ChoiceField(choices=YouTubeMode.choices, required=False)
    rules = ProfileRuleSerializer(many=True, read_only=True)

    class Meta:
        model = FilterProfile
        fields = ["name", *services.PROFILE_FIELDS, "rules"]
        # the service checks the name (uniqueness, the engine's characters)
        extra_kwargs: dict[str, Any] = {"name": {"validators": []}}


class FilterProfileViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Filter profiles with their rules (a change is a draft until published)."""

    queryset = FilterProfile.objects.all()
    serializer_class = FilterProfileSerializer
    lookup_field = "name"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().prefetch_related("rules__schedule")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _require_manager(request)
        incoming = FilterProfileSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        profile = call_service(services.save_profile, actor=request.user, **data)
        return Response(
            FilterProfileSerializer(self.get_queryset().get(pk=profile.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        profile = cast(FilterProfile, self.get_object())
        incoming = FilterProfileSerializer(profile, data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        data = {k: v for k, v in incoming.validated_data.items() if k != "name"}
        call_service(services.save_profile, actor=request.user, profile=profile, **data)
        return Response(FilterProfileSerializer(self.get_queryset().get(pk=profile.pk)).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        profile = self.get_object()
        _require_manager(request)
        call_service(services.delete_profile, actor=request.user, profile=profile)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProfileRuleViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """Rules of the profiles; ``?profile=<name>`` for one profile's."""

    queryset = ProfileRule.objects.all()
    serializer_class = ProfileRuleSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset().select_related("profile", "schedule")
        profile = self.request.query_params.get("profile")
        return queryset.filter(profile__name=profile) if profile else queryset

    def _save(self, request: Request, rule: ProfileRule | None) -> ProfileRule:
        incoming = ProfileRuleSerializer(rule, data=request.data, partial=rule is not None)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        current = ProfileRuleSerializer(rule).data if rule is not None else {}
        values = {
            "name": data.get("name", current.get("name", "")),
            "state": data.get("state", current.get("state", "")),
            "categories": data.get("categories", current.get("categories", [])),
            "hosts": data.get("hosts", current.get("hosts", [])),
            "urls": data.get("urls", current.get("urls", [])),
            "clause": data.get("clause", current.get("clause", "")),
            "schedule": data.get("schedule", rule.schedule if rule is not None else None),
            "outside_schedule": data.get(
                "outside_schedule", current.get("outside_schedule", False)
            ),
        }
        profile = data.get("profile") or (rule.profile if rule is not None else None)
        saved: ProfileRule = call_service(
            services.save_rule, actor=request.user, profile=profile, rule=rule, **values
        )
        return saved

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _require_manager(request)
        rule = self._save(request, None)
        return Response(ProfileRuleSerializer(rule).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rule = self._save(request, cast(ProfileRule, self.get_object()))
        return Response(ProfileRuleSerializer(rule).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rule = self.get_object()
        _require_manager(request)
        call_service(services.delete_rule, actor=request.user, rule=rule)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CategorySerializer(serializers.ModelSerializer[Category]):
    class Meta:
        model = Category
        fields = [
            "name",
            "title",
            "tag",
            "clause",
            "allow_list",
            "list_names",
            "entries",
            "bad_lines",
        ]
        read_only_fields = ["name", "title", "allow_list", "list_names", "entries", "bad_lines"]


class CategoryViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Categories with their lists and sizes as last compiled; change the tag and clause."""

    queryset = Category.objects.all()
    serializer_class = CategorySerializer
    lookup_field = "name"
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "patch", "head", "options"]

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        category = cast(Category, self.get_object())
        incoming = CategorySerializer(category, data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        call_service(
            services.update_category,
            actor=request.user,
            category=category,
            tag=data.get("tag", category.tag),
            clause=data.get("clause", category.clause),
        )
        category.refresh_from_db()
        return Response(CategorySerializer(category).data)


class PolicyRevisionSerializer(serializers.ModelSerializer[PolicyRevision]):
    published_by = serializers.CharField(source="published_by.username", default="")
    rollback_of = serializers.IntegerField(source="rollback_of.number", default=None)

    class Meta:
        model = PolicyRevision
        fields = [
            "number",
            "status",
            "note",
            "published_at",
            "published_by",
            "rollback_of",
            "confirmed_reason",
            "compiled_at",
            "compile_seconds",
            "live_at",
            "snapshot_sha256",
            "snapshot_bytes",
            "report",
            "error",
            "sha256",
            "toml",
        ]


class PublishSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    confirm_reason = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default=""
    )


class PolicyRevisionViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Published revisions of the filter policy, newest first; publish and roll back."""

    queryset = PolicyRevision.objects.all()
    serializer_class = PolicyRevisionSerializer
    lookup_field = "number"

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().select_related("published_by", "rollback_of")

    @extend_schema(request=PublishSerializer, responses={201: PolicyRevisionSerializer})
    @action(detail=False, methods=["post"])
    def publish(self, request: Request, **kwargs: Any) -> Response:
        """Publish the draft (compiled in the background)."""
        _require_manager(request)
        incoming = PublishSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        revision = call_service(
            publishing.publish_policy, actor=request.user, **incoming.validated_data
        )
        return Response(PolicyRevisionSerializer(revision).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={201: PolicyRevisionSerializer})
    @action(detail=True, methods=["post"])
    def rollback(self, request: Request, number: str, **kwargs: Any) -> Response:
        """Publish this revision again and bring the settings back to it."""
        revision = self.get_object()
        _require_manager(request)
        new = call_service(publishing.rollback_to, actor=request.user, revision=revision)
        return Response(PolicyRevisionSerializer(new).data, status=status.HTTP_201_CREATED)


ROUTES: list[tuple[str, Any, str]] = [
    ("filter-profiles", FilterProfileViewSet, "filter-profile"),
    ("filter-rules", ProfileRuleViewSet, "filter-rule"),
    ("filter-categories", CategoryViewSet, "filter-category"),
    ("filter-revisions", PolicyRevisionViewSet, "filter-revision"),
]
