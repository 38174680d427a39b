"""Shared core: settings helpers, scoping base classes, request context, backups."""

from __future__ import annotations
