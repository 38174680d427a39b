"""The phishing report form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from openaup.cases.choices import ArrivedBy

__all__ = ["PhishingReportForm"]


class PhishingReportForm(forms.Form):
    """What arrived, from whom, when, and optionally its text and the suspicious link."""

    arrived_by = forms.ChoiceField(label=_("How did it arrive?"), choices=ArrivedBy.choices)
    sender = forms.CharField(
        label=_("Who was it from?"),
        max_length=300,
        help_text=_("The sender's name, address or number, as it was shown."),
    )
    received_at = forms.DateTimeField(
        label=_("When did it arrive?"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    subject = forms.CharField(label=_("Subject (optional)"), max_length=300, required=False)
    content = forms.CharField(
        label=_("The message or its headers (optional)"),
        required=False,
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Paste the text or the full headers. Do not forward the message itself."),
    )
    suspicious_link = forms.CharField(
        label=_("The suspicious link (optional)"),
        max_length=2000,
        required=False,
        help_text=_("Copy the link's address without opening it."),
    )
    interacted = forms.BooleanField(
        label=_("I opened the link or an attachment, replied, or entered a password"),
        required=False,
    )
