"""The filter as the district steers it.

- A :class:`FilterProfile` (``elementary``, ``middle``, ``high``, ``staff``, ``guest``, a
  restricted profile...) has :class:`ProfileRule` rows in the engine's four states, its
  SafeSearch and YouTube settings, and what it does when the filter cannot decide.
- :class:`Category` rows describe the categories the lists provide (their tag, the AUP
  clause, the list each comes from and its size, as last compiled).
- :class:`FilterSchedule` rows are the named time windows rules can use (school hours, after
  hours), optionally from one school's calendar.
- :class:`ProfileAssignment` rows say who gets which profile: students of a grade band at a
  school (or every school), staff, a client network, or one person (an exception).
- Nothing of the above is live until it is published: :class:`PolicyRevision` is one
  published policy file (the engine's TOML), with who published it, when, its compile and
  whether it is live. Rolling back publishes an earlier revision again.
- :class:`ListSource` rows are where category lists come from (a URL or a local path);
  :class:`LocalList` rows are lists edited in the app.
- :class:`UnblockRequest` is a review asked for from the block page; :class:`Override` is a
  timed allow or block for a section, a school, the district or one person (made when a
  request is approved, or directly by a teacher for a lesson).
"""

from __future__ import annotations

from django.db import models

from openaup.core.models import TimeStampedModel
from openaup.directory.choices import Grade
from openaup.filtering.choices import (
    AssignmentKind,
    DefaultAction,
    ListKind,
    OverrideAction,
    OverrideScope,
    RequestStatus,
    RevisionStatus,
    RuleState,
    SourceStatus,
    YouTubeMode,
)
from openaup.filtering.querysets import (
    CategoryQuerySet,
    FilterProfileQuerySet,
    FilterScheduleQuerySet,
    ListSourceQuerySet,
    LocalListQuerySet,
    OverrideQuerySet,
    PolicyRevisionQuerySet,
    ProfileAssignmentQuerySet,
    ProfileRuleQuerySet,
    UnblockRequestQuerySet,
)

__all__ = [
    "Category",
    "FilterProfile",
    "FilterSchedule",
    "ListSource",
    "LocalList",
    "Override",
    "PolicyRevision",
    "ProfileAssignment",
    "ProfileRule",
    "UnblockRequest",
]

_USER = "accounts.User"


class FilterProfile(TimeStampedModel):
    """One engine profile. ``name`` is the engine's profile name (letters, digits, ``-``,
    ``_``); changing anything here is a draft until the policy is published."""

    name = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    minor = models.BooleanField(
        default=True, help_text="Used by minors: never fails open, must block something."
    )
    fail_open = models.BooleanField(
        default=False, help_text="Allow (instead of block) when the filter cannot decide."
    )
    default_action = models.CharField(
        max_length=8, choices=DefaultAction.choices, default=DefaultAction.ALLOW
    )
    safesearch = models.BooleanField(
        default=True, help_text="Force SafeSearch on Google and Bing (DNS and proxy)."
    )
    youtube = models.CharField(max_length=10, choices=YouTubeMode.choices, default=YouTubeMode.OFF)
    restricted = models.BooleanField(
        default=False,
        help_text="The profile given to students who have not signed the AUP past its due "
        "date, when the campaign says so.",
    )
    position = models.PositiveSmallIntegerField(default=0)

    objects = FilterProfileQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.title or self.name


