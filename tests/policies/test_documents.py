"""Policy document services: who may write, drafts and translations, publishing (hashes,
freezing), retiring, review dates, languages, and finding a clause by its anchor."""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from openaup.audit.models import AuditEvent
from openaup.policies.choices import Audience, VersionStatus
from openaup.policies.models import Policy, PolicyText, PolicyVersion
from openaup.policies.services import documents
from tests.policies.factories import SigningCampaignFactory

BODY = """# Acceptable Use Policy for Technology

## Guiding Principles

Technology is provided for learning.

### **Network Usage, Filtering & Monitoring**

The district filters internet access as CIPA requires.
"""

SPANISH = """# Política de uso aceptable de la tecnología

## Principios

La tecnología es para aprender.

### **Uso de la red, filtrado y supervisión**

El distrito filtra el acceso a internet como exige CIPA.
"""


@pytest.fixture
def policy(district_admin: Any) -> Policy:
    return documents.create_policy(
        actor=district_admin, title="Acceptable Use Policy for Technology", slug="acceptable-use"
    )


@pytest.fixture
def draft(policy: Policy, tech_staff: Any) -> PolicyVersion:
    version = documents.create_version(
        actor=tech_staff, policy=policy, label="2026-27", audience=Audience.ALL
    )
    documents.save_text(actor=tech_staff, version=version, language="en", title="AUP", body=BODY)
    return version


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def test_admins_and_technology_staff_write_policies(policy: Policy, draft: PolicyVersion) -> None:
    assert Policy.objects.get().slug == "acceptable-use"
    assert draft.status == VersionStatus.DRAFT
    assert [e.object_id for e in events("policy.created")] == [str(policy.pk)]
    assert len(events("policy_version.created")) == 1
    saved = events("policy_text.saved")
    assert saved[0].changes["sha256"] == hashlib.sha256(BODY.rstrip().encode()).hexdigest()


NOT_WRITERS = ["principal_a", "teacher", "student", "guardian", "records_officer"]


@pytest.mark.parametrize("persona", NOT_WRITERS)
def test_others_may_not_write_policies(
    persona: str, request: pytest.FixtureRequest, draft: PolicyVersion
) -> None:
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        documents.create_policy(actor=user, title="Other", slug="other")
    with pytest.raises(PermissionDenied):
        documents.save_text(actor=user, version=draft, language="en", title="x", body="y")
    with pytest.raises(PermissionDenied):
        documents.publish_version(actor=user, version=draft)
    assert Policy.objects.count() == 1
    assert PolicyText.objects.get().body == BODY.rstrip()
    assert PolicyVersion.objects.get().status == VersionStatus.DRAFT


def test_publishing_freezes_and_records_hashes(draft: PolicyVersion, district_admin: Any) -> None:
    documents.save_text(actor=None, version=draft, language="es", title="PUA", body=SPANISH)
    published = documents.publish_version(actor=district_admin, version=draft)
    english = published.texts.get(language="en")
    spanish = published.texts.get(language="es")
    assert english.sha256 == hashlib.sha256(BODY.rstrip().encode("utf-8")).hexdigest()
    assert spanish.sha256 == hashlib.sha256(SPANISH.rstrip().encode("utf-8")).hexdigest()
    assert published.sha256 == english.sha256
    assert published.status == VersionStatus.PUBLISHED
    assert published.published_by == district_admin
    assert published.published_at is not None
    assert 'id="network-usage-filtering-monitoring"' in english.body_html
    assert 'id="uso-de-la-red-filtrado-y-supervision"' in spanish.body_html
    (event,) = events("policy_version.published")
    assert event.changes == {
        "sha256": english.sha256,
        "texts": {"en": english.sha256, "es": spanish.sha256},
    }


def test_a_published_version_cannot_be_edited(draft: PolicyVersion, tech_staff: Any) -> None:
    documents.publish_version(actor=tech_staff, version=draft)
    with pytest.raises(ValidationError, match="published and cannot be changed"):
        documents.save_text(
            actor=tech_staff, version=draft, language="en", title="AUP", body="Changed."
        )
    with pytest.raises(ValidationError, match="published and cannot be changed"):
        documents.save_text(
            actor=tech_staff, version=draft, language="vi", title="AUP", body="Mới."
        )
    with pytest.raises(ValidationError):
        documents.publish_version(actor=tech_staff, version=draft)
    assert PolicyText.objects.filter(version=draft).count() == 1
    assert PolicyText.objects.get().body == BODY.rstrip()


