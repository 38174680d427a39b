"""Policy documents: drafting versions and their translations, publishing (which freezes a
version and records the SHA-256 of its text), retiring, and the annual review date.

District administrators and technology staff write policies; anyone may read what is
published. A ``None`` actor is the system (the demo loader, a command)."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from openaup.accounts.access import access_for
from openaup.audit.services import record
from openaup.directory.choices import Grade
from openaup.policies.choices import Audience, CampaignStatus, VersionStatus
from openaup.policies.models import Policy, PolicyText, PolicyVersion
from openaup.policies.rendering import Section, normalize_text, render_markdown, text_sha256

__all__ = [
    "clause_url",
    "create_policy",
    "create_version",
    "find_section",
    "may_write_policies",
    "normalize_language",
    "publish_version",
    "retire_version",
    "save_text",
    "set_review_date",
    "text_for",
]

#: A BCP 47-style language tag, lowercased: ``en``, ``es``, ``es-mx``, ``zh-hans``.
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")
MAX_BODY_CHARS = 200_000
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
#: Addresses of pages under /policies/ that a policy may not take.
RESERVED_SLUGS = frozenset({"new"})
GRADE_ORDER = [grade.value for grade in Grade]


def may_write_policies(user: Any) -> bool:
    """District administrators and technology staff write, publish and retire policies."""
    if user is None:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    access = access_for(user)
    return access.is_district_admin or access.is_tech_staff


def _check_actor(actor: Any) -> None:
    if not may_write_policies(actor):
        raise PermissionDenied(
            "Only district administrators and technology staff can change policy documents."
        )


def normalize_language(language: str) -> str:
    """``"es_MX "`` -> ``"es-mx"``; anything that is not a language tag is a
    ``ValidationError`` naming it."""
    code = (language or "").strip().lower().replace("_", "-")
    if not LANGUAGE_RE.match(code) or len(code) > 16:
        raise ValidationError(
            {
                "language": (
                    f"“{language}” is not a language code: use a code such as en, es, vi, "
                    "es-mx or zh-hans."
                )
            }
        )
    return code


def _check_draft(version: PolicyVersion) -> None:
    if version.is_frozen:
        raise ValidationError(
            f"{version} is {version.get_status_display().lower()} and cannot be changed: "
            "draft a new version instead."
        )


@transaction.atomic
def create_policy(
    *,
    actor: Any,
    title: str,
    slug: str,
    description: str = "",
    review_due_on: datetime.date | None = None,
) -> Policy:
    """A new policy document. Records ``policy.created``."""
    _check_actor(actor)
    title = title.strip()
    slug = slug.strip().lower()
    if not title:
        raise ValidationError({"title": "Give the policy a title."})
    if not SLUG_RE.match(slug) or len(slug) > 80:
        raise ValidationError(
            {
                "slug": f"“{slug}” cannot be used in an address: use lowercase letters, digits "
                "and hyphens, such as acceptable-use."
            }
        )
    if slug in RESERVED_SLUGS:
        raise ValidationError({"slug": f"“{slug}” is reserved: choose another address."})
    if Policy.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"A policy with the address “{slug}” already exists."})
    policy = Policy.objects.create(
        title=title, slug=slug, description=description.strip(), review_due_on=review_due_on
    )
    record(
        "policy.created",
        actor=actor,
        obj=policy,
        changes={
            "title": title,
            "slug": slug,
            "review_due_on": review_due_on.isoformat() if review_due_on else None,
        },
    )
    return policy


def _check_audience(audience: str, grade_low: str, grade_high: str) -> tuple[str, str]:
    if audience not in Audience.values:
        raise ValidationError({"audience": f"“{audience}” is not an audience."})
    if audience != Audience.STUDENTS:
        if grade_low or grade_high:
            raise ValidationError(
                {"grade_low": "Only a student-friendly version is written for a grade band."}
            )
        return "", ""
    if not grade_low:
        raise ValidationError(
            {"grade_low": "A student-friendly version needs its grade band (such as PK to 2)."}
        )
    grade_high = grade_high or grade_low
    for field, grade in (("grade_low", grade_low), ("grade_high", grade_high)):
        if grade not in GRADE_ORDER:
            raise ValidationError({field: f"“{grade}” is not a grade."})
    if GRADE_ORDER.index(grade_high) < GRADE_ORDER.index(grade_low):
        raise ValidationError({"grade_high": "The highest grade is below the lowest grade."})
    return grade_low, grade_high


@transaction.atomic
def create_version(
    *,
    actor: Any,
    policy: Policy,
    label: str,
    audience: str,
    grade_low: str = "",
    grade_high: str = "",
    summary: str = "",
    from_version: PolicyVersion | None = None,
) -> PolicyVersion:
    """A new draft version, with a copy of ``from_version``'s texts when given. Records
    ``policy_version.created``."""
    _check_actor(actor)
    label = label.strip()
    if not label:
        raise ValidationError({"label": "Give the version a label, such as 2026-27."})
    if len(label) > 64:
        raise ValidationError({"label": "The label is longer than 64 characters."})
    grade_low, grade_high = _check_audience(audience, grade_low, grade_high)
    if from_version is not None and from_version.policy_id != policy.pk:
        raise ValidationError({"from_version": f"{from_version} is a version of another policy."})
    duplicate = PolicyVersion.objects.filter(
        policy=policy, label=label, audience=audience, grade_low=grade_low, grade_high=grade_high
    )
    if duplicate.exists():
        raise ValidationError(
            {"label": f"{policy} already has a version {label} for this audience."}
        )
    try:
        with transaction.atomic():
            version = PolicyVersion.objects.create(
                policy=policy,
                label=label,
                audience=audience,
                grade_low=grade_low,
                grade_high=grade_high,
                summary=summary.strip(),
                primary_language=from_version.primary_language if from_version else "en",
                previous=from_version,
            )
    except IntegrityError as error:
        raise ValidationError(
            {"label": f"{policy} already has a version {label} for this audience."}
        ) from error
    copied = []
    if from_version is not None:
        for text in from_version.texts.all():
            rendered = render_markdown(text.body)
            PolicyText.objects.create(
                version=version,
                language=text.language,
                title=text.title,
                body=text.body,
                body_html=rendered.html,
                sha256=text_sha256(text.body),
            )
            copied.append(text.language)
    record(
        "policy_version.created",
        actor=actor,
        obj=version,
        changes={
            "policy": policy.slug,
            "label": label,
            "audience": audience,
            "grade_low": grade_low,
            "grade_high": grade_high,
            "from_version": from_version.pk if from_version else None,
            "languages_copied": copied,
        },
    )
    return version


@transaction.atomic
def save_text(
    *, actor: Any, version: PolicyVersion, language: str, title: str, body: str
) -> PolicyText:
    """Write a draft version's text in one language (adding the translation if new).
    Records ``policy_text.saved`` with the text's SHA-256."""
    _check_actor(actor)
    version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    _check_draft(version)
    language = normalize_language(language)
    title = title.strip()
    body = normalize_text(body)
    if not title:
        raise ValidationError({"title": "Give the text a title."})
    if len(title) > 300:
        raise ValidationError({"title": "The title is longer than 300 characters."})
    if not body.strip():
        raise ValidationError({"body": "The text is empty."})
    if len(body) > MAX_BODY_CHARS:
        raise ValidationError({"body": f"The text is longer than {MAX_BODY_CHARS:,} characters."})
    digest = text_sha256(body)
    text, created = PolicyText.objects.update_or_create(
        version=version,
        language=language,
        defaults={
            "title": title,
            "body": body,
            "body_html": render_markdown(body).html,
            "sha256": digest,
        },
    )
    record(
        "policy_text.saved",
        actor=actor,
        obj=text,
        changes={
            "version": version.pk,
            "language": language,
            "sha256": digest,
            "added": created,
        },
    )
    return text


