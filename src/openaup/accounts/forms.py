"""Forms of the sign-in security pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

__all__ = ["TwoFactorCodeForm", "TwoFactorResetForm", "uswds"]


class TwoFactorCodeForm(forms.Form):
    """A six-digit code from an authenticator app, or a backup code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).replace(" ", "").lower()


class TwoFactorResetForm(forms.Form):
    """Whose two-factor sign-in to reset, and why."""

    username = forms.CharField(label=_("User name"), max_length=150)
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: reported a lost phone in person, ticket number."),
    )


_USWDS_CLASSES = {
    "checkbox": "usa-checkbox__input",
    "select": "usa-select",
    "textarea": "usa-textarea",
}


def uswds(form: forms.BaseForm) -> forms.BaseForm:
    """Give every widget of ``form`` its USWDS class (and the error class where invalid)."""
    for name, field in form.fields.items():
        widget_type = type(field.widget).__name__.lower().removesuffix("input")
        css = _USWDS_CLASSES.get(widget_type, "usa-input")
        if form.is_bound and name in form.errors:
            css += " usa-input--error"
        field.widget.attrs["class"] = css
    return form
