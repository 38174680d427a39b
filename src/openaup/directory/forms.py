"""Forms of the directory's pages."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EducationalRightsForm(forms.Form):
    """Give or take a guardian's educational rights for one child, with the reason."""

    has_rights = forms.TypedChoiceField(
        choices=[("1", _("Has educational rights")), ("0", _("No educational rights"))],
        coerce=lambda value: value == "1",
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        help_text=_("For example: a court order on file at the school office."),
    )


class DepartureForm(forms.Form):
    """Mark a person departed on a date, with the reason."""

    departed_on = forms.DateField(
        label=_("Departed on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("Reason"), max_length=500)

    def clean_departed_on(self) -> datetime.date:
        value: datetime.date = self.cleaned_data["departed_on"]
        if value > timezone.localdate() + datetime.timedelta(days=366):
            raise forms.ValidationError(_("The date is more than a year away."))
        return value

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["departed_on"].initial = timezone.localdate()
