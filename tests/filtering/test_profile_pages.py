"""The profile, category, schedule, assignment, publish and status pages: who sees what,
what a change does, and that bad input is shown where it belongs."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openaup.filtering.models import FilterProfile, PolicyRevision, ProfileRule
from tests.filtering import profile_setup

demo_filter = profile_setup.demo_filter
filter_dir = profile_setup.filter_dir

pytestmark = pytest.mark.django_db

PAGES = [
    ("filtering:profile-list", {}),
    ("filtering:profile-detail", {"name": "middle"}),
    ("filtering:category-list", {}),
    ("filtering:schedule-list", {}),
    ("filtering:assignment-list", {}),
    ("filtering:publish", {}),
    ("filtering:filter-status", {}),
]
MANAGER_PAGES = [
    ("filtering:profile-create", {}),
    ("filtering:profile-edit", {"name": "middle"}),
    ("filtering:rule-create", {"name": "middle"}),
    ("filtering:category-edit", {"name": "games"}),
    ("filtering:profile-delete", {"name": "middle"}),
]


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(("name", "kwargs"), PAGES + MANAGER_PAGES)
def test_tech_staff_open_every_page(
    tech_staff: Any, demo_filter: PolicyRevision, name: str, kwargs: dict[str, str]
) -> None:
    response = signed_in(tech_staff).get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
def test_teachers_read_but_do_not_change(
    teacher: Any, demo_filter: PolicyRevision, name: str, kwargs: dict[str, str]
) -> None:
    client = signed_in(teacher)
    assert client.get(reverse(name, kwargs=kwargs)).status_code == 200
    assert (
        client.get(reverse("filtering:profile-edit", kwargs={"name": "middle"})).status_code == 403
    )
    assert client.post(reverse("filtering:publish"), {"note": "x"}).status_code == 403


def test_students_see_nothing(student: Any, demo_filter: PolicyRevision) -> None:
    client = signed_in(student)
    assert client.get(reverse("filtering:profile-list")).status_code == 403
    detail = reverse("filtering:profile-detail", kwargs={"name": "middle"})
    assert client.get(detail).status_code == 404


def test_profile_list_shows_what_each_profile_blocks_and_covers(
    tech_staff: Any, world: Any, demo_filter: PolicyRevision
) -> None:
    world.student_a1.username = "ava"
    world.student_a1.save()
    response = signed_in(tech_staff).get(reverse("filtering:profile-list"))
    rows = {r["profile"].name: r for r in response.context["rows"]}
    assert "social_networks" in rows["middle"]["blocks"]
    assert "social_networks" not in rows["high"]["blocks"]
    assert rows["elementary"]["people"] == 1  # Ava, grade 3
    assert rows["guest"]["networks"] == 1


def test_a_rule_with_a_bad_host_is_refused_with_the_host_named(
    tech_staff: Any, demo_filter: PolicyRevision
) -> None:
    url = reverse("filtering:rule-create", kwargs={"name": "middle"})
    response = signed_in(tech_staff).post(
        url, {"name": "teacher-picks", "state": "block", "hosts": "good.example\nbad host!"}
    )
    assert response.status_code == 400
    assert "bad host!" in str(response.context["form"].errors["hosts"])
    assert not ProfileRule.objects.filter(name="teacher-picks").exists()


def test_editing_and_publishing_from_the_pages(
    tech_staff: Any, demo_filter: PolicyRevision, django_capture_on_commit_callbacks: Any
) -> None:
    client = signed_in(tech_staff)
    url = reverse("filtering:rule-create", kwargs={"name": "middle"})
    response = client.post(
        url,
        {"name": "no-video", "state": "block", "categories": ["audio-video"], "hosts": "x.example"},
    )
    assert response.status_code == 302
    page = client.get(reverse("filtering:publish"))
    assert page.context["unpublished"]
    assert any(line.kind == "added" and "audio-video" in line.text for line in page.context["diff"])
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("filtering:publish"), {"note": "No video for middle"})
    assert response.status_code == 302
    revision = PolicyRevision.objects.get(number=2)
    assert revision.status == "compiling"
    assert revision.published_by == tech_staff


def test_a_minor_profile_cannot_fail_open(tech_staff: Any, demo_filter: PolicyRevision) -> None:
    url = reverse("filtering:profile-edit", kwargs={"name": "middle"})
    response = signed_in(tech_staff).post(
        url, {"minor": "on", "fail_open": "on", "default_action": "allow", "youtube": "off"}
    )
    assert response.status_code == 400
    assert "cannot fail open" in str(response.context["form"].errors["fail_open"])
    assert not FilterProfile.objects.get(name="middle").fail_open


@pytest.mark.parametrize("name", ["filtering:profile-list", "filtering:category-list"])
def test_list_pages_do_not_grow_queries_with_rows(
    tech_staff: Any, demo_filter: PolicyRevision, name: str, django_assert_max_num_queries: Any
) -> None:
    from tests.filtering.factories import CategoryFactory, FilterProfileFactory, ProfileRuleFactory

    client = signed_in(tech_staff)
    client.get(reverse(name))
    for n in range(5):
        profile = FilterProfileFactory(name=f"extra{n}", minor=False)
        ProfileRuleFactory(profile=profile, categories=["games"])
        CategoryFactory(name=f"extra-category{n}")
    with django_assert_max_num_queries(20):
        assert client.get(reverse(name)).status_code == 200


def test_categories_schedules_and_exceptions_from_the_pages(
    tech_staff: Any, world: Any, demo_filter: PolicyRevision
) -> None:
    from openaup.filtering.models import Category, FilterSchedule, ProfileAssignment

    client = signed_in(tech_staff)
    url = reverse("filtering:category-edit", kwargs={"name": "games"})
    assert client.post(url, {"tag": "Games!", "clause": ""}).status_code == 400
    assert client.post(url, {"tag": "gaming", "clause": ""}).status_code == 302
    assert Category.objects.get(name="games").tag == "gaming"
    schedules = reverse("filtering:schedule-list")
    response = client.post(
        schedules,
        {"name": "school_hours", "school": world.school_b.pk, "days": ["mon", "fri"],
         "start": "08:30", "end": "15:00"},
    )  # fmt: skip
    assert response.status_code == 302
    own = FilterSchedule.objects.get(name="school_hours", school=world.school_b)
    assert own.days == ["mon", "fri"]
    world.student_b1.username = "dee"
    world.student_b1.save()
    assignments = reverse("filtering:assignment-list")
    data = {"kind": "person", "profile": FilterProfile.objects.get(name="restricted").pk,
            "person": "dee", "reason": ""}  # fmt: skip
    response = client.post(assignments, data)
    assert response.status_code == 400
    assert "why" in str(response.context["form"].errors["reason"])
    response = client.post(assignments, {**data, "reason": "Principal's decision"})
    assert response.status_code == 302
    assert ProfileAssignment.objects.get(person=world.student_b1).profile.name == "restricted"


def test_a_failed_compile_is_shown_and_a_rollback_is_one_click(
    tech_staff: Any, demo_filter: PolicyRevision
) -> None:
    from openaup.filtering.services import publishing

    second = publishing.publish_policy(actor=tech_staff, note="second", sync=True)
    assert second.status == "live"
    third = publishing.publish_policy(actor=tech_staff, note="third")
    PolicyRevision.objects.filter(pk=third.pk).update(toml="not = = toml")
    third.refresh_from_db()
    publishing.compile_revision(revision=third)
    client = signed_in(tech_staff)
    page = client.get(reverse("filtering:publish")).content.decode()
    assert "Revision 3 did not compile; the live snapshot stays." in page
    assert "not valid TOML" in page
    assert "Revision 2 is live since" in page
    response = client.post(reverse("filtering:rollback", kwargs={"number": 1}))
    assert response.status_code == 302
    fourth = PolicyRevision.objects.get(number=4)
    assert fourth.rollback_of == demo_filter
    assert fourth.status == "compiling"
    assert fourth.published_by == tech_staff


def test_deleting_a_profile_from_its_page(tech_staff: Any, demo_filter: PolicyRevision) -> None:
    client = signed_in(tech_staff)
    # the middle profile is given to a grade band: the page says so and a POST is refused
    url = reverse("filtering:profile-delete", kwargs={"name": "middle"})
    assert "remove those assignments first" in client.get(url).content.decode()
    refused = client.post(url)
    assert refused.status_code == 400
    assert "cannot be deleted" in refused.content.decode()
    assert FilterProfile.objects.filter(name="middle").exists()
    spare = FilterProfile.objects.create(name="after-school", minor=False)
    ProfileRule.objects.create(profile=spare, name="club", state="allow", hosts=["club.example"])
    url = reverse("filtering:profile-delete", kwargs={"name": "after-school"})
    page = client.get(url).content.decode()
    assert "The profile and its 1 rule are removed from the draft." in page
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("filtering:profile-list")
    assert not FilterProfile.objects.filter(name="after-school").exists()
