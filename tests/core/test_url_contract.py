"""Every URL of the project is served by a view that cannot forget sign-in or scoping.

Pages derive from :mod:`openaup.core.views` (``PublicView``, ``SignedInView`` or
``ScopedObjectMixin``); API endpoints from :class:`openaup.core.api.ScopedViewSetMixin`.
``PublicView`` is allowed only where this file says so, and the few API views that list no
rows are named here and must still refuse anonymous callers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from openaup.core.api import ScopedViewSetMixin
from openaup.core.views import PublicView, ScopedObjectMixin, SignedInView

#: The only pages anyone may open without signing in.
PUBLIC_URL_NAMES = frozenset({"login", "logout", "health", "oidc-start", "oidc-callback"})
PUBLIC_URL_NAMES |= {"policies:sign-link", "policies:sign-link-done", "policies:sign-link-receipt"}
PUBLIC_URL_NAMES |= {
    "policies:policy-list",
    "policies:policy-detail",
    "policies:version-detail",
    "policies:policy-diff",
}
PUBLIC_URL_NAMES |= {"filtering:blocked"}  # the filter's block page, opened from a signed link

#: API views that list no rows themselves (the API root, the schema and its docs): exempt
#: from scoping, but not from sign-in.
UNSCOPED_API_URL_NAMES = frozenset({"api-root", "api-schema", "api-docs"})


@dataclass(frozen=True)
class Route:
    pattern: str
    name: str | None
    view_class: type[Any] | None
    callback: Any

    @property
    def is_drf(self) -> bool:
        return hasattr(self.callback, "cls")


def walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            callback = entry.callback
            view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
            name = f"{namespace}{entry.name}" if entry.name else None
            yield Route(prefix + str(entry.pattern), name, view_class, callback)


ROUTES = list(walk(get_resolver().url_patterns))


def route_id(route: Route) -> str:
    return f"{route.name or ''} {route.pattern}".strip()


def test_the_walk_finds_the_known_urls() -> None:
    names = {route.name for route in ROUTES}
    assert {
        "home",
        "login",
        "logout",
        "health",
        "directory:person-list",
        "directory:person-detail",
        "api-root",
        "api-schema",
        "api-docs",
        "student-list",
        "person-detail",
    } <= names


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_every_url_has_a_guarded_view_class(route: Route) -> None:
    assert route.view_class is not None, f"{route.pattern}: a function view has no base class"
    cls = route.view_class
    if route.is_drf:
        if route.name in UNSCOPED_API_URL_NAMES:
            return
        assert issubclass(cls, ScopedViewSetMixin), (
            f"{route.pattern} ({cls.__name__}) must derive from ScopedViewSetMixin"
        )
        return
    assert issubclass(cls, PublicView | SignedInView | ScopedObjectMixin), (
        f"{route.pattern} ({cls.__name__}) must derive from PublicView, SignedInView or "
        "ScopedObjectMixin"
    )


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_public_view_only_where_allowed(route: Route) -> None:
    if route.view_class is not None and issubclass(route.view_class, PublicView):
        assert route.name in PUBLIC_URL_NAMES, (
            f"{route.pattern} ({route.view_class.__name__}) is public but not on the allow-list"
        )


def test_the_unscoped_api_views_exist() -> None:
    names = {route.name for route in ROUTES if route.is_drf}
    assert names >= UNSCOPED_API_URL_NAMES


def concrete_url(pattern: str) -> str:
    """A URL matching ``pattern``: ids become 1, formats ``json``, regex anchors go."""
    url = re.sub(r"\(\?P<format>[^)]*\)", "json", pattern)
    url = re.sub(r"\(\?P<\w+>[^)]*\)", "1", url)
    url = re.sub(r"<int:\w+>", "1", url)
    url = re.sub(r"<uuid:\w+>", "00000000-0000-0000-0000-000000000001", url)
    url = re.sub(r"<drf_format_suffix:\w+>", ".json", url)
    url = re.sub(r"<(?:\w+:)?\w+>", "x", url)
    url = url.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "/")
    return "/" + url


@pytest.mark.django_db
@pytest.mark.parametrize(
    "route", [r for r in ROUTES if r.name not in PUBLIC_URL_NAMES], ids=route_id
)
def test_anonymous_callers_get_nothing(client: Client, route: Route) -> None:
    """Pages send anonymous visitors to sign in; API views refuse them (401/403)."""
    url = concrete_url(route.pattern)
    response = client.get(url, HTTP_ACCEPT="application/json")
    if response.status_code == 302:
        assert response["Location"].startswith("/accounts/login/?next=")
    else:
        assert route.is_drf, f"{url}: a page must redirect to sign-in"
        assert response.status_code in (401, 403), f"{url}: {response.status_code}"
