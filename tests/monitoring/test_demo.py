"""The demo district's decisions: every school's principal has a report with charts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openaup.accounts.models import User
from openaup.core.context import acting_as
from openaup.directory.demo.generator import generate
from openaup.directory.demo.services import load_demo_district
from openaup.monitoring.demo import load_demo_decisions

pytestmark = pytest.mark.django_db


def test_the_demo_leaves_decisions_for_every_schools_report(
    client: Client, log_dir: Path, settings: Any
) -> None:
    settings.OPENAUP_REQUIRE_2FA = False
    with acting_as(actor_repr="test", channel="cli"):
        load_demo_district(actor=None, district=generate(120, seed=3))
    summary = load_demo_decisions(days=3, students=60, per_day=10)
    assert summary.rows > 500
    assert summary.bad_lines == 0
    assert sorted(p.name for p in log_dir.glob("*.tsv"))  # written where the engine writes
    for username in ("principal.es", "principal.ms", "principal.hs"):
        client.force_login(User.objects.get(username=username))
        response = client.get(reverse("monitoring:report"))
        assert response.status_code == 200
        assert response.context["blocked_total"] > 0, username
        assert response.context["hosts"], username
