"""The demo district's Acceptable Use Policy: a retired 2025-26 version for all users and
published 2026-27 versions for all users, staff, and students of grades PK-2, 3-5 and 6-8,
each in English and Spanish. The texts are in ``demo_texts/``; everything is written through
the services, so the audit trail shows it."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from openaup.policies.choices import Audience
from openaup.policies.models import Policy, PolicyVersion
from openaup.policies.services import documents

__all__ = ["DEMO_POLICY_SLUG", "demo_text", "load_demo_policies"]

DEMO_POLICY_SLUG = "acceptable-use"
TEXTS = Path(__file__).parent / "demo_texts"
LANGUAGES = ("en", "es")

#: (file stem, audience, lowest grade, highest grade, summary)
CURRENT = (
    ("all-users", Audience.ALL, "", "", "Annual review: communication tools, browser extensions."),
    ("staff", Audience.STAFF, "", "", "What the district expects of employees, in short."),
    ("students-pk-2", Audience.STUDENTS, "PK", "02", "For our youngest students."),
    ("students-3-5", Audience.STUDENTS, "03", "05", "In plain words for grades 3 to 5."),
    ("students-6-8", Audience.STUDENTS, "06", "08", "In plain words for grades 6 to 8."),
)

#: How the 2025-26 text differed from 2026-27's (new text -> old text), per language.
LAST_YEAR = {
    "en": (
        ("school year 2026-27", "school year 2025-26"),
        ("district email, Google Classroom, and Remind", "district email and Google Classroom"),
        (
            (
                "- When communicating with a parent/guardian, refrain from discussing any "
                "non-related students when possible.\n"
            ),
            "",
        ),
        (
            "Browser extensions in grades PK-8, will be disallowed",
            "Browser extensions in grades PK-5, will be disallowed",
        ),
    ),
    "es": (
        ("año escolar 2026-27", "año escolar 2025-26"),
        (
            "correo del distrito, Google Classroom y Remind",
            "correo del distrito y Google Classroom",
        ),
        (
            (
                "- Al comunicarse con un padre o tutor, evite en lo posible hablar de otros "
                "estudiantes.\n"
            ),
            "",
        ),
        ("En los grados PK a 8 no se permitirán", "En los grados PK a 5 no se permitirán"),
    ),
}


def demo_text(stem: str, language: str) -> tuple[str, str]:
    """The title (the first heading) and Markdown body of a demo text."""
    body = (TEXTS / f"{stem}.{language}.md").read_text(encoding="utf-8")
    first = body.lstrip().splitlines()[0]
    return first.lstrip("#").strip(), body


def _last_year(body: str, language: str) -> str:
    for new, old in LAST_YEAR[language]:
        if new not in body:
            raise ValueError(f"The demo {language} text no longer contains {new!r}.")
        body = body.replace(new, old)
    return body


def _write(version: PolicyVersion, stem: str, *, actor: Any, old: bool = False) -> None:
    for language in LANGUAGES:
        title, body = demo_text(stem, language)
        if old:
            body = _last_year(body, language)
        documents.save_text(actor=actor, version=version, language=language, title=title, body=body)


@transaction.atomic
def load_demo_policies(*, actor: Any = None) -> list[PolicyVersion]:
    """Create the demo policy ``acceptable-use``: its retired 2025-26 all-users version and
    published 2026-27 versions for every audience (returned). Does nothing (returns an
    empty list) when the policy exists."""
    if Policy.objects.filter(slug=DEMO_POLICY_SLUG).exists():
        return []
    today = timezone.localdate()
    policy = documents.create_policy(
        actor=actor,
        title="Acceptable Use Policy for Technology",
        slug=DEMO_POLICY_SLUG,
        description=(
            "How students, families and staff of Maple Valley Public Schools may use the "
            "district's devices, network and online tools. Signed every school year."
        ),
        review_due_on=datetime.date(today.year + (today.month >= 6), 6, 1),
    )
    last_year = documents.create_version(
        actor=actor, policy=policy, label="2025-26", audience=Audience.ALL
    )
    _write(last_year, "all-users", actor=actor, old=True)
    documents.publish_version(actor=actor, version=last_year)
    published = []
    for stem, audience, low, high, summary in CURRENT:
        version = documents.create_version(
            actor=actor,
            policy=policy,
            label="2026-27",
            audience=audience,
            grade_low=low,
            grade_high=high,
            summary=summary,
            from_version=last_year if audience == Audience.ALL else None,
        )
        _write(version, stem, actor=actor)
        published.append(documents.publish_version(actor=actor, version=version))
    documents.retire_version(actor=actor, version=last_year)
    return published
