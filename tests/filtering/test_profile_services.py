"""Profile services on their own: hosts as the engine normalizes them, the AUP clause chosen
from the published policy's sections and linked to it, and who may change what."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from openaup.audit.models import AuditEvent
from openaup.filtering.services import profiles
from tests.filtering.factories import CategoryFactory, FilterProfileFactory

pytestmark = pytest.mark.django_db


def test_hosts_and_url_prefixes_are_normalized_like_the_engine() -> None:
    assert profiles.clean_hosts(["Bücher.de", "*.Ads.Example.", "ads.example", ""]) == [
        "xn--bcher-kva.de",
        "ads.example",
    ]
    assert profiles.clean_urls(["https://www.Video.example/Watch?v=1"]) == [
        "video.example/watch?v=1"
    ]
    with pytest.raises(ValidationError) as error:
        profiles.clean_urls(["video.example", "/no/host"])
    assert "'video.example'" in str(error.value)
    assert "'/no/host'" in str(error.value)


def test_the_clause_is_a_section_of_the_published_aup(tech_staff: Any) -> None:
    from openaup.policies.demo import load_demo_policies

    load_demo_policies()
    anchors = {c.anchor: c.title for c in profiles.aup_clauses()}
    assert anchors["network-usage-filtering-monitoring"] == "Network Usage, Filtering & Monitoring"
    title, url = profiles.clause_link("network-usage-filtering-monitoring") or ("", "")
    assert title == "Network Usage, Filtering & Monitoring"
    assert url.startswith("/policies/acceptable-use/")
    assert url.endswith("#network-usage-filtering-monitoring")
    category = CategoryFactory(name="games")
    with pytest.raises(ValidationError) as error:
        profiles.update_category(
            actor=tech_staff, category=category, tag="games", clause="no-such-section"
        )
    assert "no-such-section" in str(error.value.message_dict["clause"])
    profiles.update_category(
        actor=tech_staff,
        category=category,
        tag="Gaming",
        clause="network-usage-filtering-monitoring",
    )
    category.refresh_from_db()
    assert category.tag == "gaming"
    event = AuditEvent.objects.get(action="filter.category.changed")
    assert event.changes["tag"] == ["", "gaming"]


def test_a_rule_records_what_changed(tech_staff: Any) -> None:
    profile = FilterProfileFactory(name="middle")
    CategoryFactory(name="games")
    rule = profiles.save_rule(
        actor=tech_staff, profile=profile, name="games", state="block", categories=["games"]
    )
    profiles.save_rule(
        actor=tech_staff,
        profile=profile,
        rule=rule,
        name="games",
        state="locked_block",
        categories=["games"],
    )
    event = AuditEvent.objects.filter(action="filter.rule.changed").get()
    assert event.changes == {"state": ["block", "locked_block"]}
    with pytest.raises(ValidationError) as error:
        profiles.save_rule(actor=tech_staff, profile=profile, name="games", state="allow")
    assert "already has a rule" in str(error.value.message_dict["name"])


def test_profile_names_are_the_engines(tech_staff: Any) -> None:
    with pytest.raises(ValidationError) as error:
        profiles.save_profile(actor=tech_staff, name="middle@school")
    assert "middle@school" in str(error.value.message_dict["name"])
    profiles.save_profile(actor=tech_staff, name="after-school", minor=False, fail_open=True)
    with pytest.raises(ValidationError):
        profiles.save_profile(actor=tech_staff, name="after-school")


def test_a_profile_is_deleted_with_its_rules_unless_something_depends_on_it(
    tech_staff: Any, teacher: Any
) -> None:
    from django.core.exceptions import PermissionDenied

    from openaup.filtering.models import FilterProfile, ProfileAssignment, ProfileRule
    from tests.filtering.factories import ProfileRuleFactory

    spare = FilterProfileFactory(name="after-school")
    ProfileRuleFactory(profile=spare, name="club")
    guest = FilterProfileFactory(name="guest")
    restricted = FilterProfileFactory(name="not-signed", restricted=True)
    banded = FilterProfileFactory(name="middle")
    ProfileAssignment.objects.create(kind="grades", profile=banded, grade_low="06", grade_high="08")
    with pytest.raises(PermissionDenied):
        profiles.delete_profile(actor=teacher, profile=spare)
    for kept, why in [
        (guest, "no user name or network maps"),
        (restricted, "restricted profile"),
        (banded, "remove those assignments first"),
    ]:
        with pytest.raises(ValidationError, match=why):
            profiles.delete_profile(actor=tech_staff, profile=kept)
    assert FilterProfile.objects.count() == 4
    assert not AuditEvent.objects.filter(action="filter.profile.deleted").exists()

    profiles.delete_profile(actor=tech_staff, profile=spare)
    assert not FilterProfile.objects.filter(name="after-school").exists()
    assert not ProfileRule.objects.filter(name="club").exists()
    event = AuditEvent.objects.get(action="filter.profile.deleted")
    assert event.object_repr == "after-school"
    assert event.changes["rules"] == ["club"]
