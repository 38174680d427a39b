"""The profiles API: reads for staff, writes for district administrators and technology
staff, 400 with the field named on bad input, publishing and rolling back, in the schema."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from openaup.filtering.models import PolicyRevision, ProfileRule
from tests.filtering import profile_setup

demo_filter = profile_setup.demo_filter
filter_dir = profile_setup.filter_dir

pytestmark = pytest.mark.django_db


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_staff_read_profiles_with_their_rules_in_few_queries(
    teacher: Any, demo_filter: PolicyRevision
) -> None:
    client = api(teacher)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/filter-profiles/")
    assert response.status_code == 200
    names = [p["name"] for p in response.json()["results"]]
    assert names[:3] == ["elementary", "middle", "high"]
    middle = response.json()["results"][1]
    assert "social_networks" in middle["rules"][1]["categories"]
    assert len(queries) < 15
    assert client.get("/api/filter-rules/?profile=middle").json()["count"] == 4
    assert client.get("/api/filter-categories/games/").json()["entries"] == 2
    assert client.get("/api/filter-revisions/1/").json()["status"] == "live"


def test_students_get_empty_lists_and_no_writes(student: Any, demo_filter: PolicyRevision) -> None:
    client = api(student)
    assert client.get("/api/filter-profiles/").json()["count"] == 0
    assert client.get("/api/filter-profiles/middle/").status_code == 404
    assert client.post("/api/filter-revisions/publish/", {}).status_code == 403


def test_teachers_may_not_write(teacher: Any, demo_filter: PolicyRevision) -> None:
    client = api(teacher)
    assert client.patch("/api/filter-profiles/middle/", {"youtube": "strict"}).status_code == 403
    assert (
        client.post(
            "/api/filter-rules/", {"profile": "middle", "name": "x", "state": "allow"}
        ).status_code
        == 403
    )
    assert client.post("/api/filter-revisions/1/rollback/").status_code == 403


def test_tech_staff_change_a_profile_add_a_rule_and_publish(
    tech_staff: Any, demo_filter: PolicyRevision, django_capture_on_commit_callbacks: Any
) -> None:
    client = api(tech_staff)
    response = client.patch("/api/filter-profiles/middle/", {"youtube": "off"}, format="json")
    assert response.status_code == 200
    assert response.json()["youtube"] == "off"
    response = client.post(
        "/api/filter-rules/",
        {
            "profile": "middle",
            "name": "homework",
            "state": "locked_allow",
            "hosts": ["Play.Example"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["hosts"] == ["play.example"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/filter-revisions/publish/", {"note": "homework"}, format="json"
        )
    assert response.status_code == 201
    assert response.json()["number"] == 2
    assert 'youtube = "off"' in response.json()["toml"]


def test_bad_input_is_a_400_naming_the_field(tech_staff: Any, demo_filter: PolicyRevision) -> None:
    client = api(tech_staff)
    response = client.post(
        "/api/filter-rules/",
        {"profile": "middle", "name": "bad", "state": "block", "hosts": ["not a host"]},
        format="json",
    )
    assert response.status_code == 400
    assert "not a host" in response.json()["hosts"][0]
    response = client.patch("/api/filter-profiles/middle/", {"fail_open": True}, format="json")
    assert response.status_code == 400
    assert "fail_open" in response.json()
    response = client.post("/api/filter-profiles/", {"name": "Bad Name!"}, format="json")
    assert response.status_code == 400
    assert not ProfileRule.objects.filter(name="bad").exists()


def test_rolling_back_through_the_api(tech_staff: Any, demo_filter: PolicyRevision) -> None:
    from openaup.filtering.services.publishing import publish_policy

    publish_policy(actor=tech_staff, note="second", sync=True)
    response = api(tech_staff).post("/api/filter-revisions/1/rollback/")
    assert response.status_code == 201
    assert response.json()["rollback_of"] == 1


def test_the_endpoints_are_in_the_schema(tech_staff: Any) -> None:
    schema = api(tech_staff).get("/api/schema/", {"format": "json"}).json()
    for path in (
        "/api/filter-profiles/",
        "/api/filter-rules/{id}/",
        "/api/filter-categories/{name}/",
        "/api/filter-revisions/publish/",
        "/api/filter-revisions/{number}/rollback/",
    ):
        assert path in schema["paths"], path