def test_the_models_refuse_changes_to_a_frozen_version(
    draft: PolicyVersion, tech_staff: Any
) -> None:
    version = documents.publish_version(actor=tech_staff, version=draft)
    text = version.texts.get()
    text.body = "Quietly changed."
    with pytest.raises(PermissionError, match="frozen"):
        text.save()
    with pytest.raises(PermissionError, match="frozen"):
        text.delete()
    with pytest.raises(PermissionError, match="frozen"):
        PolicyText.objects.create(version=version, language="fr", title="x", body="y")
    version.summary = "Rewritten history."
    with pytest.raises(PermissionError, match="frozen"):
        version.save()
    version.refresh_from_db()
    version.status = VersionStatus.DRAFT
    with pytest.raises(PermissionError, match="frozen"):
        version.save()
    assert PolicyText.objects.get().body == BODY.rstrip()
    assert PolicyVersion.objects.get().status == VersionStatus.PUBLISHED


def test_publishing_needs_the_primary_language_text(policy: Policy, tech_staff: Any) -> None:
    version = documents.create_version(
        actor=tech_staff, policy=policy, label="2026-27", audience=Audience.STAFF
    )
    with pytest.raises(ValidationError, match=r"no text in its primary language \(en\)"):
        documents.publish_version(actor=tech_staff, version=version)
    documents.save_text(actor=tech_staff, version=version, language="es", title="x", body="y")
    with pytest.raises(ValidationError, match="primary language"):
        documents.publish_version(actor=tech_staff, version=version)
    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT
    assert version.sha256 == ""
    assert events("policy_version.published") == []


@pytest.mark.parametrize(
    ("language", "stored"),
    [("en", "en"), ("ES", "es"), ("es_MX", "es-mx"), ("zh-Hans", "zh-hans"), ("vi", "vi")],
)
def test_languages(draft: PolicyVersion, language: str, stored: str) -> None:
    text = documents.save_text(actor=None, version=draft, language=language, title="t", body="b")
    assert text.language == stored


