from __future__ import annotations

from django.db import models


class DecisionSource(models.TextChoices):
    """Where a decision file came from."""

    HELPER = "helper", "Filter helper's decision log"
    SQUID = "squid", "Squid access log (not decided by the helper)"
