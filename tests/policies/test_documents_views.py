"""Policy document pages: what each role sees and may do, the anchors, the language switcher,
the publish confirmation and the diff."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openaup.policies.choices import Audience, VersionStatus
from openaup.policies.models import Policy, PolicyText, PolicyVersion
from openaup.policies.services import documents
from tests.policies.test_documents import BODY, SPANISH

OLD_BODY = BODY.replace("Technology is provided for learning.", "Technology is for school.")


@pytest.fixture
def policy(world: Any) -> Policy:
    return documents.create_policy(actor=None, title="Acceptable Use Policy", slug="acceptable-use")


def make_version(policy: Policy, label: str, body: str, *, publish: bool = True, **kw: Any) -> Any:
    version = documents.create_version(
        actor=None, policy=policy, label=label, audience=kw.pop("audience", Audience.ALL), **kw
    )
    documents.save_text(actor=None, version=version, language="en", title="AUP", body=body)
    documents.save_text(actor=None, version=version, language="es", title="PUA", body=SPANISH)
    if publish:
        documents.publish_version(actor=None, version=version)
    version.refresh_from_db()
    return version


@pytest.fixture
def versions(policy: Policy) -> dict[str, PolicyVersion]:
    old = make_version(policy, "2025-26", OLD_BODY)
    documents.retire_version(actor=None, version=old)
    current = make_version(policy, "2026-27", BODY)
    draft = make_version(policy, "2027-28", BODY + "\nNew rule.\n", publish=False)
    return {"old": old, "current": current, "draft": draft}


def client_for(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def version_url(version: PolicyVersion, **query: str) -> str:
    url = reverse("policies:version-detail", args=[version.policy.slug, version.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_anyone_reads_a_published_version_with_anchors(versions: dict[str, Any]) -> None:
    current = versions["current"]
    response = client_for().get(version_url(current))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<h3 id="network-usage-filtering-monitoring">' in html
    assert 'href="#network-usage-filtering-monitoring"' in html
    assert current.sha256 in html
    assert 'lang="en"' in html
    assert 'hreflang="es"' in html
    assert "Published" in html


def test_the_language_switcher(versions: dict[str, Any]) -> None:
    response = client_for().get(version_url(versions["current"], lang="es"))
    html = response.content.decode()
    assert '<article class="tablet:grid-col-8 usa-prose openaup-policy-text" lang="es"' in html
    assert 'id="uso-de-la-red-filtrado-y-supervision"' in html
    assert versions["current"].texts.get(language="es").sha256 in html
    assert 'aria-current="page">español' in html


def test_a_retired_version_says_so(versions: dict[str, Any]) -> None:
    html = client_for().get(version_url(versions["old"])).content.decode()
    assert "Retired version." in html
    assert "can no longer be signed" in html


@pytest.mark.parametrize("persona", [None, "teacher", "guardian", "principal_a"])
def test_drafts_are_hidden_from_everyone_but_writers(
    persona: str | None, request: pytest.FixtureRequest, versions: dict[str, Any]
) -> None:
    user = request.getfixturevalue(persona) if persona else None
    client = client_for(user)
    assert client.get(version_url(versions["draft"])).status_code == 404
    listing = client.get(reverse("policies:policy-list")).content.decode()
    assert "2026-27" in listing
    assert "2027-28" not in listing
    assert "New policy" not in listing


def test_writers_see_drafts(tech_staff: Any, versions: dict[str, Any]) -> None:
    client = client_for(tech_staff)
    listing = client.get(reverse("policies:policy-list")).content.decode()
    assert "2027-28" in listing
    assert "New policy" in listing
    html = client.get(version_url(versions["draft"])).content.decode()
    assert "Draft." in html
    assert "Publish…" in html


def test_newest_published_version_for_an_audience(versions: dict[str, Any]) -> None:
    url = reverse("policies:policy-detail", args=["acceptable-use"])
    response = client_for().get(url + "?audience=all&lang=es")
    assert response.status_code == 302
    assert response["Location"] == version_url(versions["current"], lang="es")
    assert client_for().get(url + "?audience=staff").status_code == 404
    page = client_for().get(url).content.decode()
    assert "All versions" in page


def test_writing_a_policy_through_the_pages(district_admin: Any) -> None:
    client = client_for(district_admin)
    response = client.post(
        reverse("policies:policy-create"), {"title": "Device Loan Policy", "slug": "device-loans"}
    )
    assert response.status_code == 302
    response = client.post(
        reverse("policies:version-create", args=["device-loans"]),
        {"label": "2026-27", "audience": "students", "grade_low": "PK", "grade_high": "02"},
    )
    version = PolicyVersion.objects.get(policy__slug="device-loans")
    assert response["Location"] == version_url(version)
    assert version.audience_label  # the grade band is kept
    assert (version.grade_low, version.grade_high) == ("PK", "02")
    add = reverse("policies:text-add", args=["device-loans", version.pk])
    preview = client.post(
        add, {"language": "en", "title": "Loans", "body": "## Care\n\nBe gentle.", "preview": "1"}
    )
    assert preview.status_code == 200
    assert '<h2 id="care">Care</h2>' in preview.content.decode()
    assert not PolicyText.objects.filter(version=version).exists()
    saved = client.post(add, {"language": "en", "title": "Loans", "body": "## Care\n\nBe gentle."})
    assert saved.status_code == 302
    edit = reverse("policies:text-edit", args=["device-loans", version.pk, "en"])
    client.post(edit, {"title": "Loans", "body": "## Care\n\nBe very gentle."})
    assert PolicyText.objects.get(version=version).body == "## Care\n\nBe very gentle."
    publish = reverse("policies:version-publish", args=["device-loans", version.pk])
    confirm = client.get(publish).content.decode()
    digest = documents.text_sha256("## Care\n\nBe very gentle.")
    assert digest in confirm
    assert client.post(publish).status_code == 302
    version.refresh_from_db()
    assert version.status == VersionStatus.PUBLISHED
    assert version.sha256 == digest
    after = client.get(edit)
    assert after.status_code == 302  # frozen: back to the version page
    refused = client.post(edit, {"title": "Loans", "body": "Changed."})
    assert refused.status_code == 400
    assert "cannot be changed" in refused.content.decode()
    assert PolicyText.objects.get(version=version).body == "## Care\n\nBe very gentle."


def test_form_errors_are_shown_and_change_nothing(
    tech_staff: Any, versions: dict[str, Any]
) -> None:
    client = client_for(tech_staff)
    draft = versions["draft"]
    add = reverse("policies:text-add", args=["acceptable-use", draft.pk])
    response = client.post(add, {"language": "klingon!", "title": "x", "body": "y"})
    assert response.status_code == 400
    assert "is not a language code" in response.content.decode()
    response = client.post(
        reverse("policies:version-create", args=["acceptable-use"]),
        {"label": "2026-27", "audience": "all"},
    )
    assert response.status_code == 400
    assert "already has a version 2026-27" in response.content.decode()
    response = client.post(reverse("policies:policy-create"), {"title": "x", "slug": "new"})
    assert response.status_code == 400
    assert "reserved" in response.content.decode()
    assert PolicyVersion.objects.count() == 3


def test_publishing_without_the_primary_text_is_refused(tech_staff: Any, policy: Policy) -> None:
    version = documents.create_version(actor=None, policy=policy, label="x", audience="staff")
    documents.save_text(actor=None, version=version, language="es", title="t", body="b")
    publish = reverse("policies:version-publish", args=["acceptable-use", version.pk])
    response = client_for(tech_staff).post(publish)
    assert response.status_code == 400
    assert "no text in its primary language" in response.content.decode()
    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT


@pytest.mark.parametrize("persona", ["teacher", "principal_a", "guardian", "student"])
def test_others_may_not_write(
    persona: str, request: pytest.FixtureRequest, versions: dict[str, Any]
) -> None:
    client = client_for(request.getfixturevalue(persona))
    current, draft = versions["current"], versions["draft"]
    assert client.get(reverse("policies:policy-create")).status_code == 403
    assert (
        client.get(reverse("policies:version-create", args=["acceptable-use"])).status_code == 403
    )
    # Visible but not changeable: 403; a draft they cannot see: 404.
    assert (
        client.post(
            reverse("policies:version-retire", args=["acceptable-use", current.pk])
        ).status_code
        == 403
    )
    assert (
        client.get(
            reverse("policies:version-publish", args=["acceptable-use", current.pk])
        ).status_code
        == 403
    )
    assert (
        client.get(
            reverse("policies:version-publish", args=["acceptable-use", draft.pk])
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("policies:text-add", args=["acceptable-use", draft.pk]),
            {"language": "en", "title": "x", "body": "y"},
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("policies:policy-review-date", args=["acceptable-use"]),
            {"review_due_on": "2027-06-01"},
        ).status_code
        == 403
    )
    current.refresh_from_db()
    assert current.status == VersionStatus.PUBLISHED


def test_anonymous_visitors_are_sent_to_sign_in_for_writing(versions: dict[str, Any]) -> None:
    response = client_for().get(reverse("policies:policy-create"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_retiring_and_review_date(district_admin: Any, versions: dict[str, Any]) -> None:
    client = client_for(district_admin)
    current = versions["current"]
    client.post(reverse("policies:version-retire", args=["acceptable-use", current.pk]))
    current.refresh_from_db()
    assert current.status == VersionStatus.RETIRED
    client.post(
        reverse("policies:policy-review-date", args=["acceptable-use"]),
        {"review_due_on": "2027-06-01"},
    )
    page = client.get(version_url(current)).content.decode()
    assert "Retired version." in page
    assert Policy.objects.get().review_due_on == datetime.date(2027, 6, 1)


def test_the_diff_page(versions: dict[str, Any]) -> None:
    old, current = versions["old"], versions["current"]
    url = reverse("policies:policy-diff", args=["acceptable-use"])
    response = client_for().get(f"{url}?from={old.pk}&to={current.pk}&lang=en")
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 section changed" in html
    assert (
        '<span class="usa-sr-only">Changed line: </span>Technology is '
        '<ins><span class="openaup-diff__label">[added: </span>provided '
        '<span class="openaup-diff__label">]</span></ins>for '
        '<del><span class="openaup-diff__label">[removed: </span>school.'
    ) in html
    assert "Guiding Principles" in html
    assert "Network Usage, Filtering &amp; Monitoring</a>: unchanged" in html


def test_the_diff_of_a_draft_is_for_writers_only(tech_staff: Any, versions: dict[str, Any]) -> None:
    current, draft = versions["current"], versions["draft"]
    url = reverse("policies:policy-diff", args=["acceptable-use"])
    query = f"{url}?from={current.pk}&to={draft.pk}"
    refused = client_for().get(query)
    assert refused.status_code == 400
    assert "not a version of this policy" in refused.content.decode()
    allowed = client_for(tech_staff).get(query).content.decode()
    assert "[added: </span>New rule." in allowed


def test_a_hostile_text_is_inert_on_the_page(tech_staff: Any, policy: Policy) -> None:
    body = (
        "## Hi\n\n<script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1))"
    )
    version = make_version(policy, "evil", body)
    html = client_for().get(version_url(version)).content.decode()
    assert "<script>alert" not in html
    assert "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")
    assert 'href="javascript' not in html
