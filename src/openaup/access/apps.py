from __future__ import annotations

from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "openaup.access"
    label = "access"
    verbose_name = "Data access"
