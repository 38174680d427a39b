"""Forms for access grants. The choices a form offers are the only values it accepts: a school
outside the actor's reach is a form error, and the service checks again."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone

from openaup.access.choices import MAX_GRANT_DAYS, DataCategory
from openaup.directory.choices import PersonKind, PersonStatus
from openaup.directory.models import Person, School


class DateInput(forms.DateInput):
    input_type = "date"


class AccessGrantForm(forms.Form):
    contractor = forms.ModelChoiceField(
        queryset=Person.objects.filter(kind=PersonKind.CONTRACTOR, status=PersonStatus.ACTIVE),
        empty_label=None,
    )
    sponsor = forms.ModelChoiceField(
        queryset=Person.objects.filter(kind=PersonKind.STAFF, status=PersonStatus.ACTIVE),
        help_text="The district employee answerable for this access.",
    )
    school = forms.ModelChoiceField(
        queryset=School.objects.none(),
        required=False,
        empty_label="The whole district",
        help_text="Where the contractor may see student data.",
    )
    categories = forms.MultipleChoiceField(
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        label="What the contractor may see",
    )
    purpose = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    starts_on = forms.DateField(widget=DateInput, label="From")
    ends_on = forms.DateField(
        widget=DateInput,
        label="Until",
        help_text=f"At most {MAX_GRANT_DAYS} days from today.",
    )

    def __init__(self, *args: Any, whole_district: bool, schools: list[School], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["school"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = School.objects.filter(pk__in=[s.pk for s in schools]).order_by("name")
        field.required = not whole_district
        if not whole_district:
            field.empty_label = None
        self.fields["starts_on"].initial = timezone.localdate()
        self.fields["ends_on"].initial = timezone.localdate() + datetime.timedelta(days=90)


class ExtendForm(forms.Form):
    ends_on = forms.DateField(widget=DateInput, label="New end date")
    reason = forms.CharField(max_length=500)


class RevokeForm(forms.Form):
    reason = forms.CharField(max_length=500)
