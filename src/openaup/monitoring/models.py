"""Monitoring's own rows (see the package docstring)."""

from __future__ import annotations
