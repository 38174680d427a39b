"""URL map. Every page derives from a base class in :mod:`openaup.core.views` and every API
endpoint from :mod:`openaup.core.api` (``tests/core/test_url_contract.py`` checks both)."""

from __future__ import annotations

from django.urls import include, path

from openaup.accounts import views as account_views
from openaup.core import views as core_views

urlpatterns = [
    path("", account_views.HomeView.as_view(), name="home"),
    path("accounts/login/", account_views.SignInView.as_view(), name="login"),
    path("accounts/logout/", account_views.SignOutView.as_view(), name="logout"),
    path("oidc/", include("openaup.accounts.oidc_urls")),
    path("accounts/", include("openaup.accounts.urls")),
    path("healthz", core_views.HealthView.as_view(), name="health"),
    path("directory/", include("openaup.directory.urls")),
    path("audit/", include("openaup.audit.urls")),
    path("access/", include("openaup.access.urls")),
    path("cases/", include("openaup.cases.urls")),
    path("", include("openaup.policies.urls")),
    path("", include("openaup.filtering.urls")),
    path("", include("openaup.monitoring.urls")),
    path("api/", include("openaup.api_urls")),
]
