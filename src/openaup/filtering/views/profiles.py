"""Pages: filter profiles, their rules, categories, schedules and who gets which profile.

Staff who may read the filter (district administrators, technology staff, principals,
teachers) see everything here, to explain a block; district administrators and technology
staff change it. Every change is a draft until it is published (``filter/publish/``).
Thin: the services in :mod:`openaup.filtering.services.profiles` check and record.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from openaup.core.views import (
    ScopedDetailView,
    ScopedListView,
    ScopedObjectActionView,
    SignedInView,
    add_form_errors,
)
from openaup.directory.choices import Grade
from openaup.directory.models import Person, School
from openaup.filtering.choices import (
    AssignmentKind,
    DefaultAction,
    RuleState,
    YouTubeMode,
)
from openaup.filtering.models import (
    Category,
    FilterProfile,
    FilterSchedule,
    ProfileAssignment,
    ProfileRule,
)
from openaup.filtering.querysets import manages_filter, reads_filter
from openaup.filtering.services import profiles as services

DAY_CHOICES = [
    ("mon", _("Monday")),
    ("tue", _("Tuesday")),
    ("wed", _("Wednesday")),
    ("thu", _("Thursday")),
    ("fri", _("Friday")),
    ("sat", _("Saturday")),
    ("sun", _("Sunday")),
]
GRADE_CHOICES = [("", "—"), *[(g.value, g.label) for g in Grade]]


def require_reader(request: HttpRequest) -> None:
    if request.user.is_authenticated and not reads_filter(request.user):
        raise PermissionDenied("Only staff read the filter's settings.")


def require_manager(request: HttpRequest) -> None:
    if request.user.is_authenticated and not manages_filter(request.user):
        raise PermissionDenied("Only district administrators and technology staff may.")


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.replace(",", "\n").splitlines() if line.strip()]


def clause_choices() -> list[tuple[str, str]]:
    return [("", "—"), *[(c.anchor, c.title) for c in services.aup_clauses()]]


class ProfileForm(forms.Form):
    name = forms.SlugField(
        max_length=64, help_text=_("The engine's name: lowercase letters, digits, - and _.")
    )
    title = forms.CharField(max_length=200, required=False)
    description = forms.CharField(required=False, widget=forms.Textarea)
    minor = forms.BooleanField(
        required=False,
        label=_("Used by minors"),
        help_text=_("Never fails open; must block something."),
    )
    fail_open = forms.BooleanField(
        required=False,
        label=_("Fail open"),
        help_text=_("Allow instead of block when the filter cannot decide (not for minors)."),
    )
    default_action = forms.ChoiceField(
        choices=DefaultAction.choices, label=_("When no rule matches")
    )
    safesearch = forms.BooleanField(
        required=False, label=_("Force SafeSearch"), help_text=_("Google and Bing.")
    )
    youtube = forms.ChoiceField(choices=YouTubeMode.choices, label=_("YouTube restriction"))
    restricted = forms.BooleanField(
        required=False,
        label=_("Restricted profile"),
        help_text=_("Given to students who have not signed the AUP after its due date."),
    )


class RuleForm(forms.Form):
    name = forms.SlugField(max_length=64)
    state = forms.ChoiceField(
        choices=RuleState.choices,
        help_text=_("Strongest first: locked block, locked allow, block, allow."),
    )
    categories = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )
    hosts = forms.CharField(
        required=False,
        widget=forms.Textarea,
        help_text=_("One host per line; its sub-domains are included."),
    )
    urls = forms.CharField(
        required=False,
        widget=forms.Textarea,
        label=_("URL prefixes"),
        help_text=_("One per line, a host and a path, e.g. video.example/watch."),
    )
    clause = forms.ChoiceField(
        required=False, label=_("AUP clause"), help_text=_("The section this rule enforces.")
    )
    schedule = forms.ModelChoiceField(
        queryset=FilterSchedule.objects.none(),
        required=False,
        empty_label=_("Always"),
        help_text=_("Only during a schedule (or outside it)."),
    )
    outside_schedule = forms.BooleanField(required=False, label=_("Outside the schedule"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cats = self.fields["categories"]
        assert isinstance(cats, forms.MultipleChoiceField)
        cats.choices = [
            (
                c.name,
                f"{c.name} — {', '.join(c.list_names) or _('no list')}, {c.entries:,} "
                + str(_("entries")),
            )
            for c in Category.objects.order_by("name")
        ]
        clause = self.fields["clause"]
        assert isinstance(clause, forms.ChoiceField)
        clause.choices = clause_choices()
        schedule = self.fields["schedule"]
        assert isinstance(schedule, forms.ModelChoiceField)
        schedule.queryset = FilterSchedule.objects.filter(school__isnull=True)


class _FilterListView(ScopedListView):
    """A list of the filter's settings: staff who read the filter see it (with
    ``may_manage`` for those who change it); a ``POST`` needs a manager."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        require_reader(request)
        if request.method == "POST":
            require_manager(request)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["may_manage"] = manages_filter(self.request.user)
        return context