@pytest.mark.parametrize("language", ["", "english", "e", "en us", "12", "es--mx", "<b>"])
def test_an_unknown_language_is_refused(draft: PolicyVersion, language: str) -> None:
    with pytest.raises(ValidationError) as caught:
        documents.save_text(actor=None, version=draft, language=language, title="t", body="b")
    assert "is not a language code" in caught.value.message_dict["language"][0]
    assert PolicyText.objects.filter(version=draft).count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "", "body": "b"}, "Give the text a title."),
        ({"title": "t", "body": "  \n "}, "The text is empty."),
        ({"title": "t", "body": "x" * 200_001}, "longer than 200,000 characters"),
    ],
)
def test_bad_text_is_refused(draft: PolicyVersion, fields: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        documents.save_text(actor=None, version=draft, language="en", **fields)
    assert PolicyText.objects.get().body == BODY.rstrip()


def test_a_script_in_a_text_is_stored_inert(draft: PolicyVersion) -> None:
    body = 'Hi <script>alert("x")</script> <img src=x onerror=alert(1)> [a](javascript:alert(1))'
    text = documents.save_text(actor=None, version=draft, language="en", title="t", body=body)
    assert text.body == body
    assert "<script" not in text.body_html
    assert "<img" not in text.body_html
    assert "href=" not in text.body_html
    assert "&lt;script&gt;" in text.body_html


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"label": "", "audience": Audience.ALL}, "label"),
        ({"label": "2026-27", "audience": "everyone"}, "audience"),
        ({"label": "2026-27", "audience": Audience.STUDENTS}, "grade_low"),
        ({"label": "2026-27", "audience": Audience.STAFF, "grade_low": "03"}, "grade_low"),
        ({"label": "2026-27", "audience": Audience.STUDENTS, "grade_low": "14"}, "grade_low"),
        (
            {
                "label": "2026-27",
                "audience": Audience.STUDENTS,
                "grade_low": "05",
                "grade_high": "03",
            },
            "grade_high",
        ),
        ({"label": "2026-27", "audience": Audience.ALL}, "label"),  # a duplicate of ``draft``
    ],
)
def test_bad_versions_are_refused(draft: PolicyVersion, kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        documents.create_version(actor=None, policy=draft.policy, **kwargs)
    assert field in caught.value.message_dict
    assert PolicyVersion.objects.count() == 1


def test_a_bad_policy_is_refused(policy: Policy) -> None:
    with pytest.raises(ValidationError, match="already exists"):
        documents.create_policy(actor=None, title="Again", slug="acceptable-use")
    with pytest.raises(ValidationError, match="cannot be used in an address"):
        documents.create_policy(actor=None, title="Bad", slug="Not a slug!")
    with pytest.raises(ValidationError, match="title"):
        documents.create_policy(actor=None, title=" ", slug="blank")
    assert Policy.objects.count() == 1


def test_a_new_version_copies_an_earlier_one(draft: PolicyVersion, tech_staff: Any) -> None:
    documents.save_text(actor=None, version=draft, language="es", title="PUA", body=SPANISH)
    documents.publish_version(actor=None, version=draft)
    band = documents.create_version(
        actor=tech_staff,
        policy=draft.policy,
        label="2027-28",
        audience=Audience.STUDENTS,
        grade_low="PK",
        grade_high="02",
        from_version=draft,
    )
    assert band.previous == draft
    assert band.status == VersionStatus.DRAFT
    assert {t.language: t.body for t in band.texts.all()} == {
        "en": BODY.rstrip(),
        "es": SPANISH.rstrip(),
    }
    documents.save_text(actor=None, version=band, language="en", title="AUP", body="New.")
    assert draft.texts.get(language="en").body == BODY.rstrip()


def test_retiring(draft: PolicyVersion, district_admin: Any) -> None:
    with pytest.raises(ValidationError, match="Only a published version can be retired"):
        documents.retire_version(actor=district_admin, version=draft)
    documents.publish_version(actor=district_admin, version=draft)
    campaign = SigningCampaignFactory(name="2026-27 AUP", versions=[draft])
    retired = documents.retire_version(actor=district_admin, version=draft)
    assert retired.status == VersionStatus.RETIRED
    assert retired.retired_at is not None
    assert not retired.is_signable
    (event,) = events("policy_version.retired")
    assert event.changes["open_campaigns"] == [campaign.name]
    assert "Used by open campaigns: 2026-27 AUP." in event.reason


def test_review_date(policy: Policy, tech_staff: Any, teacher: Any) -> None:
    when = datetime.date(2027, 6, 1)
    documents.set_review_date(actor=tech_staff, policy=policy, review_due_on=when)
    policy.refresh_from_db()
    assert policy.review_due_on == when
    assert events("policy.review_date_set")[0].changes == {"review_due_on": [None, "2027-06-01"]}
    with pytest.raises(PermissionDenied):
        documents.set_review_date(actor=teacher, policy=policy, review_due_on=when)


def test_text_for_falls_back(draft: PolicyVersion) -> None:
    documents.save_text(actor=None, version=draft, language="es", title="PUA", body=SPANISH)
    assert documents.text_for(draft, "es").language == "es"
    assert documents.text_for(draft, "es-MX").language == "es"
    assert documents.text_for(draft, "vi").language == "en"
    assert documents.text_for(draft, "").language == "en"


def test_find_section_and_clause_url(draft: PolicyVersion) -> None:
    documents.save_text(actor=None, version=draft, language="es", title="PUA", body=SPANISH)
    assert documents.find_section("acceptable-use", "guiding-principles") is None  # a draft
    documents.publish_version(actor=None, version=draft)
    found = documents.find_section("acceptable-use", "network-usage-filtering-monitoring")
    assert found is not None
    version, text, section = found
    assert (version, text.language) == (draft, "en")
    assert section.title == "Network Usage, Filtering & Monitoring"
    assert documents.clause_url(version, section.anchor) == (
        f"/policies/acceptable-use/{draft.pk}/#network-usage-filtering-monitoring"
    )
    spanish = documents.find_section(
        "acceptable-use", "network-usage-filtering-monitoring", language="es"
    )
    assert spanish is not None
    assert spanish[2].title == "Uso de la red, filtrado y supervisión"
    assert documents.clause_url(version, spanish[2].anchor, language="es") == (
        f"/policies/acceptable-use/{draft.pk}/?lang=es#uso-de-la-red-filtrado-y-supervision"
    )
    assert documents.find_section("acceptable-use", "no-such-clause") is None
    assert documents.find_section("no-such-policy", "guiding-principles") is None
