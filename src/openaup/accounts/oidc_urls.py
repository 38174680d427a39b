"""Single sign-on URLs, under ``/oidc/``. Always routed; both answer 404 while single sign-on
is off (``OPENAUP_OIDC_ISSUER`` unset). Register ``<site>/oidc/callback/`` as the redirect
URI at the identity provider."""

from __future__ import annotations

from django.urls import path

from openaup.accounts.oidc import SSOCallbackView, SSOStartView

urlpatterns = [
    path("authenticate/", SSOStartView.as_view(), name="oidc-start"),
    path("callback/", SSOCallbackView.as_view(), name="oidc-callback"),
]
