"""``GET /api/policy-versions/``: published versions with their texts' hashes for everyone
signed in, drafts for those who write policies, in a fixed number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from openaup.policies.choices import Audience
from openaup.policies.models import Policy
from openaup.policies.services import documents
from tests.policies.test_documents import BODY, SPANISH

URL = "/api/policy-versions/"


@pytest.fixture
def policy(world: Any) -> Policy:
    policy = documents.create_policy(actor=None, title="AUP", slug="acceptable-use")
    for label in ("2025-26", "2026-27"):
        version = documents.create_version(
            actor=None, policy=policy, label=label, audience=Audience.ALL
        )
        documents.save_text(actor=None, version=version, language="en", title="AUP", body=BODY)
        documents.save_text(actor=None, version=version, language="es", title="PUA", body=SPANISH)
        documents.publish_version(actor=None, version=version)
    draft = documents.create_version(actor=None, policy=policy, label="2027-28", audience="all")
    documents.save_text(actor=None, version=draft, language="en", title="AUP", body="Draft.")
    return policy


def get(user: Any, url: str = URL) -> Any:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(url)


def test_published_versions_with_hashes(teacher: Any, policy: Policy) -> None:
    response = get(teacher)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["label"] for row in rows] == ["2026-27", "2025-26"]
    first = rows[0]
    assert first["status"] == "published"
    assert first["policy"] == "acceptable-use"
    assert first["url"] == f"/policies/acceptable-use/{first['id']}/"
    english = documents.text_sha256(BODY)
    assert first["sha256"] == english
    assert {t["language"]: t["sha256"] for t in first["texts"]} == {
        "en": english,
        "es": documents.text_sha256(SPANISH),
    }


def test_drafts_for_writers_only(tech_staff: Any, guardian: Any, policy: Policy) -> None:
    labels = [row["label"] for row in get(tech_staff).json()["results"]]
    assert "2027-28" in labels
    draft = policy.versions.get(label="2027-28")
    assert get(guardian, f"{URL}{draft.pk}/").status_code == 404
    assert get(tech_staff, f"{URL}{draft.pk}/").status_code == 200
    assert get(tech_staff, f"{URL}?status=draft").json()["count"] == 1


def test_anonymous_callers_are_refused(policy: Policy) -> None:
    assert get(None).status_code == 403


def test_the_list_takes_a_fixed_number_of_queries(tech_staff: Any, policy: Policy) -> None:
    client = Client()
    client.force_login(tech_staff)
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for label in ("2028-29", "2029-30", "2030-31"):
        version = documents.create_version(actor=None, policy=policy, label=label, audience="all")
        documents.save_text(actor=None, version=version, language="en", title="t", body="b")
    with CaptureQueriesContext(connection) as more:
        response = client.get(URL)
    assert response.json()["count"] == 6
    assert len(more) == len(few)
