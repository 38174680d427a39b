from __future__ import annotations

from typing import Any

from django.apps import AppConfig


def _signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from openaup.accounts.middleware import start_session
    from openaup.accounts.services import record_sign_in

    if request is not None and hasattr(request, "session"):
        start_session(request, user)
    record_sign_in(user=user, method=getattr(user, "backend", "") or "")


def _sign_in_failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    from openaup.accounts.services import record_sign_in_failure

    username = str(credentials.get("username") or "")
    if not username:
        # A single sign-on refusal: it has an audit event of its own (account.sso_refused).
        return
    record_sign_in_failure(username=username)


def _locked_out(sender: Any, username: str | None = None, **kwargs: Any) -> None:
    from openaup.accounts.services import record_lockout

    record_lockout(username=username or "")


class AccountsConfig(AppConfig):
    name = "openaup.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Authentication signals are the only place sign-ins are seen (the login view, the
        # API's Basic authentication and single sign-on all end in them): the session is
        # stamped for expiry and the audit trail records each sign-in, failure and lockout.
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        user_logged_in.connect(_signed_in, dispatch_uid="openaup.accounts.signed_in")
        user_login_failed.connect(_sign_in_failed, dispatch_uid="openaup.accounts.failed")
        user_locked_out.connect(_locked_out, dispatch_uid="openaup.accounts.locked_out")
