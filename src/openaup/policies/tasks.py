"""Background jobs of the policies app. Each takes ids and calls a service."""

from __future__ import annotations
