"""REST API of policy documents: ``GET /api/policy-versions/`` (and one version), read-only.

Published and retired versions for every signed-in caller; drafts too for district
administrators and technology staff. Each version lists its texts' languages and SHA-256
hashes, so a signature's ``text_sha256`` can be checked against the version it names.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers

from openaup.core.api import ScopedReadOnlyViewSet
from openaup.policies.models import PolicyText, PolicyVersion

__all__ = ["PolicyVersionViewSet"]


class PolicyTextSummarySerializer(serializers.ModelSerializer[PolicyText]):
    class Meta:
        model = PolicyText
        fields = ["language", "title", "sha256"]


class PolicyVersionSerializer(serializers.ModelSerializer[PolicyVersion]):
    policy: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    policy_title = serializers.CharField(source="policy.title", read_only=True)
    grade_low = serializers.CharField(
        read_only=True, help_text="The lowest grade (CEDS code) of a student-friendly version."
    )
    grade_high = serializers.CharField(
        read_only=True, help_text="The highest grade (CEDS code) of a student-friendly version."
    )
    audience_label = serializers.CharField(read_only=True)
    texts = PolicyTextSummarySerializer(many=True, read_only=True)
    url = serializers.SerializerMethodField(help_text="The version's page.")

    class Meta:
        model = PolicyVersion
        fields = [
            "id",
            "policy",
            "policy_title",
            "label",
            "audience",
            "grade_low",
            "grade_high",
            "audience_label",
            "status",
            "primary_language",
            "sha256",
            "published_at",
            "retired_at",
            "texts",
            "url",
        ]

    def get_url(self, version: PolicyVersion) -> str:
        from django.urls import reverse

        return reverse("policies:version-detail", args=[version.policy.slug, version.pk])


class PolicyVersionViewSet(ScopedReadOnlyViewSet):
    """Policy versions the caller may see, newest first, with their texts' languages and
    hashes. Filter with ``?policy=<slug>`` and ``?status=published``."""

    queryset = PolicyVersion.objects.all()
    serializer_class = PolicyVersionSerializer

    def get_queryset(self) -> QuerySet[Any]:
        queryset = (
            super()
            .get_queryset()
            .select_related("policy")
            .prefetch_related("texts")
            .order_by("policy__slug", "-published_at", "-created_at", "-pk")
        )
        params = self.request.query_params
        if params.get("policy"):
            queryset = queryset.filter(policy__slug=params["policy"])
        if params.get("status"):
            queryset = queryset.filter(status=params["status"])
        return queryset
