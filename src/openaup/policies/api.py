"""REST API of the policies app: campaigns with their counts, signatures.

``ROUTES`` lists ``(prefix, viewset, basename)`` for :mod:`openaup.api_urls` to register.
"""

from __future__ import annotations

from typing import Any

ROUTES: list[tuple[str, Any, str]] = []