class ProfileListView(_FilterListView):
    """``/filter/profiles/``: every profile with what it blocks, who gets it and how many
    people and networks it covers (as the draft stands)."""

    model = FilterProfile
    template_name = "filtering/profiles_list.html"
    context_object_name = "profiles"

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().prefetch_related("rules", "assignments__school")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from openaup.filtering.services.publishing import people_profiles

        context = super().get_context_data(**kwargs)
        people = Counter(p.split("@", 1)[0] for p in people_profiles().values())
        rows = []
        for profile in context["profiles"]:
            assignments = list(profile.assignments.all())
            rows.append(
                {
                    "profile": profile,
                    "blocks": sorted(
                        {
                            c
                            for r in profile.rules.all()
                            if r.state in (RuleState.BLOCK, RuleState.LOCKED_BLOCK)
                            for c in r.categories
                        }
                    ),
                    "assignments": [a for a in assignments if a.kind != AssignmentKind.PERSON],
                    "exceptions": sum(a.kind == AssignmentKind.PERSON for a in assignments),
                    "people": people.get(profile.name, 0),
                    "networks": sum(a.kind == AssignmentKind.NETWORK for a in assignments),
                }
            )
        context["rows"] = rows
        return context


class ProfileDetailView(ScopedDetailView):
    """``/filter/profiles/<name>/``: a profile's settings, its rules (categories with their
    lists and sizes, hosts, URL prefixes, the AUP clause linked, the schedule) and who gets
    it."""

    model = FilterProfile
    slug_field = "name"
    slug_url_kwarg = "name"
    template_name = "filtering/profiles_detail.html"
    context_object_name = "profile"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        profile = self.object
        cats = {c.name: c for c in Category.objects.all()}
        links: dict[str, tuple[str, str] | None] = {}
        rules = []
        for rule in profile.rules.select_related("schedule"):
            if rule.clause not in links:
                links[rule.clause] = services.clause_link(rule.clause)
            rules.append(
                {
                    "rule": rule,
                    "categories": [(name, cats.get(name)) for name in rule.categories],
                    "clause": links[rule.clause],
                }
            )
        context["rules"] = rules
        context["assignments"] = (
            ProfileAssignment.objects.visible_to(self.request.user, "view")
            .filter(profile=profile)
            .select_related("school", "person")
        )
        context["may_manage"] = manages_filter(self.request.user)
        return context


def _profile_initial(profile: FilterProfile) -> dict[str, Any]:
    return {f: getattr(profile, f) for f in ("name", *services.PROFILE_FIELDS)}


