"""Pages: the block page (``/blocked?t=<token>``), public, in English and Spanish.

The Squid helpers send a blocked browser here with a signed token carrying the decision
(:mod:`openaup.engine.blocktoken`). With a valid token the page says what was blocked, the
category, the profile and rule in plain words, the AUP clause the rule enforces (linked to
the published policy), when, and offers a review request. A missing, changed, made-up or
expired token gets a page that shows none of its contents (status 400). A review request
needs no sign-in: it is tied to the token's proxy user or client address.
"""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from openaup.accounts.forms import uswds
from openaup.core.middleware import client_ip
from openaup.core.views import PublicView
from openaup.filtering.models import Category, FilterProfile
from openaup.filtering.services.requests import (
    create_unblock_request,
    is_locked,
    verify_block_token,
)

__all__ = ["BlockPageView", "clause_link", "rule_words", "urlpatterns"]

#: The published policy whose sections the filter's clauses name.
AUP_POLICY_SLUG = "acceptable-use"


class ReviewRequestForm(forms.Form):
    message = forms.CharField(
        label=gettext_lazy("Why do you need this site?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=gettext_lazy("For example, the class or the assignment it is for."),
    )
    contact = forms.EmailField(
        label=gettext_lazy("Your email address (optional)"),
        required=False,
        help_text=gettext_lazy("We tell you the answer there, as well as in your requests."),
    )


def _language(request: HttpRequest) -> str:
    languages = dict(settings.LANGUAGES)
    asked = (request.GET.get("lang") or request.POST.get("lang") or "").lower()[:2]
    if asked in languages:
        return asked
    browser = translation.get_language_from_request(request).split("-")[0]
    return browser if browser in languages else settings.LANGUAGE_CODE


def rule_words(rule: str, reason: str) -> str:
    """A rule state (or the engine's reason code) in plain words."""
    words = {
        "locked_block": _("always blocked, cannot be overridden"),
        "block": _("block"),
        "default": _("the profile blocks what it does not list"),
        "fail_closed": _("blocked because the filter could not decide"),
    }
    if reason == "override":
        return _("blocked for a lesson by a teacher or the school")
    return words.get(rule, rule or _("block"))


def _category_words(name: str) -> str:
    if not name:
        return ""
    category = Category.objects.filter(name=name).only("title").first()
    if category is not None and category.title:
        return category.title
    return name.replace("_", " ").replace("-", " ").capitalize()


def _profile_words(name: str) -> str:
    # A school's own variant of a profile (``middle@<school>``) reads as the profile.
    profile = FilterProfile.objects.filter(name=name.split("@")[0]).only("title").first()
    return profile.title if profile is not None and profile.title else name


def clause_link(clause: str, language: str) -> dict[str, str] | None:
    """The AUP section a clause names (its heading text or anchor): title and address in
    the published policy, or None."""
    if not clause:
        return None
    from openaup.policies.rendering import slugify_heading
    from openaup.policies.services.documents import clause_url, find_section

    anchor = slugify_heading(clause)
    found = find_section(AUP_POLICY_SLUG, anchor, language=language)
    if found is None:
        found = find_section(AUP_POLICY_SLUG, anchor)
    if found is None:
        return None
    version, text, section = found
    return {
        "title": section.title,
        "url": clause_url(version, section.anchor, language=text.language),
    }


@method_decorator(never_cache, name="dispatch")
class BlockPageView(PublicView):
    """``GET /blocked?t=``: the explanation; ``POST``: a review request for it."""

    def _render(
        self, request: HttpRequest, facts: dict[str, str] | None, form: Any, language: str
    ) -> HttpResponse:
        token = request.GET.get("t") or request.POST.get("t") or ""
        languages = [
            {
                "code": code,
                "name": {"en": "English", "es": "Español"}.get(code, name),
                "href": f"{request.path}?{urlencode({'t': token, 'lang': code})}"
                if facts
                else f"{request.path}?{urlencode({'lang': code})}",
                "current": code == language,
            }
            for code, name in settings.LANGUAGES
        ]
        if facts is None:
            return render(
                request, "filtering/blocked_invalid.html", {"languages": languages}, status=400
            )
        issued = datetime.datetime.fromtimestamp(int(facts["issued"]), tz=datetime.UTC)
        context = {
            "languages": languages,
            "language": language,
            "token": token,
            "facts": facts,
            "category": _category_words(facts["category"]),
            "profile": _profile_words(facts["profile"]),
            "rule": rule_words(facts["rule"], facts["reason"]),
            "locked": is_locked(facts["rule"]),
            "clause": clause_link(facts["clause"], language),
            "when": timezone.localtime(issued),
            "form": uswds(form),
        }
        return render(request, "filtering/blocked.html", context)

    def get(self, request: HttpRequest) -> HttpResponse:
        language = _language(request)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            facts = verify_block_token(request.GET.get("t", ""))
            return self._render(request, facts, ReviewRequestForm(), language)

    def post(self, request: HttpRequest) -> HttpResponse:
        language = _language(request)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            facts = verify_block_token(request.POST.get("t", ""))
            form = ReviewRequestForm(request.POST)
            if facts is None or not form.is_valid():
                return self._render(request, facts, form, language)
            try:
                unblock_request = create_unblock_request(
                    actor=request.user if request.user.is_authenticated else None,
                    facts=facts,
                    message=form.cleaned_data["message"],
                    contact=form.cleaned_data["contact"],
                    language=language,
                    client_ip=client_ip(request),
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(None if field == "__all__" else field, errors)
                response = self._render(request, facts, form, language)
                codes = {e.code for errors in exc.error_dict.values() for e in errors}
                if "rate_limited" in codes:
                    response.status_code = 429
                return response
            return render(
                request,
                "filtering/blocked_sent.html",
                {"unblock_request": unblock_request, "facts": facts},
            )


urlpatterns: list[URLPattern] = [
    path("blocked", BlockPageView.as_view(), name="blocked"),
]
