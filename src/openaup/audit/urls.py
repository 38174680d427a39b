from __future__ import annotations

from django.urls import path

from openaup.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.AuditTrailView.as_view(), name="event-list"),
    path("<int:pk>/", views.AuditEventDetailView.as_view(), name="event-detail"),
    path("access/", views.AccessReportView.as_view(), name="access-report"),
]
