from __future__ import annotations

from django.urls import path

from openaup.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("monitoring/", views.ReportView.as_view(), name="report"),
    path("monitoring/students/", views.StudentSearchView.as_view(), name="student-search"),
    path("monitoring/students/<int:pk>/", views.TimelineView.as_view(), name="timeline"),
    path("monitoring/ip/", views.IpLookupView.as_view(), name="ip-lookup"),
    path("monitoring/counselors/", views.CounselorListView.as_view(), name="counselor-list"),
    path(
        "monitoring/counselors/<int:pk>/revoke/",
        views.CounselorRevokeView.as_view(),
        name="counselor-revoke",
    ),
    path("monitoring/monthly/", views.MonthlyCountListView.as_view(), name="monthly"),
]
