"""Sign-in security pages, under ``/accounts/`` (sign-in and sign-out are in the root map)."""

from __future__ import annotations

from django.urls import path

from openaup.accounts import views

urlpatterns = [
    path("security/", views.AccountSecurityView.as_view(), name="account-security"),
    path("password/", views.PasswordChangePageView.as_view(), name="password-change"),
    path(
        "sign-out-everywhere/",
        views.SignOutEverywhereView.as_view(),
        name="sign-out-everywhere",
    ),
    path("two-factor/setup/", views.TwoFactorSetupView.as_view(), name="two-factor-setup"),
    path("two-factor/verify/", views.TwoFactorVerifyView.as_view(), name="two-factor-verify"),
    path(
        "two-factor/backup-codes/",
        views.BackupCodesView.as_view(),
        name="two-factor-backup-codes",
    ),
    path("two-factor/reset/", views.TwoFactorResetView.as_view(), name="two-factor-reset"),
]
