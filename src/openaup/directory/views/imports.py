"""Roster imports on the web, for the technology staff: upload a OneRoster zip, see the same
preview as ``aup roster import --dry-run`` (or the list of problems), then apply or discard
it; and the list of past imports.

Only technology staff and district administrators may open these pages (everyone else gets
a 403, anonymous visitors the sign-in page). Import runs are district-wide records, so the
role check is the whole scope: whoever passes it may see every run.
"""

from __future__ import annotations

import re
import uuid
import zipfile
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openaup.accounts.access import access_for
from openaup.core.views import SignedInView
from openaup.directory.importing import ENTITIES
from openaup.directory.models import ImportRun
from openaup.directory.services import (
    UPLOAD_FOLDER,
    apply_uploaded_roster,
    discard_uploaded_roster,
    preview_uploaded_roster,
)

ENTITY_LABELS = {
    "districts": gettext_lazy("Districts"),
    "schools": gettext_lazy("Schools"),
    "sessions": gettext_lazy("School years and terms"),
    "people": gettext_lazy("People"),
    "roles": gettext_lazy("Roles"),
    "courses": gettext_lazy("Courses"),
    "sections": gettext_lazy("Sections"),
    "enrollments": gettext_lazy("Enrollments"),
    "guardian_links": gettext_lazy("Guardian links"),
}
RECENT_RUNS = 50


class TechStaffView(SignedInView):
    """A page for technology staff and district administrators only."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated:
            access = access_for(request.user)
            if not (access.is_tech_staff or access.is_district_admin):
                raise PermissionDenied(_("Only the technology staff can import rosters."))
        return super().dispatch(request, *args, **kwargs)

    def runs(self) -> QuerySet[ImportRun]:
        return ImportRun.objects.select_related("actor")


class UploadForm(forms.Form):
    package = forms.FileField(
        label=gettext_lazy("OneRoster package (.zip)"),
        help_text=gettext_lazy(
            "A zip of the CSV files your student information system exports, with "
            "manifest.csv at its root. OneRoster 1.1 and 1.2 are both read."
        ),
        widget=forms.ClearableFileInput(attrs={"class": "usa-file-input", "accept": ".zip"}),
    )

    def clean_package(self) -> Any:
        package = self.cleaned_data["package"]
        limit = settings.OPENAUP_UPLOAD_MAX_BYTES
        if package.size > limit:
            raise forms.ValidationError(
                _("The file is %(size)s; uploads may be at most %(limit)s.")
                % {"size": filesizeformat(package.size), "limit": filesizeformat(limit)}
            )
        if not zipfile.is_zipfile(package):
            raise forms.ValidationError(_("This is not a zip file."))
        package.seek(0)
        return package


def _store(upload: Any) -> Path:
    """Keep an uploaded package under the data dir until it is applied or discarded."""
    folder = Path(settings.DATA_DIR) / UPLOAD_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    stored = folder / f"{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:12]}.zip"
    with stored.open("wb") as target:
        for chunk in upload.chunks():
            target.write(chunk)
    return stored


def _display_name(name: str) -> str:
    base = Path(name.replace("\\", "/")).name
    return re.sub(r"[^\w.\- ]+", "_", base)[:200] or "roster.zip"


class ImportListView(TechStaffView):
    """The upload form and the past imports."""

    template_name = "directory/import_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", UploadForm())
        context["runs"] = self.runs()[:RECENT_RUNS]
        context["max_upload"] = settings.OPENAUP_UPLOAD_MAX_BYTES
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        upload = form.cleaned_data["package"]
        stored = _store(upload)
        report = preview_uploaded_roster(
            actor=request.user, stored=stored, source_name=_display_name(upload.name)
        )
        return redirect("directory:import-detail", pk=report.run.pk)


class ImportDetailView(TechStaffView):
    """One import: its preview or result, or its problems; Apply and Discard while it
    waits."""

    template_name = "directory/import_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        run = get_object_or_404(self.runs(), pk=kwargs["pk"])
        summary = run.summary or {}
        counts = summary.get("counts") or {}
        samples = summary.get("samples") or {}
        context["run"] = run
        context["waiting"] = run.status == ImportRun.Status.PREVIEWED and bool(run.upload)
        context["modes"] = [
            (name, mode) for name, mode in (summary.get("modes") or {}).items() if mode != "absent"
        ]
        context["rows"] = [
            {"label": ENTITY_LABELS[entity], **counts[entity]}
            for entity in ENTITIES
            if entity in counts
        ]
        context["samples"] = [
            {
                "label": ENTITY_LABELS[entity],
                "kinds": [
                    (kind, samples[entity][kind], counts.get(entity, {}).get(kind, 0))
                    for kind in ("added", "changed", "departed")
                    if samples[entity].get(kind)
                ],
            }
            for entity in ENTITIES
            if samples.get(entity)
        ]
        return context


class ImportApplyView(TechStaffView):
    """Apply a previewed upload (POST only)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        run = get_object_or_404(self.runs(), pk=kwargs["pk"])
        if run.status != ImportRun.Status.PREVIEWED or not run.upload:
            messages.error(request, _("This import is no longer waiting to be applied."))
            return redirect("directory:import-detail", pk=run.pk)
        report = apply_uploaded_roster(actor=request.user, run=run)
        if report.ok:
            messages.success(request, _("The roster was imported."))
        else:
            messages.error(request, _("The roster was not imported; nothing was changed."))
        return redirect("directory:import-detail", pk=run.pk)


class ImportDiscardView(TechStaffView):
    """Discard a previewed upload (POST only)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        run = get_object_or_404(self.runs(), pk=kwargs["pk"])
        if run.status == ImportRun.Status.PREVIEWED:
            discard_uploaded_roster(actor=request.user, run=run)
            messages.info(request, _("The upload was discarded; nothing was changed."))
        return redirect("directory:import-list")
