"""The REST API under ``/api/``: the directory's read-only endpoints, the OpenAPI schema and
its browsable docs.

Every data endpoint is a :class:`~openaup.core.api.ScopedViewSetMixin` viewset. The API root,
the schema and the docs list no rows, but still need a signed-in caller: the schema and docs
are not for the public, and the root answers anonymous callers with 403 like any endpoint.
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import DefaultRouter

from openaup.directory import api as directory_api
from openaup.filtering import api as filtering_api
from openaup.monitoring import api as monitoring_api
from openaup.policies import api as policies_api


class SchemaView(SpectacularAPIView):
    """``GET /api/schema/``: the OpenAPI 3 schema, for signed-in callers."""

    permission_classes = [IsAuthenticated]


class DocsView(LoginRequiredMixin, SpectacularSwaggerSplitView):
    """``GET /api/docs/``: Swagger UI from our own static files, its start-up script served
    from a URL of its own (no inline script, for the Content Security Policy); anonymous
    visitors are sent to the sign-in page. ``SWAGGER_UI_SETTINGS`` turns off the validator
    badge, which would load an image from another site."""

    permission_classes = [IsAuthenticated]


router = DefaultRouter()
router.register("schools", directory_api.SchoolViewSet, basename="school")
router.register("people", directory_api.PersonViewSet, basename="person")
router.register("students", directory_api.StudentViewSet, basename="student")
router.register("sections", directory_api.SectionViewSet, basename="section")
for prefix, viewset, basename in [
    *policies_api.ROUTES,
    *filtering_api.ROUTES,
    *monitoring_api.ROUTES,
]:
    router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("schema/", SchemaView.as_view(), name="api-schema"),
    path("docs/", DocsView.as_view(url_name="api-schema"), name="api-docs"),
    *router.urls,
]
