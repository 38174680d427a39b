"""The demo district's filter: the engine's default profiles (elementary, middle, high,
guest, staff) and a ``restricted`` one, the categories they name with their tags and AUP
clause, district school hours, who gets which profile, and revision 1 published and
compiled at once (with whatever lists are under ``lists_dir()`` then).

Networks (invented): each school its own /16 (``10.1.0.0/16`` for the first school in
grade order, ``10.2.0.0/16`` for the next...), and the guest Wi-Fi for personal devices,
``10.99.0.0/16``, gets ``guest``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from openaup.engine.policy import DEFAULT_POLICY, STREAMING, parse_policy
from openaup.filtering.choices import AssignmentKind, DefaultAction, YouTubeMode
from openaup.filtering.models import Category, FilterProfile, PolicyRevision
from openaup.filtering.services import profiles as services
from openaup.filtering.services.publishing import publish_policy

__all__ = ["DEMO_CLAUSE", "GUEST_NETWORK", "load_demo_filter"]

DEMO_CLAUSE = "network-usage-filtering-monitoring"
GUEST_NETWORK = "10.99.0.0/16"
#: What the restricted profile blocks on top of the high school's rules.
RESTRICTED_BLOCKS = ["social_networks", "chat", "games", "forums", "audio-video", "celebrity"]
_TITLES = {
    "elementary": "Elementary students",
    "middle": "Middle school students",
    "high": "High school students",
    "guest": "Guests and personal devices",
    "staff": "Staff",
}


@transaction.atomic
def load_demo_filter(*, actor: Any = None) -> PolicyRevision | None:
    """Create the demo filter settings and publish them (compiled at once). Does nothing
    when profiles exist already."""
    if FilterProfile.objects.exists():
        return None
    template = parse_policy(DEFAULT_POLICY, origin="default policy")
    names = sorted(template.categories() | set(STREAMING) | set(RESTRICTED_BLOCKS))
    for name in names:
        Category.objects.get_or_create(
            name=name,
            defaults={
                "tag": "streaming" if name in STREAMING else "",
                "clause": DEMO_CLAUSE,
            },
        )
    hours = template.schedules["school_hours"]
    services.save_schedule(
        actor=actor,
        name="school_hours",
        days=["mon", "tue", "wed", "thu", "fri"],
        start=hours.start,
        end=hours.end,
    )
    services.save_schedule(
        actor=actor,
        name="after_hours",
        days=["mon", "tue", "wed", "thu", "fri"],
        start=hours.end,
        end=hours.start,
    )
    rows: dict[str, FilterProfile] = {}
    for position, (name, spec) in enumerate(template.profiles.items()):
        rows[name] = services.save_profile(
            actor=actor,
            name=name,
            title=_TITLES.get(name, name),
            description=spec.description,
            minor=spec.minor,
            default_action=spec.default,
            safesearch=spec.safesearch,
            youtube=spec.youtube,
            position=position,
        )
        for rule in spec.rules:
            services.save_rule(
                actor=actor,
                profile=rows[name],
                name=rule.name,
                state=rule.state.value,
                categories=rule.categories,
                hosts=rule.hosts,
                clause=DEMO_CLAUSE if rule.categories else "",
            )
    high = template.profiles["high"]
    restricted = services.save_profile(
        actor=actor,
        name="restricted",
        title="Restricted (AUP not signed)",
        description="Students who have not signed the current AUP after its due date, when "
        "the campaign says so.",
        minor=True,
        default_action=DefaultAction.ALLOW,
        safesearch=True,
        youtube=YouTubeMode.STRICT,
        restricted=True,
        position=len(rows),
    )
    for rule in high.rules:
        services.save_rule(
            actor=actor,
            profile=restricted,
            name=rule.name,
            state=rule.state.value,
            categories=rule.categories,
            clause=DEMO_CLAUSE if rule.categories else "",
        )
    services.save_rule(
        actor=actor,
        profile=restricted,
        name="until-signed",
        state="block",
        categories=RESTRICTED_BLOCKS,
        clause=DEMO_CLAUSE,
    )
    _assign(actor, rows)
    return publish_policy(actor=actor, note="Demo district: the default profiles", sync=True)


def _assign(actor: Any, rows: dict[str, FilterProfile]) -> None:
    from openaup.directory.models import School

    for profile, low, high in services.GRADE_BANDS:
        services.create_assignment(
            actor=actor,
            kind=AssignmentKind.GRADES,
            profile=rows[profile],
            grade_low=low,
            grade_high=high,
        )
    services.create_assignment(actor=actor, kind=AssignmentKind.STAFF, profile=rows["staff"])
    schools = sorted(
        School.objects.filter(is_active=True),
        key=lambda s: (services.grade_index(s.low_grade), s.name),
    )
    for n, school in enumerate(schools, start=1):
        first = max(services.grade_index(school.low_grade), 0)
        band = next(
            (
                p
                for p, lo, hi in services.GRADE_BANDS
                if services.grade_index(lo) <= first <= services.grade_index(hi)
            ),
            "high",
        )
        services.create_assignment(
            actor=actor,
            kind=AssignmentKind.NETWORK,
            profile=rows[band],
            school=school,
            network=f"10.{n}.0.0/16",
            name=f"{school.name} student devices",
        )
    services.create_assignment(
        actor=actor,
        kind=AssignmentKind.NETWORK,
        profile=rows["guest"],
        network=GUEST_NETWORK,
        name="Guest Wi-Fi (personal devices)",
    )
