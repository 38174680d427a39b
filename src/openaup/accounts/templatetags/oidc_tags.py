"""``{% sso_button %}``: the single sign-on button of the sign-in page, or nothing when single
sign-on is off."""

from __future__ import annotations

from typing import Any

from django import template

from openaup.accounts.oidc import sso_button_label, sso_enabled

register = template.Library()


@register.inclusion_tag("accounts/includes/sso_button.html")
def sso_button(next_url: str = "") -> dict[str, Any]:
    return {"enabled": sso_enabled(), "label": sso_button_label(), "next": next_url}