class ProfileCreateView(SignedInView):
    """``/filter/profiles/new/``: a new profile (a draft until published)."""

    template_name = "filtering/profiles_form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        require_manager(request)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault(
            "form", ProfileForm(initial={"minor": True, "safesearch": True, "youtube": "off"})
        )
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ProfileForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                profile = services.save_profile(actor=request.user, **data)
            except ValidationError as error:
                add_form_errors(form, error)
            else:
                messages.success(request, _("The profile is saved as a draft: publish it."))
                return redirect("filtering:profile-detail", name=profile.name)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class _ManagedProfileMixin:
    """The profile in the URL, which the user must be allowed to change (404 when they
    cannot see it, 403 when they may not change it)."""

    request: Any
    kwargs: dict[str, Any]

    def profile(self) -> FilterProfile:
        profile = get_object_or_404(
            FilterProfile.objects.visible_to(self.request.user, "view"), name=self.kwargs["name"]
        )
        if not FilterProfile.objects.visible_to(self.request.user, "change").filter(pk=profile.pk):
            raise PermissionDenied("Only district administrators and technology staff may.")
        return profile


class ProfileEditView(_ManagedProfileMixin, SignedInView):
    """``/filter/profiles/<name>/edit/``: a profile's settings."""

    template_name = "filtering/profiles_form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        profile = context.setdefault("profile", self.profile())
        context.setdefault("form", ProfileForm(initial=_profile_initial(profile)))
        return context

    def post(self, request: HttpRequest, name: str) -> HttpResponse:
        profile = self.profile()
        form = ProfileForm(request.POST)
        form.fields["name"].required = False
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "name"}
            try:
                services.save_profile(actor=request.user, profile=profile, **data)
            except ValidationError as error:
                add_form_errors(form, error)
            else:
                messages.success(request, _("The profile is saved as a draft: publish it."))
                return redirect("filtering:profile-detail", name=profile.name)
        return self.render_to_response(
            self.get_context_data(profile=profile, form=form), status=400
        )


class ProfileDeleteView(_ManagedProfileMixin, SignedInView):
    """``/filter/profiles/<name>/delete/``: what deleting the profile removes, or why it
    cannot be deleted now; a POST deletes it from the draft."""

    template_name = "filtering/profiles_delete.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        profile = context.setdefault("profile", self.profile())
        context["reasons"] = services.profile_in_use(profile)
        context["rule_count"] = profile.rules.count()
        return context

    def post(self, request: HttpRequest, name: str) -> HttpResponse:
        profile = self.profile()
        try:
            services.delete_profile(actor=request.user, profile=profile)
        except ValidationError as error:
            context = self.get_context_data(profile=profile, error=" ".join(error.messages))
            return self.render_to_response(context, status=400)
        messages.success(request, _("The profile is deleted from the draft: publish it."))
        return redirect("filtering:profile-list")


class RuleEditView(_ManagedProfileMixin, SignedInView):
    """``/filter/profiles/<name>/rules/new/`` and ``.../rules/<pk>/``: one rule."""

    template_name = "filtering/profiles_rule_form.html"

    def rule(self, profile: FilterProfile) -> ProfileRule | None:
        pk = self.kwargs.get("pk")
        return None if pk is None else get_object_or_404(profile.rules, pk=pk)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        profile = context.setdefault("profile", self.profile())
        rule = context.setdefault("rule", self.rule(profile))
        if "form" not in context:
            initial: dict[str, Any] = {"state": RuleState.BLOCK}
            if rule is not None:
                initial = {
                    "name": rule.name,
                    "state": rule.state,
                    "categories": rule.categories,
                    "hosts": "\n".join(rule.hosts),
                    "urls": "\n".join(rule.urls),
                    "clause": rule.clause,
                    "schedule": rule.schedule_id,
                    "outside_schedule": rule.outside_schedule,
                }
            context["form"] = RuleForm(initial=initial)
        return context

    def post(self, request: HttpRequest, name: str, pk: int | None = None) -> HttpResponse:
        profile = self.profile()
        rule = self.rule(profile)
        form = RuleForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.save_rule(
                    actor=request.user,
                    profile=profile,
                    rule=rule,
                    name=data["name"],
                    state=data["state"],
                    categories=data["categories"],
                    hosts=_lines(data["hosts"]),
                    urls=_lines(data["urls"]),
                    clause=data["clause"],
                    schedule=data["schedule"],
                    outside_schedule=data["outside_schedule"],
                )
            except ValidationError as error:
                add_form_errors(form, error)
            else:
                messages.success(request, _("The rule is saved as a draft: publish it."))
                return redirect("filtering:profile-detail", name=profile.name)
        context = self.get_context_data(profile=profile, rule=rule, form=form)
        return self.render_to_response(context, status=400)