@transaction.atomic
def publish_version(*, actor: Any, version: PolicyVersion) -> PolicyVersion:
    """Freeze a draft and make it signable. It needs a text in its primary language. Stores
    each text's rendered HTML and SHA-256, and the version's SHA-256 (its primary text's).
    Records ``policy_version.published`` with the SHA-256 of each text."""
    _check_actor(actor)
    version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    _check_draft(version)
    texts = list(version.texts.all())
    primary = next((t for t in texts if t.language == version.primary_language), None)
    if primary is None or not primary.body.strip():
        raise ValidationError(
            f"{version} has no text in its primary language ({version.primary_language}): "
            "write it before publishing."
        )
    hashes = {}
    for text in texts:
        text.body_html = render_markdown(text.body).html
        text.sha256 = text_sha256(text.body)
        text.save(update_fields=["body_html", "sha256", "updated_at"])
        hashes[text.language] = text.sha256
    version.sha256 = hashes[version.primary_language]
    version.status = VersionStatus.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = actor if getattr(actor, "pk", None) else None
    version.save()
    record(
        "policy_version.published",
        actor=actor,
        obj=version,
        changes={"sha256": version.sha256, "texts": hashes},
    )
    return version


@transaction.atomic
def retire_version(*, actor: Any, version: PolicyVersion) -> PolicyVersion:
    """A published version can no longer be signed. Retiring one that an open campaign uses
    is allowed (the signatures already made stay valid); the audit event names those
    campaigns. Records ``policy_version.retired``."""
    _check_actor(actor)
    version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != VersionStatus.PUBLISHED:
        raise ValidationError(
            f"Only a published version can be retired; {version} is "
            f"{version.get_status_display().lower()}."
        )
    open_campaigns = list(
        version.campaigns.filter(status=CampaignStatus.OPEN)
        .order_by("name")
        .values_list("name", flat=True)
    )
    version.status = VersionStatus.RETIRED
    version.retired_at = timezone.now()
    version.save()
    reason = "Used by open campaigns: " + ", ".join(open_campaigns) + "." if open_campaigns else ""
    record(
        "policy_version.retired",
        actor=actor,
        obj=version,
        changes={"sha256": version.sha256, "open_campaigns": open_campaigns},
        reason=reason,
    )
    return version


