from __future__ import annotations

from django.urls import path

from openaup.access import views

app_name = "access"

urlpatterns = [
    path("grants/", views.AccessGrantListView.as_view(), name="grant-list"),
    path("grants/new/", views.AccessGrantCreateView.as_view(), name="grant-create"),
    path("grants/<int:pk>/", views.AccessGrantDetailView.as_view(), name="grant-detail"),
    path("grants/<int:pk>/extend/", views.AccessGrantExtendView.as_view(), name="grant-extend"),
    path("grants/<int:pk>/revoke/", views.AccessGrantRevokeView.as_view(), name="grant-revoke"),
    path("guardians/", views.MyGuardiansView.as_view(), name="my-guardians"),
    path(
        "guardians/<int:pk>/give/",
        views.GuardianConsentView.as_view(give=True),
        name="guardian-access-give",
    ),
    path(
        "guardians/<int:pk>/withdraw/",
        views.GuardianConsentView.as_view(give=False),
        name="guardian-access-withdraw",
    ),
]
