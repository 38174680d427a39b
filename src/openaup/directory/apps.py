from __future__ import annotations

from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "openaup.directory"
    label = "directory"
    verbose_name = "Directory"