@transaction.atomic
def set_review_date(*, actor: Any, policy: Policy, review_due_on: datetime.date) -> Policy:
    """Set the policy's next annual review date. Records ``policy.review_date_set``."""
    _check_actor(actor)
    if review_due_on is None:
        raise ValidationError({"review_due_on": "Give the date of the next review."})
    before = policy.review_due_on
    policy.review_due_on = review_due_on
    policy.save(update_fields=["review_due_on", "updated_at"])
    record(
        "policy.review_date_set",
        actor=actor,
        obj=policy,
        changes={
            "review_due_on": [before.isoformat() if before else None, review_due_on.isoformat()]
        },
    )
    return policy


def text_for(version: PolicyVersion, language: str) -> PolicyText:
    """The version's text in ``language`` (``es-mx`` falls back to ``es``), or else in its
    primary language (or, failing that, any). Uses prefetched texts when there are.
    ``PolicyText.DoesNotExist`` when the version has no text at all."""
    texts = {text.language: text for text in version.texts.all()}
    wanted = (language or "").strip().lower().replace("_", "-")
    candidates = [wanted]
    parts = wanted.split("-")
    while len(parts) > 1:
        parts.pop()
        candidates.append("-".join(parts))
    candidates.append(version.primary_language)
    for code in candidates:
        if code in texts:
            return texts[code]
    if texts:
        return texts[sorted(texts)[0]]
    raise PolicyText.DoesNotExist(f"{version} has no text.")


def clause_url(version: PolicyVersion, anchor: str, *, language: str = "") -> str:
    """The address of one section of a version (``/policies/<slug>/<pk>/#<anchor>``)."""
    url = reverse("policies:version-detail", kwargs={"slug": version.policy.slug, "pk": version.pk})
    if language and language != version.primary_language:
        url += f"?lang={language}"
    return f"{url}#{anchor}"


def find_section(
    policy_slug: str, anchor: str, *, language: str = ""
) -> tuple[PolicyVersion, PolicyText, Section] | None:
    """The section ``anchor`` (an anchor of the primary-language text) of the newest
    published all-users version of a policy: for other pages that cite a clause, such as a
    block page citing "Network Usage, Filtering & Monitoring". With ``language``, the same
    section of that translation when its sections line up with the primary text's."""
    version = (
        PolicyVersion.objects.filter(
            policy__slug=policy_slug, status=VersionStatus.PUBLISHED, audience=Audience.ALL
        )
        .select_related("policy")
        .prefetch_related("texts")
        .order_by("-published_at", "-pk")
        .first()
    )
    if version is None:
        return None
    try:
        primary = text_for(version, version.primary_language)
    except PolicyText.DoesNotExist:
        return None
    sections = render_markdown(primary.body).sections
    index = next((i for i, s in enumerate(sections) if s.anchor == anchor), None)
    if index is None:
        return None
    text = text_for(version, language) if language else primary
    if text.pk != primary.pk:
        # A translation's headings have anchors of their own words; it answers when its
        # sections line up with the primary text's.
        translated = render_markdown(text.body).sections
        if len(translated) == len(sections):
            return version, text, translated[index]
    return version, primary, sections[index]
