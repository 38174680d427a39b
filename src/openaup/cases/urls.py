from __future__ import annotations

from django.urls import path

from openaup.cases import views

app_name = "cases"

urlpatterns = [
    path("phishing/", views.PhishingReportListView.as_view(), name="phishing-report-list"),
    path("phishing/report/", views.PhishingReportCreateView.as_view(), name="phishing-report"),
    path(
        "phishing/<int:pk>/",
        views.PhishingReportDetailView.as_view(),
        name="phishing-report-detail",
    ),
]