class FilterSchedule(TimeStampedModel):
    """A named window (``school_hours``): weekdays and a start and end time. With a school,
    it is that school's own hours; an end before the start runs past midnight."""

    name = models.SlugField(max_length=64)
    school = models.ForeignKey(
        "directory.School",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="filter_schedules",
    )
    days = models.JSONField(default=list, help_text='Weekdays, e.g. ["mon", "tue"].')
    start = models.TimeField()
    end = models.TimeField()

    objects = FilterScheduleQuerySet.as_manager()

    class Meta:
        ordering = ["name", "school_id"]
        constraints = [
            models.UniqueConstraint(fields=["name", "school"], name="filter_schedule_unique"),
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(school__isnull=True),
                name="filter_schedule_district_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name if self.school_id is None else f"{self.name} ({self.school})"


class ProfileRule(TimeStampedModel):
    """One rule of a profile: a state, the categories, hosts and URL prefixes it covers, the
    AUP clause it enforces and, optionally, the schedule it is limited to."""

    profile = models.ForeignKey(FilterProfile, on_delete=models.CASCADE, related_name="rules")
    name = models.SlugField(max_length=64)
    state = models.CharField(max_length=16, choices=RuleState.choices)
    categories = models.JSONField(default=list, blank=True)
    hosts = models.JSONField(default=list, blank=True)
    urls = models.JSONField(default=list, blank=True)
    clause = models.CharField(
        max_length=200,
        blank=True,
        help_text="The AUP section this rule enforces (its heading anchor in the policy).",
    )
    schedule = models.ForeignKey(
        FilterSchedule, on_delete=models.PROTECT, null=True, blank=True, related_name="rules"
    )
    outside_schedule = models.BooleanField(
        default=False, help_text="Apply outside the schedule instead of during it."
    )
    position = models.PositiveSmallIntegerField(default=0)

    objects = ProfileRuleQuerySet.as_manager()

    class Meta:
        ordering = ["profile", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "name"], name="filter_rule_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.profile.name}/{self.name}"


class Category(TimeStampedModel):
    """A category the lists provide, with its bandwidth tag and AUP clause; ``list_name``,
    ``entries`` and ``source`` are as of the last compile."""

    name = models.CharField(max_length=100, unique=True)
    title = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    tag = models.CharField(max_length=32, blank=True, help_text='Bandwidth tag, e.g. "streaming".')
    clause = models.CharField(max_length=200, blank=True)
    allow_list = models.BooleanField(default=False)
    source = models.ForeignKey(
        "ListSource", on_delete=models.SET_NULL, null=True, blank=True, related_name="categories"
    )
    list_names = models.JSONField(default=list, blank=True)
    entries = models.PositiveIntegerField(default=0)
    bad_lines = models.PositiveIntegerField(default=0)

    objects = CategoryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class ProfileAssignment(TimeStampedModel):
    """Who gets ``profile``: students of grades ``grade_low``-``grade_high`` (at ``school``,
    or at every school), staff (at ``school`` or everywhere), clients in ``network`` (CIDR),
    or one ``person`` (an exception, until ``ends_at`` when set). A person exception wins
    over a grade band or staff; a user name wins over a network (the engine's order)."""

    kind = models.CharField(max_length=16, choices=AssignmentKind.choices)
    profile = models.ForeignKey(FilterProfile, on_delete=models.PROTECT, related_name="assignments")
    school = models.ForeignKey(
        "directory.School",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="filter_assignments",
    )
    grade_low = models.CharField(max_length=8, choices=Grade.choices, blank=True)
    grade_high = models.CharField(max_length=8, choices=Grade.choices, blank=True)
    network = models.CharField(max_length=64, blank=True, help_text="CIDR, e.g. 10.20.0.0/16.")
    name = models.CharField(max_length=200, blank=True, help_text='e.g. "Guest Wi-Fi".')
    person = models.ForeignKey(
        "directory.Person",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="filter_assignments",
    )
    reason = models.CharField(max_length=300, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)

    objects = ProfileAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "school_id", "grade_low", "network", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} -> {self.profile.name}"


class PolicyRevision(models.Model):
    """One published policy: the TOML written for the engine, who published it and why, and
    its compile. Exactly one revision is live once anything has been published."""

    number = models.PositiveIntegerField(unique=True)
    toml = models.TextField()
    sha256 = models.CharField(max_length=64)
    status = models.CharField(
        max_length=16, choices=RevisionStatus.choices, default=RevisionStatus.COMPILING
    )
    note = models.CharField(max_length=500, blank=True)
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        _USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rollback_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rollbacks",
        help_text="The earlier revision this one publishes again.",
    )
    confirmed_reason = models.CharField(
        max_length=500,
        blank=True,
        help_text="Why a minors' profile that blocks nothing was published anyway.",
    )
    compiled_at = models.DateTimeField(null=True, blank=True)
    compile_seconds = models.FloatField(null=True, blank=True)
    live_at = models.DateTimeField(null=True, blank=True)
    snapshot_sha256 = models.CharField(max_length=64, blank=True)
    snapshot_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    report = models.JSONField(default=dict, blank=True, help_text="Compile counts and warnings.")
    error = models.TextField(blank=True)
    settings = models.JSONField(
        default=dict,
        blank=True,
        help_text="The profiles, rules, schedules, category tags and assignments as published, "
        "so that rolling back brings the settings back too.",
    )

    objects = PolicyRevisionQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"revision {self.number} ({self.status})"


