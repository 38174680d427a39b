"""Reporting phishing: the form every staff member can reach, the confirmation, and the list
the technology staff work from."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import FormView

from openaup.accounts.forms import uswds
from openaup.cases import services
from openaup.cases.access import may_read_all_reports, may_report_phishing
from openaup.cases.forms import PhishingReportForm
from openaup.cases.models import PhishingReport
from openaup.core.views import ScopedDetailView, ScopedListView, SignedInView

__all__ = ["PhishingReportCreateView", "PhishingReportDetailView", "PhishingReportListView"]


class PhishingReportCreateView(SignedInView, FormView):
    """Report a suspicious message to the technology staff (staff roles only)."""

    template_name = "cases/phishing_report_form.html"
    form_class = PhishingReportForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not may_report_phishing(request.user):
            raise PermissionDenied("Phishing reports are for district staff.")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["form"] = uswds(context["form"])
        return context

    def get_initial(self) -> dict[str, Any]:
        return {"received_at": timezone.localtime().replace(second=0, microsecond=0)}

    def form_valid(self, form: PhishingReportForm) -> HttpResponse:
        report = services.report_phishing(actor=self.request.user, **form.cleaned_data)
        messages.success(
            self.request, _("Thank you. Your report has gone to the technology staff.")
        )
        return redirect("cases:phishing-report-detail", pk=report.pk)


class PhishingReportDetailView(ScopedDetailView):
    """One report: its reporter sees it as a confirmation, technology staff as a case."""

    model = PhishingReport
    template_name = "cases/phishing_report_detail.html"
    context_object_name = "report"

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("reported_by", "reported_by__person")


class PhishingReportListView(ScopedListView):
    """Every phishing report, newest first, for technology staff and district
    administrators."""

    model = PhishingReport
    template_name = "cases/phishing_report_list.html"
    context_object_name = "reports"
    paginate_by = 50

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not may_read_all_reports(request.user):
            raise PermissionDenied("The list of reports is for the technology staff.")
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("reported_by", "reported_by__person")
