"""REST API of the filtering app; each area's module lists its own routes."""

from __future__ import annotations

from typing import Any

from openaup.filtering import api_lists, api_profiles, api_requests

ROUTES: list[tuple[str, Any, str]] = [
    *api_profiles.ROUTES,
    *api_lists.ROUTES,
    *api_requests.ROUTES,
]
