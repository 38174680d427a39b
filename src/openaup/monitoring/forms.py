"""Forms of the monitoring pages: the report's filters, a timeline's day, an address lookup,
a counselor designation. Each says what is wrong, on which field."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openaup.accounts.forms import uswds
from openaup.directory.models import Person, School

__all__ = ["DesignationForm", "IpLookupForm", "ReportForm", "TimelineForm"]

DAY_CHOICES = [(7, _("Last 7 days")), (30, _("Last 30 days")), (90, _("Last 90 days"))]


class ReportForm(forms.Form):
    school = forms.TypedChoiceField(label=_("School"), coerce=int, required=False, empty_value=None)
    days = forms.TypedChoiceField(
        label=_("Period"), choices=DAY_CHOICES, coerce=int, required=False, empty_value=None
    )
    profile = forms.CharField(label=_("Filter profile"), max_length=64, required=False)

    def __init__(self, *args: Any, schools: list[tuple[int, str]], district: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices: list[tuple[Any, Any]] = [("", _("Every school"))] if district else []
        self.fields["school"].choices = choices + schools  # type: ignore[attr-defined]
        uswds(self)


class TimelineForm(forms.Form):
    day = forms.DateField(
        label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_day(self) -> datetime.date:
        day: datetime.date | None = self.cleaned_data.get("day")
        today = timezone.localdate()
        if day is None:
            return today
        if day > today:
            raise forms.ValidationError(_("The day is in the future."))
        return day


class IpLookupForm(forms.Form):
    ip = forms.GenericIPAddressField(label=_("Client address"))
    at = forms.DateTimeField(
        label=_("Date and time (district time)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    minutes = forms.IntegerField(
        label=_("Minutes either side"), min_value=1, max_value=240, initial=15, required=False
    )
    reason = forms.CharField(
        label=_("Reason (case or ticket)"),
        max_length=300,
        help_text=_("Recorded with the lookup in the audit trail."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        uswds(self)


class DesignationForm(forms.Form):
    person: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=Person.objects.none(), label=_("Staff member")
    )
    school: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=School.objects.none(), label=_("School")
    )
    reason = forms.CharField(label=_("Why they need to see students' activity"), max_length=300)
    ends_on = forms.DateField(
        label=_("Until (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, people: Any, schools: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people  # type: ignore[attr-defined]
        self.fields["school"].queryset = schools  # type: ignore[attr-defined]
        uswds(self)
