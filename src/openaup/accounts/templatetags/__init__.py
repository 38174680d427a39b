"""Template tags of the accounts app."""

from __future__ import annotations
