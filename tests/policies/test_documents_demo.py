"""The demo policy: its versions, languages, anchors and the diff from last year."""

from __future__ import annotations

import pytest

from openaup.policies.choices import Audience, VersionStatus
from openaup.policies.demo import CURRENT, LANGUAGES, demo_text, load_demo_policies
from openaup.policies.diff import diff_texts
from openaup.policies.models import PolicyVersion
from openaup.policies.rendering import render_markdown
from openaup.policies.services import documents


@pytest.mark.parametrize("stem", [stem for stem, *_ in CURRENT])
def test_every_demo_text_has_its_translation_with_the_same_sections(stem: str) -> None:
    english = render_markdown(demo_text(stem, "en")[1]).sections
    spanish = render_markdown(demo_text(stem, "es")[1]).sections
    assert len(english) == len(spanish) >= 9
    assert [s.level for s in english] == [s.level for s in spanish]
    for language in LANGUAGES:
        title, body = demo_text(stem, language)
        assert title
        assert "Maple Valley" in body
        assert "LPS" not in body
        assert "Leicester" not in body


@pytest.mark.django_db
def test_load_demo_policies() -> None:
    published = load_demo_policies()
    assert len(published) == 5
    assert load_demo_policies() == []
    assert PolicyVersion.objects.count() == 6
    current = PolicyVersion.objects.filter(label="2026-27")
    assert {v.status for v in current} == {VersionStatus.PUBLISHED}
    assert {(v.audience, v.grade_low, v.grade_high) for v in current} == {
        (Audience.ALL, "", ""),
        (Audience.STAFF, "", ""),
        (Audience.STUDENTS, "PK", "02"),
        (Audience.STUDENTS, "03", "05"),
        (Audience.STUDENTS, "06", "08"),
    }
    for version in current:
        assert sorted(version.texts.values_list("language", flat=True)) == ["en", "es"]
        assert version.sha256 == version.texts.get(language="en").sha256
    old = PolicyVersion.objects.get(label="2025-26")
    assert old.status == VersionStatus.RETIRED
    new = current.get(audience=Audience.ALL)
    assert new.previous == old
    for language in LANGUAGES:
        changes = diff_texts(
            documents.text_for(old, language).body, documents.text_for(new, language).body
        )
        assert 3 <= len(changes.changed) <= 5
    found = documents.find_section("acceptable-use", "network-usage-filtering-monitoring")
    assert found is not None
    assert found[0] == new
    spanish = documents.find_section(
        "acceptable-use", "network-usage-filtering-monitoring", language="es"
    )
    assert spanish is not None
    assert spanish[2].title == "Uso de la red, filtrado y supervisión"
