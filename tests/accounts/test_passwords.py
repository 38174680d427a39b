"""Password rules after NIST SP 800-63B, and the password-change page."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from openaup.audit.models import AuditEvent
from tests.accounts.factories import PASSWORD, UserFactory
from tests.directory.factories import SchoolFactory
from tests.html_tables import text

pytestmark = pytest.mark.django_db


def refusal(password: str, user: Any = None) -> list[str]:
    """The codes of the rules ``password`` breaks (empty: accepted)."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return [error.code or "" for error in exc.error_list]
    return []


@pytest.fixture
def require_2fa(settings: Any) -> None:
    settings.OPENAUP_REQUIRE_2FA = True


def test_students_and_guardians_need_eight_characters(student: Any, guardian: Any) -> None:
    for user in (student, guardian):
        assert refusal("qz7 wkp", user) == ["password_too_short"]
        assert refusal("qz7 wkpx", user) == []


@pytest.mark.usefixtures("require_2fa")
def test_staff_need_twelve_characters_with_a_second_factor(teacher: Any, tech_staff: Any) -> None:
    for user in (teacher, tech_staff):
        assert refusal("qz7 wkpx rt9", user) == []
        assert refusal("qz7 wkpx rt", user) == ["password_too_short"]


def test_staff_need_fifteen_characters_without_a_second_factor(settings: Any, teacher: Any) -> None:
    settings.OPENAUP_REQUIRE_2FA = False
    assert refusal("qz7 wkpx rt9 mn", teacher) == []
    assert refusal("qz7 wkpx rt9 m", teacher) == ["password_too_short"]


def test_long_passwords_of_any_characters_are_welcome(student: Any) -> None:
    assert refusal("x" * 7 + " ünïcødé 🙂 spaces ok " + "y" * 100, student) == []
    assert refusal("z" * 128, student) == []
    assert refusal("z" * 129, student) == ["password_too_long"]


def test_no_composition_rules(student: Any) -> None:
    assert refusal("purple tractor lullaby", student) == []
    assert refusal("81736402957", student) == []


def test_common_and_breached_passwords_are_refused(student: Any) -> None:
    for common in ("password123", "qwertyuiop", "iloveyou1", "1234567890"):
        assert "password_too_common" in refusal(common, student), common


def test_the_districts_own_words_are_refused(student: Any, world: Any) -> None:
    SchoolFactory(name="Riverbend Elementary School")
    for guessable in ("MapleValley2026!", "maple-valley-rocks", "riverbend!!42", "OpenAUP#2026"):
        assert "password_context_word" in refusal(guessable, student), guessable
    # "School" and "Elementary" alone are too general to refuse.
    assert refusal("elementary my dear", student) == []


def test_the_persons_own_names_are_refused(world: Any) -> None:
    user = UserFactory(username="jrodriguez", first_name="Juanita", last_name="Rodriguez")
    assert "password_context_word" in refusal("rodriguez-1987!", user)
    assert "password_context_word" in refusal("JUANITA family 7", user)


def test_change_page_shows_the_rules_that_apply(
    client: Client, teacher: Any, student: Any, require_2fa: None
) -> None:
    from tests.accounts.two_factor import sign_in_verified

    sign_in_verified(client, teacher)
    page = text(client.get(reverse("password-change")).content)
    assert "At least 12 characters, at most 128." in page
    assert "It does not expire" in page
    client.force_login(student)
    assert "At least 8 characters" in text(client.get(reverse("password-change")).content)


def test_changing_the_password(client: Client, student: Any) -> None:
    other_device = Client()
    other_device.force_login(student)
    client.force_login(student)
    new = "violet harbor umbrella"
    response = client.post(
        reverse("password-change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        follow=True,
    )
    assert "Your password has been changed." in text(response.content)
    student.refresh_from_db()
    assert student.check_password(new)
    assert client.get(reverse("home")).status_code == 200
    assert other_device.get(reverse("home")).status_code == 302
    event = AuditEvent.objects.get(action="account.password_changed")
    assert event.actor == student
    assert new not in str(event.changes)


def test_a_weak_new_password_is_refused_with_a_reason(client: Client, student: Any) -> None:
    client.force_login(student)
    response = client.post(
        reverse("password-change"),
        {"old_password": PASSWORD, "new_password1": "password1", "new_password2": "password1"},
    )
    assert response.status_code == 200
    assert "too common" in text(response.content)
    student.refresh_from_db()
    assert student.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="account.password_changed").exists()