class RuleDeleteView(_ManagedProfileMixin, SignedInView):
    """``POST /filter/profiles/<name>/rules/<pk>/delete/``."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, name: str, pk: int) -> HttpResponse:
        profile = self.profile()
        rule = get_object_or_404(profile.rules, pk=pk)
        services.delete_rule(actor=request.user, rule=rule)
        messages.success(request, _("The rule is removed from the draft."))
        return redirect("filtering:profile-detail", name=profile.name)


# -- categories -------------------------------------------------------------------------------


class CategoryForm(forms.Form):
    tag = forms.CharField(
        max_length=32, required=False, help_text=_('Bandwidth tag, e.g. "streaming".')
    )
    clause = forms.ChoiceField(required=False, label=_("AUP clause"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        clause = self.fields["clause"]
        assert isinstance(clause, forms.ChoiceField)
        clause.choices = clause_choices()


class CategoryListView(_FilterListView):
    """``/filter/categories/``: every category with its tag, clause, lists, entries and bad
    lines (as last compiled)."""

    model = Category
    template_name = "filtering/profiles_categories.html"
    context_object_name = "categories"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        titles = {c.anchor: c.title for c in services.aup_clauses()}
        context["clauses"] = titles
        return context


class CategoryEditView(ScopedDetailView):
    """``/filter/categories/<name>/``: a category's tag and AUP clause."""

    model = Category
    slug_field = "name"
    slug_url_kwarg = "name"
    template_name = "filtering/profiles_category_form.html"
    context_object_name = "category"
    scope_action = "view"
    http_method_names = ["get", "post"]

    def get_object(self, queryset: QuerySet[Any] | None = None) -> Any:
        obj = super().get_object(queryset)
        if not Category.objects.visible_to(self.request.user, "change").filter(pk=obj.pk):
            raise PermissionDenied("Only district administrators and technology staff may.")
        return obj

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault(
            "form", CategoryForm(initial={"tag": self.object.tag, "clause": self.object.clause})
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = category = self.get_object()
        form = CategoryForm(request.POST)
        if form.is_valid():
            try:
                services.update_category(
                    actor=request.user,
                    category=category,
                    tag=form.cleaned_data["tag"],
                    clause=form.cleaned_data["clause"],
                )
            except ValidationError as error:
                add_form_errors(form, error)
            else:
                messages.success(request, _("The category is saved as a draft: publish it."))
                return redirect("filtering:category-list")
        return self.render_to_response(self.get_context_data(form=form), status=400)


# -- schedules and assignments ----------------------------------------------------------------


class ScheduleForm(forms.Form):
    name = forms.SlugField(max_length=64, help_text=_("e.g. school_hours or after_hours."))
    school = forms.ModelChoiceField(
        queryset=School.objects.filter(is_active=True),
        required=False,
        empty_label=_("The whole district"),
        help_text=_("A school's own hours replace the district's for its people and networks."),
    )
    days = forms.MultipleChoiceField(choices=DAY_CHOICES, widget=forms.CheckboxSelectMultiple)
    start = forms.TimeField(help_text=_("e.g. 07:30"))
    end = forms.TimeField(help_text=_("e.g. 15:30; before the start runs past midnight."))


class AssignmentForm(forms.Form):
    kind = forms.ChoiceField(choices=AssignmentKind.choices)
    profile = forms.ModelChoiceField(queryset=FilterProfile.objects.all())
    school = forms.ModelChoiceField(
        queryset=School.objects.filter(is_active=True),
        required=False,
        empty_label=_("Every school"),
    )
    grade_low = forms.ChoiceField(choices=GRADE_CHOICES, required=False, label=_("Lowest grade"))
    grade_high = forms.ChoiceField(choices=GRADE_CHOICES, required=False, label=_("Highest grade"))
    network = forms.CharField(max_length=64, required=False, help_text=_("e.g. 10.20.0.0/16"))
    name = forms.CharField(max_length=200, required=False, help_text=_('e.g. "Guest Wi-Fi".'))
    person = forms.CharField(
        max_length=150,
        required=False,
        label=_("Person (user name)"),
        help_text=_("For an exception: the person's user name."),
    )
    reason = forms.CharField(max_length=300, required=False)
    ends_at = forms.DateTimeField(
        required=False, label=_("Ends"), help_text=_("Optional, e.g. 2027-06-15 16:00.")
    )


class ScheduleListView(_FilterListView):
    """``/filter/schedules/``: the district's windows and each school's own hours; managers
    add or change one here."""

    model = FilterSchedule
    template_name = "filtering/profiles_schedules.html"
    context_object_name = "schedules"

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().select_related("school")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ScheduleForm())
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ScheduleForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            existing = FilterSchedule.objects.filter(name=data["name"], school=data["school"])
            try:
                services.save_schedule(actor=request.user, schedule=existing.first(), **data)
            except ValidationError as error:
                add_form_errors(form, error)
            else:
                messages.success(request, _("The schedule is saved as a draft: publish it."))
                return redirect("filtering:schedule-list")
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(form=form), status=400)


