"""The data categories an access grant can cover, and the limits on a grant's term."""

from __future__ import annotations

from django.db import models

#: The longest a contractor's access may run, counted from the day it is granted or extended.
MAX_GRANT_DAYS = 365


class DataCategory(models.TextChoices):
    """What a contractor may see within the grant's school (or the district).

    - ``directory``: the students' directory records (name, school, grade, identifiers,
      the student's own email and phone);
    - ``guardian_contacts``: the contact details of those students' parents and guardians
      (the guardian links and the guardians' directory records). It needs ``directory``:
      contacts are of students the contractor can see.
    """

    DIRECTORY = "directory", "Student directory"
    GUARDIAN_CONTACTS = "guardian_contacts", "Guardian contact details"


class GrantState(models.TextChoices):
    """Where a grant stands today."""

    UPCOMING = "upcoming", "Not started"
    LIVE = "live", "Live"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"
