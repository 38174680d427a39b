"""Pages: policy documents. Anyone reads published versions (with a table of contents, the
languages and the SHA-256); district administrators and technology staff also see drafts and
write, translate, publish and retire versions. Thin: the services decide and record."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import get_language_info

from openaup.core.views import (
    PublicView,
    ScopedDetailView,
    ScopedObjectActionView,
    SignedInView,
    add_form_errors,
)
from openaup.directory.choices import Grade
from openaup.policies.choices import Audience, VersionStatus
from openaup.policies.diff import diff_texts
from openaup.policies.models import Policy, PolicyText, PolicyVersion
from openaup.policies.rendering import Rendered, render_markdown, text_sha256
from openaup.policies.services import documents

BAND_GRADES = [("", "—"), *[(g.value, g.label) for g in Grade if g not in (Grade.UG, Grade.OTHER)]]


def language_name(code: str) -> str:
    """``es`` -> ``español``; a code Django does not know is shown as it is."""
    try:
        return str(get_language_info(code)["name_local"])
    except KeyError:
        try:
            return str(get_language_info(code.split("-")[0])["name_local"]) + f" ({code})"
        except KeyError:
            return code


def _versions(user: Any) -> QuerySet[PolicyVersion]:
    return PolicyVersion.objects.visible_to(user, "view").select_related("policy")


def _version(request: HttpRequest, slug: str, pk: int) -> PolicyVersion:
    versions = _versions(request.user).prefetch_related("texts")
    return get_object_or_404(versions, policy__slug=slug, pk=pk)


def _require_writer(request: HttpRequest) -> None:
    if request.user.is_authenticated and not documents.may_write_policies(request.user):
        raise PermissionDenied(
            "Only district administrators and technology staff write policy documents."
        )


class PolicyForm(forms.Form):
    title = forms.CharField(max_length=200)
    slug = forms.SlugField(
        max_length=80,
        label="Address",
        help_text="Lowercase letters, digits and hyphens: /policies/<address>/.",
    )
    description = forms.CharField(required=False, widget=forms.Textarea)
    review_due_on = forms.DateField(
        required=False, label="Next annual review", help_text="For example 2027-06-01."
    )


class VersionForm(forms.Form):
    label = forms.CharField(max_length=64, help_text="For example 2027-28.")
    audience = forms.ChoiceField(choices=Audience.choices)
    grade_low = forms.ChoiceField(
        choices=BAND_GRADES, required=False, label="Lowest grade (student-friendly only)"
    )
    grade_high = forms.ChoiceField(
        choices=BAND_GRADES, required=False, label="Highest grade (student-friendly only)"
    )
    summary = forms.CharField(
        required=False, widget=forms.Textarea, label="What changed since the last version"
    )
    from_version = forms.ModelChoiceField(
        queryset=PolicyVersion.objects.none(),
        required=False,
        label="Start from",
        empty_label="An empty version",
        help_text="Copies that version's texts in every language.",
    )

    def __init__(self, *args: Any, versions: QuerySet[PolicyVersion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["from_version"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = versions


class TextForm(forms.Form):
    language = forms.CharField(
        max_length=16, help_text="A language code such as es, vi or zh-hans."
    )
    title = forms.CharField(max_length=300)
    body = forms.CharField(
        widget=forms.Textarea,
        label="Text (Markdown)",
        help_text="Headings start with #, ## or ###; each heading becomes an anchor.",
        strip=False,
    )


class ReviewDateForm(forms.Form):
    review_due_on = forms.DateField(label="Next annual review")


class PolicyListView(PublicView):
    """``/policies/``: the published policies and their versions (drafts too for those who
    write them)."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest) -> HttpResponse:
        versions = _versions(request.user).order_by(
            "policy__title", "audience", "grade_low", "-published_at", "-created_at"
        )
        writer = request.user.is_authenticated and documents.may_write_policies(request.user)
        by_policy: dict[int, dict[str, Any]] = {}
        if writer:
            for policy in Policy.objects.visible_to(request.user, "view"):
                by_policy[policy.pk] = {"policy": policy, "versions": []}
        for version in versions:
            entry = by_policy.setdefault(
                version.policy_id, {"policy": version.policy, "versions": []}
            )
            entry["versions"].append(version)
        policies = sorted(by_policy.values(), key=lambda e: e["policy"].title)
        return render(
            request,
            "policies/documents/policy_list.html",
            {"policies": policies, "may_write": writer},
        )