class ListSource(TimeStampedModel):
    """Where lists come from: an archive or list at ``url`` (downloaded by ``aup filter
    lists update``, on a schedule) or a folder or file at ``path``. ``category`` names the
    category of a plain or hosts list; a UT1 archive brings its own."""

    name = models.SlugField(max_length=64, unique=True)
    kind = models.CharField(max_length=8, choices=ListKind.choices)
    url = models.URLField(max_length=1000, blank=True)
    path = models.CharField(max_length=1000, blank=True)
    category = models.CharField(max_length=100, blank=True)
    allow_list = models.BooleanField(default=False)
    enabled = models.BooleanField(default=True)
    update_hours = models.PositiveSmallIntegerField(
        default=24, help_text="Hours between scheduled updates (0: only by hand)."
    )
    status = models.CharField(
        max_length=8, choices=SourceStatus.choices, default=SourceStatus.NEVER
    )
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    etag = models.CharField(max_length=200, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    entries = models.PositiveIntegerField(default=0)
    size = models.PositiveBigIntegerField(default=0, help_text="Bytes of the last download.")
    bad_lines = models.PositiveIntegerField(default=0)
    problems = models.JSONField(
        default=list, blank=True, help_text="Bad lines of the last update, per list."
    )
    update_requested_at = models.DateTimeField(null=True, blank=True)

    objects = ListSourceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LocalList(TimeStampedModel):
    """A list edited in the app (one domain, URL prefix or ``hosts`` line per line), compiled
    as a plain list of category ``category``."""

    category = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    allow_list = models.BooleanField(default=False)
    entries = models.TextField(blank=True)
    expressions = models.TextField(
        blank=True, help_text="Regular expressions matched against host/path?query, one a line."
    )
    updated_by = models.ForeignKey(
        _USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = LocalListQuerySet.as_manager()

    class Meta:
        ordering = ["category"]

    def __str__(self) -> str:
        return self.category


class UnblockRequest(TimeStampedModel):
    """A review asked for from the block page. The blocked request's facts come from the
    verified block-page token; ``person`` is who it was resolved to (proxy user name or
    signed-in user), and the request goes to the approver of ``scope``."""

    url = models.CharField(max_length=2000, help_text="Without the query string.")
    host = models.CharField(max_length=253)
    category = models.CharField(max_length=100, blank=True)
    list_name = models.CharField(max_length=200, blank=True)
    profile = models.CharField(max_length=64, blank=True)
    rule = models.CharField(max_length=32, blank=True)
    reason = models.CharField(max_length=64, blank=True, help_text="The decision's reason code.")
    blocked_at = models.DateTimeField()
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    proxy_user = models.CharField(max_length=150, blank=True)
    person = models.ForeignKey(
        "directory.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="unblock_requests",
    )
    requested_by = models.ForeignKey(
        _USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message = models.TextField(blank=True, help_text="Why the site is needed.")
    contact = models.CharField(max_length=254, blank=True)
    language = models.CharField(
        max_length=8, default="en", help_text="The block page's language: the outcome's too."
    )
    scope = models.CharField(max_length=16, choices=OverrideScope.choices)
    school = models.ForeignKey(
        "directory.School", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    section = models.ForeignKey(
        "directory.Section", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        _USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    objects = UnblockRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "scope", "school"])]

    def __str__(self) -> str:
        return f"{self.host} ({self.status})"


class Override(TimeStampedModel):
    """A timed allow or block of ``host`` (a domain, with its sub-domains, or a
    ``host/path`` prefix) for a section's students, a school, the district or one person,
    from ``starts_at`` to ``ends_at``. It ranks as the engine's ``allow`` or ``block``: it
    never beats a locked rule."""

    action = models.CharField(max_length=8, choices=OverrideAction.choices)
    host = models.CharField(max_length=1000)
    scope = models.CharField(max_length=16, choices=OverrideScope.choices)
    section = models.ForeignKey(
        "directory.Section", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    school = models.ForeignKey(
        "directory.School", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    person = models.ForeignKey(
        "directory.Person", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    profiles = models.JSONField(
        default=list, blank=True, help_text="Limit to these profiles (empty: every profile)."
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=500, blank=True)
    request = models.ForeignKey(
        UnblockRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="overrides",
    )
    created_by = models.ForeignKey(
        _USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        _USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    expired_at = models.DateTimeField(
        null=True, blank=True, help_text="When the periodic job saw it end and republished."
    )

    objects = OverrideQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="filter_override_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.host} ({self.scope})"
