from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

import openaup


def site(request: HttpRequest) -> dict[str, Any]:
    return {"OPENAUP_VERSION": openaup.__version__, "DEBUG": settings.DEBUG}
