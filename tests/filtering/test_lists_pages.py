"""List sources and local lists through the pages and the API: who sees and changes what,
the status shown after an update, "update now", and local lists refused line by line."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openaup.audit.models import AuditEvent
from openaup.filtering.models import ListSource, LocalList
from openaup.filtering.services import lists
from tests.filtering import lists_support
from tests.filtering.lists_support import ut1_archive

list_server = lists_support.list_server
filter_dir = lists_support.filter_dir

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def source(filter_dir) -> ListSource:
    return lists.create_source(
        actor=None, name="ut1", kind="ut1", url="http://127.0.0.1:9/blacklists.tar.gz"
    )


def test_the_list_page_shows_each_source_with_its_status(
    source, list_server, tech_staff, teacher, django_assert_max_num_queries
) -> None:
    url = list_server.serve("/bl.tar.gz", ut1_archive())
    ok = lists.create_source(actor=None, name="good", kind="ut1", url=url)
    lists.update_source(actor=None, source=ok)
    lists.update_source(actor=None, source=source)  # nothing listens on port 9
    for number in range(5):
        lists.create_source(
            actor=None, name=f"more-{number}", kind="plain", url=url, category="games"
        )

    client = _client(teacher)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("filtering:list-source-list"))

    assert page.status_code == 200
    text = page.content.decode()
    assert "Last update failed" in text
    assert "cannot connect" in text
    assert "Up to date" in text
    assert ">7<" in text  # entries of the good source
    assert "Add a list source" not in text  # a teacher reads, does not change
    assert (
        "Add a list source"
        in _client(tech_staff).get(reverse("filtering:list-source-list")).content.decode()
    )


def test_a_student_may_not_see_the_lists(source, student) -> None:
    client = _client(student)
    assert client.get(reverse("filtering:list-source-list")).status_code == 403
    assert client.get(reverse("filtering:list-source-detail", args=["ut1"])).status_code == 404


def test_the_detail_page_shows_the_error_and_that_the_lists_stay(
    source, tech_staff, filter_dir
) -> None:
    lists.update_source(actor=None, source=source)

    page = _client(tech_staff).get(reverse("filtering:list-source-detail", args=["ut1"]))

    text = page.content.decode()
    assert "The last update failed" in text
    assert "cannot connect" in text
    assert "The lists in use are unchanged." in text
    assert "Update now" in text


def test_adding_a_source_from_the_page(tech_staff, filter_dir) -> None:
    client = _client(tech_staff)
    data = {
        "name": "social",
        "kind": "plain",
        "url": "https://lists.example/social.txt",
        "category": "social_networks",
        "enabled": "on",
        "update_hours": "12",
    }
    response = client.post(reverse("filtering:list-source-create"), data)

    assert response.status_code == 302
    source = ListSource.objects.get(name="social")
    assert (source.kind, source.category, source.update_hours) == ("plain", "social_networks", 12)
    assert AuditEvent.objects.filter(action="filter.list_source.created").exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"url": "ftp://lists.example/x"}, "url", "is not an http:// or https:// address"),
        ({"url": ""}, "url", "Give the URL the lists are downloaded from, or a local path."),
        ({"path": "/srv/lists"}, "url", "Give a URL or a local path, not both."),
        ({"category": ""}, "category", "A plain or hosts list needs the category it provides."),
        ({"name": "local"}, "name", "is the folder of the lists edited here"),
        ({"name": "new"}, "name", "is reserved"),
    ],
)
def test_a_bad_source_is_refused_with_the_field_named(
    tech_staff, filter_dir, change, field, message
) -> None:
    data = {
        "name": "social",
        "kind": "plain",
        "url": "https://lists.example/social.txt",
        "category": "social_networks",
        "update_hours": "12",
        **change,
    }
    response = _client(tech_staff).post(reverse("filtering:list-source-create"), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ListSource.objects.exists()


def test_update_now_runs_in_the_background(
    source, list_server, tech_staff, filter_dir, django_capture_on_commit_callbacks
) -> None:
    from django_tasks_db.models import DBTaskResult

    source.url = list_server.serve("/bl.tar.gz", ut1_archive())
    source.save()
    client = _client(tech_staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("filtering:list-source-update", args=["ut1"]))

    assert response.status_code == 302
    job = DBTaskResult.objects.get(task_path="openaup.filtering.tasks.update_list_source")
    assert job.args_kwargs["kwargs"]["source_id"] == source.pk
    from openaup.filtering.tasks import update_list_source

    result = update_list_source.call(**job.args_kwargs["kwargs"])
    assert result["ok"]
    assert ListSource.objects.get(pk=source.pk).status == "ok"
    assert (filter_dir / "lists/ut1/blacklists/games/domains").exists()


def test_a_teacher_may_not_update_or_change_a_source(source, teacher) -> None:
    client = _client(teacher)
    assert client.post(reverse("filtering:list-source-update", args=["ut1"])).status_code == 403
    assert client.post(reverse("filtering:list-source-enable", args=["ut1"])).status_code == 403
    assert client.get(reverse("filtering:list-source-edit", args=["ut1"])).status_code == 403


def test_switching_scheduled_updates_off_and_on(source, tech_staff) -> None:
    client = _client(tech_staff)
    client.post(reverse("filtering:list-source-enable", args=["ut1"]))
    assert not ListSource.objects.get(pk=source.pk).enabled
    client.post(reverse("filtering:list-source-enable", args=["ut1"]), {"enabled": "on"})
    assert ListSource.objects.get(pk=source.pk).enabled


def test_editing_a_source_forgets_its_validators(source, tech_staff) -> None:
    ListSource.objects.filter(pk=source.pk).update(etag='"abc"', sha256="f" * 64)
    data = {
        "kind": "ut1",
        "url": "https://lists.example/other.tar.gz",
        "enabled": "on",
        "update_hours": "6",
    }
    response = _client(tech_staff).post(reverse("filtering:list-source-edit", args=["ut1"]), data)

    assert response.status_code == 302
    source.refresh_from_db()
    assert (source.url, source.update_hours, source.etag, source.sha256) == (
        "https://lists.example/other.tar.gz",
        6,
        "",
        "",
    )


# --- local lists -------------------------------------------------------------------------


def test_a_local_list_is_saved_and_written(
    tech_staff, filter_dir, django_capture_on_commit_callbacks
) -> None:
    data = {
        "category": "district_deny",
        "description": "Sites the district blocks.",
        "entries": "# checked by the tech office\nbad.example\n0.0.0.0 ads.example\n"
        "docs.example/private\n",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(tech_staff).post(reverse("filtering:local-list-create"), data)

    assert response.status_code == 302
    text = (filter_dir / "lists/local/district_deny.txt").read_text()
    assert text.splitlines()[1:] == ["bad.example", "ads.example"]
    assert (
        (filter_dir / "lists/local/urls/district_deny/urls")
        .read_text()
        .endswith("docs.example/private\n")
    )
    row = LocalList.objects.get(category="district_deny")
    assert row.updated_by == tech_staff
    assert AuditEvent.objects.filter(action="filter.local_list.saved").exists()


def test_every_bad_line_is_reported_with_its_number_and_nothing_is_saved(
    tech_staff, filter_dir, django_capture_on_commit_callbacks
) -> None:
    data = {
        "category": "district_deny",
        "entries": "bad.example\nnot a domain\n\n0.0.0.0 one.example two.example\n%%%\n",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(tech_staff).post(reverse("filtering:local-list-create"), data)

    assert response.status_code == 400
    text = response.content.decode()
    assert "These lines cannot be used; nothing was saved:" in text
    assert "line 2: “not a domain” is not a domain name" in text
    assert "line 4: “0.0.0.0 one.example two.example” has more than one name" in text
    assert "line 5: “%%%” is not a domain name" in text
    assert not LocalList.objects.exists()
    assert not (filter_dir / "lists/local").exists()


def test_renaming_a_local_list_moves_its_file(
    tech_staff, filter_dir, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        lists.save_local_list(actor=tech_staff, category="old_name", entries="a.example")
    client = _client(tech_staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("filtering:local-list-edit", args=["old_name"]),
            {"category": "new_name", "entries": "a.example\nb.example"},
        )

    assert response.status_code == 302
    assert not (filter_dir / "lists/local/old_name.txt").exists()
    assert (filter_dir / "lists/local/new_name.txt").read_text().endswith("a.example\nb.example\n")


def test_a_principal_reads_a_local_list_but_may_not_change_it(tech_staff, principal_a) -> None:
    lists.save_local_list(actor=tech_staff, category="district_deny", entries="a.example")
    client = _client(principal_a)
    page = client.get(reverse("filtering:local-list-edit", args=["district_deny"]))
    assert page.status_code == 200
    assert "a.example" in page.content.decode()
    assert "<textarea" not in page.content.decode()
    response = client.post(
        reverse("filtering:local-list-edit", args=["district_deny"]),
        {"category": "district_deny", "entries": "b.example"},
    )
    assert response.status_code == 403


# --- API ---------------------------------------------------------------------------------


def test_api_lists_sources_with_their_status(
    source, teacher, student, django_assert_max_num_queries
) -> None:
    lists.update_source(actor=None, source=source)
    client = _client(teacher)
    with django_assert_max_num_queries(10):
        body = client.get("/api/filter-list-sources/").json()
    assert [s["name"] for s in body["results"]] == ["ut1"]
    assert body["results"][0]["status"] == "failed"
    assert "cannot connect" in body["results"][0]["last_error"]
    assert _client(student).get("/api/filter-list-sources/").json()["results"] == []
    assert _client(student).get("/api/filter-list-sources/ut1/").status_code == 404


def _post(client: Client, url: str, data: dict[str, Any], method: str = "post") -> Any:
    return client.generic(method.upper(), url, json.dumps(data), content_type="application/json")


def test_api_creates_changes_and_updates_a_source(
    tech_staff, filter_dir, django_capture_on_commit_callbacks
) -> None:
    client = _client(tech_staff)
    created = _post(
        client,
        "/api/filter-list-sources/",
        {"name": "ut1", "kind": "ut1", "url": "https://lists.example/blacklists.tar.gz"},
    )
    assert created.status_code == 201
    assert created.json()["status"] == "never"

    changed = _post(client, "/api/filter-list-sources/ut1/", {"update_hours": 6}, "patch")
    assert changed.status_code == 200
    assert changed.json()["update_hours"] == 6

    with django_capture_on_commit_callbacks(execute=True):
        asked = _post(client, "/api/filter-list-sources/ut1/update/", {})
    assert asked.status_code == 202
    assert asked.json()["update_requested_at"]


def test_api_refuses_bad_input_with_field_messages(tech_staff, teacher, filter_dir) -> None:
    client = _client(tech_staff)
    response = _post(
        client, "/api/filter-list-sources/", {"name": "x", "kind": "ut1", "url": "gopher://x"}
    )
    assert response.status_code == 400
    assert "is not an http:// or https:// address" in response.json()["url"][0]
    response = _post(client, "/api/filter-list-sources/", {"name": "x", "kind": "zip"})
    assert response.status_code == 400
    assert "kind" in response.json()
    forbidden = _post(
        _client(teacher),
        "/api/filter-list-sources/",
        {"name": "x", "kind": "ut1", "url": "https://lists.example/x"},
    )
    assert forbidden.status_code == 403
    assert not ListSource.objects.exists()


def test_api_local_lists(tech_staff, teacher, filter_dir) -> None:
    client = _client(tech_staff)
    bad = _post(
        client, "/api/filter-local-lists/", {"category": "deny", "entries": "ok.example\nbad line"}
    )
    assert bad.status_code == 400
    assert bad.json()["entries"] == [
        "line 2: “bad line” is not a domain name (one domain, URL prefix or hosts line per line)"
    ]

    created = _post(
        client, "/api/filter-local-lists/", {"category": "deny", "entries": "a.example"}
    )
    assert created.status_code == 201
    changed = _post(client, "/api/filter-local-lists/deny/", {"entries": "b.example"}, "patch")
    assert changed.status_code == 200
    assert LocalList.objects.get(category="deny").entries == "b.example"
    assert _client(teacher).get("/api/filter-local-lists/deny/").json()["entries"] == "b.example"
    regex = _post(client, "/api/filter-local-lists/deny/", {"expressions": "a(b"}, "patch")
    assert regex.status_code == 400
    reason = "missing ), unterminated subpattern at position 2"
    assert regex.json()["expressions"] == [f"line 1: “a(b” is not a regular expression: {reason}"]
    assert LocalList.objects.get(category="deny").expressions == ""
    regex = _post(client, "/api/filter-local-lists/deny/", {"expressions": "ans?wer"}, "patch")
    assert regex.json()["expressions"] == "ans?wer"
    refused = _post(_client(teacher), "/api/filter-local-lists/deny/", {"entries": "c.ex"}, "patch")
    assert refused.status_code == 403


def test_the_bad_lines_of_the_last_update_are_shown(list_server, tech_staff, filter_dir) -> None:
    archive = ut1_archive({"games/domains": "ok.example\nnot a domain\n"})
    source = lists.create_source(
        actor=None, name="ut1", kind="ut1", url=list_server.serve("/bl.tar.gz", archive)
    )
    lists.update_source(actor=None, source=source)

    page = _client(tech_staff).get(reverse("filtering:list-source-detail", args=["ut1"]))

    text = page.content.decode()
    assert "Problems found in the last update" in text
    assert "games/domains: 1 bad line skipped" in text
    assert "Up to date" in text


def test_regular_expressions_must_compile_and_reach_the_engine(
    tech_staff, filter_dir, django_capture_on_commit_callbacks
) -> None:
    from openaup.engine.compiler import compile_snapshot
    from openaup.engine.decide import Engine
    from openaup.engine.decision import FilterRequest
    from openaup.engine.policy import parse_policy
    from openaup.engine.snapshot import Snapshot

    data = {
        "category": "district_deny",
        "entries": "bad.example\n",
        "expressions": "# the district's patterns\n(cheat|answers)[-_]?key\n(unclosed\n[z-a]\n",
    }
    client = _client(tech_staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("filtering:local-list-create"), data)
    assert response.status_code == 400
    text = response.content.decode()
    assert "line 3: “(unclosed” is not a regular expression: missing ), unterminated" in text
    assert "line 4: “[z-a]” is not a regular expression: bad character range z-a" in text
    assert not LocalList.objects.exists()
    assert not (filter_dir / "lists/local").exists()

    data["expressions"] = "# the district's patterns\n(cheat|answers)[-_]?key\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("filtering:local-list-create"), data)
    assert response.status_code == 302
    written = filter_dir / "lists/local/urls/district_deny/expressions"
    assert written.read_text().splitlines()[1:] == ["(cheat|answers)[-_]?key"]
    assert LocalList.objects.get().expressions.endswith("(cheat|answers)[-_]?key")
    policy = parse_policy(
        '[filter]\ndefault_profile = "p"\n[profiles.p]\n[[profiles.p.rules]]\n'
        'state = "block"\ncategories = ["district_deny"]\n'
    )
    out = filter_dir / "check.snap"
    compile_snapshot([filter_dir / "lists"], policy, out)
    with Snapshot.open(out) as snap:
        engine = Engine(snap)
        assert engine.decide(FilterRequest("http://homework.example/Answers-Key/1")).reason == (
            "expression"
        )
        assert engine.decide(FilterRequest("http://homework.example/math")).allowed
        assert engine.decide(FilterRequest("http://bad.example/")).reason == "category"
