"""Adult students (18 or older) hold their own rights: their guardians see their records only
while the student consents, and only the student gives or withdraws that consent."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from openaup.access.models import GuardianAccessGrant
from openaup.access.services import give_guardian_access, withdraw_guardian_access
from openaup.audit.models import AuditEvent
from openaup.directory.models import Enrollment, GuardianLink, Person, Section
from openaup.directory.querysets import adult_birth_cutoff
from tests.accounts.factories import UserFactory
from tests.personas import World


def years_ago(years: int, *, plus_days: int = 0) -> datetime.date:
    today = timezone.localdate()
    try:
        day = today.replace(year=today.year - years)
    except ValueError:
        day = today.replace(year=today.year - years, day=28)
    return day - datetime.timedelta(days=plus_days)


def make_age(person: Person, born: datetime.date) -> Person:
    person.birth_date = born
    person.save(update_fields=["birth_date"])
    return person


@pytest.fixture
def dee(world: World) -> Any:
    """The guardian's high-school child, with a sign-in of her own."""
    return UserFactory(username="dee", person=world.student_b1)


def link_of(world: World) -> GuardianLink:
    return GuardianLink.objects.get(student=world.student_b1, guardian=world.guardian_person)


def guardian_sees_dee(guardian: Any, world: World) -> bool:
    return Person.objects.visible_to(guardian).filter(pk=world.student_b1.pk).exists()


def test_18_years_and_a_day_is_adult_and_a_day_short_is_not(world: World) -> None:
    adult = make_age(world.student_b1, years_ago(18, plus_days=1))
    minor = make_age(world.student_a1, years_ago(18, plus_days=-1))
    assert adult.is_adult
    assert not minor.is_adult
    cutoff = adult_birth_cutoff()
    assert adult.birth_date <= cutoff < minor.birth_date


def test_turning_18_today_is_adult(world: World) -> None:
    assert make_age(world.student_b1, years_ago(18)).is_adult
    assert Person.objects.filter(birth_date__lte=adult_birth_cutoff()).count() == 1


def test_a_guardian_loses_an_adult_students_records(world: World, guardian: Any) -> None:
    make_age(world.student_b1, years_ago(18, plus_days=1))
    assert not guardian_sees_dee(guardian, world)
    # ... and with them the classes and the other contacts; the link itself stays as a notice.
    Enrollment.objects.create(
        section=Section.objects.create(school=world.school_b, title="English 12", sourced_id="e12"),
        person=world.student_b1,
        role="student",
    )
    assert not Section.objects.visible_to(guardian).filter(school=world.school_b).exists()
    assert list(GuardianLink.objects.visible_to(guardian).filter(student=world.student_b1)) == [
        link_of(world)
    ]
    # The younger child is still theirs to see.
    assert Person.objects.visible_to(guardian).filter(pk=world.student_a1.pk).exists()


def test_a_day_short_of_18_the_guardian_still_sees(world: World, guardian: Any) -> None:
    make_age(world.student_b1, years_ago(18, plus_days=-1))
    assert guardian_sees_dee(guardian, world)


def test_no_birth_date_counts_as_a_minor(world: World, guardian: Any) -> None:
    make_age(world.student_b1, None)  # type: ignore[arg-type]
    assert guardian_sees_dee(guardian, world)


def test_the_adult_student_gives_and_withdraws_consent(
    world: World, guardian: Any, dee: Any
) -> None:
    make_age(world.student_b1, years_ago(19))
    consent = give_guardian_access(actor=dee, link=link_of(world))
    assert guardian_sees_dee(guardian, world)
    assert consent.granted_by == dee
    given = AuditEvent.objects.get(action="guardian_access.given")
    assert (given.actor, given.person_id) == (dee, world.student_b1.pk)
    # Giving twice changes nothing.
    assert give_guardian_access(actor=dee, link=link_of(world)) == consent
    withdraw_guardian_access(actor=dee, link=link_of(world))
    assert not guardian_sees_dee(guardian, world)
    consent.refresh_from_db()
    assert consent.withdrawn_by == dee
    assert consent.withdrawn_at is not None
    assert AuditEvent.objects.filter(action="guardian_access.withdrawn").count() == 1


def test_consent_does_not_give_back_rights_the_district_took(
    world: World, guardian: Any, dee: Any
) -> None:
    make_age(world.student_b1, years_ago(19))
    give_guardian_access(actor=dee, link=link_of(world))
    GuardianLink.objects.filter(pk=link_of(world).pk).update(has_educational_rights=False)
    assert not guardian_sees_dee(guardian, world)


@pytest.mark.parametrize("persona", ["guardian", "tech_staff", "district_admin", "principal_b"])
def test_only_the_student_decides(
    request: pytest.FixtureRequest, world: World, persona: str
) -> None:
    make_age(world.student_b1, years_ago(19))
    actor = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        give_guardian_access(actor=actor, link=link_of(world))
    assert not GuardianAccessGrant.objects.exists()


def test_a_minor_has_nothing_to_decide(world: World, dee: Any) -> None:
    make_age(world.student_b1, years_ago(15))
    with pytest.raises(ValidationError, match="under 18"):
        give_guardian_access(actor=dee, link=link_of(world))
    assert not GuardianAccessGrant.objects.exists()


def test_the_students_page(client: Client, world: World, guardian: Any, dee: Any) -> None:
    make_age(world.student_b1, years_ago(18, plus_days=1))
    client.force_login(dee)
    page = client.get(reverse("access:my-guardians"))
    assert page.status_code == 200
    assert "you decide whether your parents or guardians see" in page.content.decode()
    assert page.context["links"] == [(link_of(world), False)]
    link = link_of(world)
    response = client.post(reverse("access:guardian-access-give", args=[link.pk]))
    assert response.status_code == 302
    assert client.get(reverse("access:my-guardians")).context["links"] == [(link, True)]
    assert guardian_sees_dee(guardian, world)
    client.post(reverse("access:guardian-access-withdraw", args=[link.pk]))
    assert not guardian_sees_dee(guardian, world)


def test_another_students_link_is_not_found(client: Client, world: World, dee: Any) -> None:
    make_age(world.student_b1, years_ago(19))
    other = GuardianLink.objects.get(student=world.student_a1, guardian=world.guardian_person)
    client.force_login(dee)
    response = client.post(reverse("access:guardian-access-give", args=[other.pk]))
    assert response.status_code == 404
    assert not GuardianAccessGrant.objects.exists()


def test_the_page_is_for_students(client: Client, guardian: Any) -> None:
    client.force_login(guardian)
    assert client.get(reverse("access:my-guardians")).status_code == 403
