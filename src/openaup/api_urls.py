"""The REST API under ``/api/``."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter

from openaup.directory import api as directory_api

router = DefaultRouter()
router.register("schools", directory_api.SchoolViewSet, basename="school")
router.register("students", directory_api.StudentViewSet, basename="student")

urlpatterns = router.urls
