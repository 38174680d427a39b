"""Accounts: sign-in identities and the roles (with scope) they act in."""

from __future__ import annotations
