"""The audit trail: an append-only record of every change, and of every look at student data."""

from __future__ import annotations
