from __future__ import annotations

from django.apps import AppConfig


class FilteringConfig(AppConfig):
    name = "openaup.filtering"
    label = "filtering"
    verbose_name = "Filtering"
