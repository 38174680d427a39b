from __future__ import annotations

from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "openaup.policies"
    label = "policies"
    verbose_name = "Policies and signatures"
