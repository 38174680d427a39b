"""A real OpenID Connect provider for the single sign-on tests (``provider.mjs``)."""

from __future__ import annotations
