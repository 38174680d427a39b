"""URL map. Every page derives from a base class in :mod:`openaup.core.views`."""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from openaup.accounts import views as account_views
from openaup.core import views as core_views

urlpatterns = [
    path("", account_views.HomeView.as_view(), name="home"),
    path("accounts/login/", account_views.SignInView.as_view(), name="login"),
    path("accounts/logout/", account_views.SignOutView.as_view(), name="logout"),
    path("healthz", core_views.HealthView.as_view(), name="health"),
    path("directory/", include("openaup.directory.urls")),
    path("api/", include("openaup.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