class AssignmentListView(_FilterListView):
    """``/filter/assignments/``: who gets which profile — grade bands, staff, networks and
    the person exceptions the user may see; managers add and remove rows."""

    model = ProfileAssignment
    template_name = "filtering/profiles_assignments.html"
    context_object_name = "assignments"

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().select_related("profile", "school", "person")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", AssignmentForm())
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        form = AssignmentForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            username = data.pop("person").strip()
            person = None
            if username:
                person = Person.objects.visible_to(request.user).filter(username=username).first()
                if person is None:
                    form.add_error("person", _("Nobody you may see has that user name."))
            if form.is_valid():
                try:
                    services.create_assignment(actor=request.user, person=person, **data)
                except ValidationError as error:
                    add_form_errors(form, error)
                else:
                    messages.success(request, _("Saved as a draft: publish it."))
                    return redirect("filtering:assignment-list")
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(form=form), status=400)


class AssignmentDeleteView(ScopedObjectActionView):
    """``POST /filter/assignments/<pk>/delete/``."""

    model = ProfileAssignment

    def perform(self, obj: Any) -> HttpResponse:
        services.delete_assignment(actor=self.request.user, assignment=obj)
        messages.success(self.request, _("Removed from the draft: publish it."))
        return redirect("filtering:assignment-list")


urlpatterns: list[URLPattern] = [
    path("filter/profiles/", ProfileListView.as_view(), name="profile-list"),
    path("filter/profiles/new/", ProfileCreateView.as_view(), name="profile-create"),
    path("filter/profiles/<slug:name>/", ProfileDetailView.as_view(), name="profile-detail"),
    path("filter/profiles/<slug:name>/edit/", ProfileEditView.as_view(), name="profile-edit"),
    path("filter/profiles/<slug:name>/delete/", ProfileDeleteView.as_view(), name="profile-delete"),
    path("filter/profiles/<slug:name>/rules/new/", RuleEditView.as_view(), name="rule-create"),
    path("filter/profiles/<slug:name>/rules/<int:pk>/", RuleEditView.as_view(), name="rule-edit"),
    path(
        "filter/profiles/<slug:name>/rules/<int:pk>/delete/",
        RuleDeleteView.as_view(),
        name="rule-delete",
    ),
    path("filter/categories/", CategoryListView.as_view(), name="category-list"),
    path("filter/categories/<str:name>/", CategoryEditView.as_view(), name="category-edit"),
    path("filter/schedules/", ScheduleListView.as_view(), name="schedule-list"),
    path("filter/assignments/", AssignmentListView.as_view(), name="assignment-list"),
    path(
        "filter/assignments/<int:pk>/delete/",
        AssignmentDeleteView.as_view(),
        name="assignment-delete",
    ),
]