class PolicyDetailView(PublicView):
    """``/policies/<slug>/``: a policy's versions by audience; with ``?audience=`` (and
    ``&grade=`` for students) the newest published version for that audience."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        policy = get_object_or_404(Policy.objects.visible_to(request.user, "view"), slug=slug)
        versions = list(
            _versions(request.user).filter(policy=policy).order_by("-published_at", "-created_at")
        )
        audience = request.GET.get("audience", "")
        if audience:
            newest = _newest_for(versions, audience, request.GET.get("grade", ""))
            if newest is None:
                raise Http404("No published version for that audience.")
            url = reverse("policies:version-detail", kwargs={"slug": slug, "pk": newest.pk})
            lang = request.GET.get("lang", "")
            return HttpResponseRedirect(f"{url}?lang={lang}" if lang else url)
        writer = request.user.is_authenticated and documents.may_write_policies(request.user)
        if not versions and not writer:
            raise Http404("This policy has no published version.")
        current = [v for v in versions if v.status == VersionStatus.PUBLISHED]
        return render(
            request,
            "policies/documents/policy_detail.html",
            {
                "policy": policy,
                "versions": versions,
                "current": current,
                "may_write": writer,
                "review_form": ReviewDateForm(initial={"review_due_on": policy.review_due_on}),
            },
        )


def _newest_for(versions: list[PolicyVersion], audience: str, grade: str) -> PolicyVersion | None:
    order = [g.value for g in Grade]
    for version in versions:
        if version.status != VersionStatus.PUBLISHED or version.audience != audience:
            continue
        if audience != Audience.STUDENTS or not grade:
            return version
        if grade in order and version.grade_low in order:
            high = version.grade_high or version.grade_low
            if order.index(version.grade_low) <= order.index(grade) <= order.index(high):
                return version
    return None


class VersionDetailView(PublicView):
    """``/policies/<slug>/<pk>/?lang=es``: one version in one language, with its table of
    contents (the sections' anchors), the languages it is written in, its audience, status,
    SHA-256 and the policy's review date."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        version = _version(request, slug, pk)
        primary = version.primary_language
        texts = sorted(version.texts.all(), key=lambda t: (t.language != primary, t.language))
        text: PolicyText | None
        try:
            text = documents.text_for(version, request.GET.get("lang", ""))
        except PolicyText.DoesNotExist:
            text = None
        rendered = render_markdown(text.body) if text else None
        body_html = ""
        if text is not None and rendered is not None:
            body_html = text.body_html if version.is_frozen and text.body_html else rendered.html
            body_html = _without_title(body_html, rendered, text.title)
        writer = request.user.is_authenticated and documents.may_write_policies(request.user)
        base = reverse("policies:version-detail", kwargs={"slug": slug, "pk": pk})
        languages = [
            {
                "code": t.language,
                "name": language_name(t.language),
                "url": f"{base}?lang={t.language}",
                "current": text is not None and t.pk == text.pk,
                "sha256": t.sha256 or text_sha256(t.body),
            }
            for t in texts
        ]
        return render(
            request,
            "policies/documents/version_detail.html",
            {
                "policy": version.policy,
                "version": version,
                "text": text,
                "body_html": body_html,
                "sections": rendered.sections if rendered else (),
                "languages": languages,
                "text_sha256": (text.sha256 or text_sha256(text.body)) if text else "",
                "may_write": writer,
                "other_versions": _versions(request.user)
                .filter(policy=version.policy)
                .exclude(pk=version.pk)
                .order_by("-published_at", "-created_at"),
            },
        )


def _without_title(html: str, rendered: Rendered, title: str) -> str:
    """The text's HTML without its opening level-1 heading when that repeats the title (the
    page shows the title as its own heading)."""
    if not rendered.sections or rendered.sections[0].level != 1:
        return html
    first = rendered.sections[0]
    match = re.match(rf'\s*<h1 id="{re.escape(first.anchor)}">.*?</h1>\s*', html, re.DOTALL)
    if match is None or first.title.strip() != title.strip():
        return html
    return html[match.end() :]


class PolicyCreateView(SignedInView):
    """``/policies/new/``: a new policy document."""

    template_name = "policies/documents/policy_form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        _require_writer(request)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", PolicyForm())
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        form = PolicyForm(request.POST)
        if form.is_valid():
            try:
                policy = documents.create_policy(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_form_errors(form, error)
            else:
                messages.success(request, "The policy is created. Add its first version.")
                return redirect("policies:version-create", slug=policy.slug)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class VersionCreateView(SignedInView):
    """``/policies/<slug>/versions/new/``: a new draft version, optionally copied from an
    earlier one."""

    template_name = "policies/documents/version_form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        _require_writer(request)
        return super().dispatch(request, *args, **kwargs)

    def policy(self) -> Policy:
        return get_object_or_404(
            Policy.objects.visible_to(self.request.user, "change"), slug=self.kwargs["slug"]
        )

    def form(self, policy: Policy, data: Any = None) -> VersionForm:
        versions = _versions(self.request.user).filter(policy=policy).order_by("-created_at")
        initial = {}
        start = self.request.GET.get("from", "")
        if start.isdigit():
            initial["from_version"] = start
        return VersionForm(data, versions=versions, initial=initial)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        policy = context.setdefault("policy", self.policy())
        context.setdefault("form", self.form(policy))
        return context

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        policy = self.policy()
        form = self.form(policy, request.POST)
        if form.is_valid():
            try:
                version = documents.create_version(
                    actor=request.user, policy=policy, **form.cleaned_data
                )
            except ValidationError as error:
                add_form_errors(form, error)
            else:
                messages.success(request, "The draft is created.")
                return redirect("policies:version-detail", slug=slug, pk=version.pk)
        context = self.get_context_data(policy=policy, form=form)
        return self.render_to_response(context, status=400)


class _ChangeVersionMixin:
    """A version of the policy in the URL, which the user must be allowed to change (404
    when they cannot see it, 403 when they can but may not change it)."""

    model = PolicyVersion
    context_object_name: str | None = "version"
    kwargs: dict[str, Any]
    request: Any

    def get_queryset(self) -> QuerySet[Any]:
        queryset: QuerySet[Any] = super().get_queryset()  # type: ignore[misc]
        return queryset.filter(policy__slug=self.kwargs["slug"]).select_related("policy")

    def get_object(self, queryset: QuerySet[Any] | None = None) -> Any:
        obj = super().get_object(queryset)  # type: ignore[misc]
        changeable = PolicyVersion.objects.visible_to(self.request.user, "change")
        if not changeable.filter(pk=obj.pk).exists():
            raise PermissionDenied("Only district administrators and technology staff may.")
        return obj


class TextEditView(_ChangeVersionMixin, ScopedDetailView):
    """``/policies/<slug>/<pk>/texts/<language>/`` (edit) and ``.../texts/`` (add a
    translation): a draft's text in one language, with a preview."""

    template_name = "policies/documents/text_form.html"
    http_method_names = ["get", "post"]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        version = self.object
        language = self.kwargs.get("language", "")
        existing = version.texts.filter(language=language).first() if language else None
        if language and existing is None:
            raise Http404("This version has no text in that language.")
        if "form" not in context:
            initial: dict[str, Any] = {"language": language}
            if existing is not None:
                initial.update(title=existing.title, body=existing.body)
            elif version.texts.exists():
                primary = documents.text_for(version, version.primary_language)
                initial.update(title=primary.title, body=primary.body)
            context["form"] = TextForm(initial=initial)
        context["policy"] = version.policy
        context["language"] = language
        context["language_name"] = language_name(language) if language else ""
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        if self.object.is_frozen:
            messages.error(request, "This version is frozen: draft a new version to change it.")
            return redirect("policies:version-detail", slug=self.kwargs["slug"], pk=self.object.pk)
        return self.render_to_response(self.get_context_data())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = version = self.get_object()
        data = request.POST.copy()
        if self.kwargs.get("language"):
            data["language"] = self.kwargs["language"]
        form = TextForm(data)
        preview = None
        if form.is_valid():
            cleaned = form.cleaned_data
            if "preview" in request.POST:
                preview = render_markdown(cleaned["body"])
            else:
                try:
                    text = documents.save_text(actor=request.user, version=version, **cleaned)
                except ValidationError as error:
                    add_form_errors(form, error)
                else:
                    messages.success(request, f"The {language_name(text.language)} text is saved.")
                    url = reverse(
                        "policies:version-detail",
                        kwargs={"slug": version.policy.slug, "pk": version.pk},
                    )
                    return HttpResponseRedirect(f"{url}?lang={text.language}")
        context = self.get_context_data(form=form, preview=preview)
        return self.render_to_response(context, status=200 if preview else 400)


class VersionPublishView(_ChangeVersionMixin, ScopedDetailView):
    """``/policies/<slug>/<pk>/publish/``: a confirmation page showing the SHA-256 the
    version will be known by; the POST publishes."""

    template_name = "policies/documents/publish_confirm.html"
    http_method_names = ["get", "post"]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        version = self.object
        context["policy"] = version.policy
        context["texts"] = [
            {"text": t, "name": language_name(t.language), "sha256": text_sha256(t.body)}
            for t in version.texts.all()
        ]
        context["version_sha256"] = next(
            (
                t["sha256"]
                for t in context["texts"]
                if t["text"].language == version.primary_language
            ),
            "",
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = version = self.get_object()
        try:
            documents.publish_version(actor=request.user, version=version)
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
            return self.render_to_response(self.get_context_data(), status=400)
        messages.success(request, "The version is published.")
        return redirect("policies:version-detail", slug=version.policy.slug, pk=version.pk)


class VersionRetireView(ScopedObjectActionView):
    """``POST /policies/<slug>/<pk>/retire/``: the version can no longer be signed."""

    model = PolicyVersion

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().filter(policy__slug=self.kwargs["slug"])

    def perform(self, obj: Any) -> HttpResponse:
        try:
            documents.retire_version(actor=self.request.user, version=obj)
        except ValidationError as error:
            for text in error.messages:
                messages.error(self.request, text)
        else:
            messages.success(self.request, "The version is retired: it can no longer be signed.")
        return redirect("policies:version-detail", slug=self.kwargs["slug"], pk=obj.pk)


class ReviewDateView(ScopedObjectActionView):
    """``POST /policies/<slug>/review-date/``: the policy's next annual review."""

    model = Policy
    slug_url_kwarg = "slug"

    def perform(self, obj: Any) -> HttpResponse:
        form = ReviewDateForm(self.request.POST)
        if not form.is_valid():
            messages.error(self.request, "Give the review date as a date, such as 2027-06-01.")
        else:
            documents.set_review_date(
                actor=self.request.user,
                policy=obj,
                review_due_on=form.cleaned_data["review_due_on"],
            )
            messages.success(self.request, "The review date is set.")
        return redirect("policies:policy-detail", slug=obj.slug)


class PolicyDiffView(PublicView):
    """``/policies/<slug>/diff/?from=<pk>&to=<pk>&lang=en``: what changed between two
    versions of a policy in one language, by section."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        policy = get_object_or_404(Policy.objects.visible_to(request.user, "view"), slug=slug)
        versions = list(
            _versions(request.user)
            .filter(policy=policy)
            .prefetch_related("texts")
            .order_by("-published_at", "-created_at")
        )
        by_pk = {str(v.pk): v for v in versions}
        errors = []
        new = by_pk.get(request.GET.get("to", ""))
        old = by_pk.get(request.GET.get("from", ""))
        if "to" in request.GET and new is None:
            errors.append("The version to compare to is not a version of this policy.")
        if "from" in request.GET and old is None:
            errors.append("The version to compare from is not a version of this policy.")
        if new is None and not errors and versions:
            new = versions[0]
        if old is None and not errors and new is not None:
            old = (
                new.previous
                if new.previous_id and str(new.previous_id) in by_pk
                else next((v for v in versions if v.pk != new.pk), None)
            )
        language = request.GET.get("lang", "") or (new.primary_language if new else "en")
        result = old_text = new_text = None
        if old is not None and new is not None and not errors:
            try:
                old_text = documents.text_for(old, language)
                new_text = documents.text_for(new, language)
            except PolicyText.DoesNotExist:
                errors.append("One of the versions has no text yet.")
            else:
                result = diff_texts(old_text.body, new_text.body)
        languages = sorted({t.language for v in (old, new) if v for t in v.texts.all()})
        return render(
            request,
            "policies/documents/diff.html",
            {
                "policy": policy,
                "versions": versions,
                "old": old,
                "new": new,
                "old_text": old_text,
                "new_text": new_text,
                "language": language,
                "languages": [(code, language_name(code)) for code in languages],
                "diff": result,
                "errors": errors,
            },
            status=400 if errors else 200,
        )


urlpatterns: list[URLPattern] = [
    path("policies/", PolicyListView.as_view(), name="policy-list"),
    path("policies/new/", PolicyCreateView.as_view(), name="policy-create"),
    path("policies/<slug:slug>/", PolicyDetailView.as_view(), name="policy-detail"),
    path("policies/<slug:slug>/diff/", PolicyDiffView.as_view(), name="policy-diff"),
    path("policies/<slug:slug>/review-date/", ReviewDateView.as_view(), name="policy-review-date"),
    path("policies/<slug:slug>/versions/new/", VersionCreateView.as_view(), name="version-create"),
    path("policies/<slug:slug>/<int:pk>/", VersionDetailView.as_view(), name="version-detail"),
    path("policies/<slug:slug>/<int:pk>/texts/", TextEditView.as_view(), name="text-add"),
    path(
        "policies/<slug:slug>/<int:pk>/texts/<str:language>/",
        TextEditView.as_view(),
        name="text-edit",
    ),
    path(
        "policies/<slug:slug>/<int:pk>/publish/",
        VersionPublishView.as_view(),
        name="version-publish",
    ),
    path(
        "policies/<slug:slug>/<int:pk>/retire/", VersionRetireView.as_view(), name="version-retire"
    ),
]
