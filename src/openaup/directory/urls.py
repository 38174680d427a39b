from __future__ import annotations

from django.urls import path

from openaup.directory.views import imports, people

app_name = "directory"

urlpatterns = [
    path("people/", people.PersonListView.as_view(), name="person-list"),
    path("people/export.csv", people.PersonExportView.as_view(), name="person-export"),
    path("people/<int:pk>/", people.PersonDetailView.as_view(), name="person-detail"),
    path("people/<int:pk>/depart/", people.PersonDepartView.as_view(), name="person-depart"),
    path(
        "guardian-links/<int:pk>/rights/",
        people.GuardianRightsView.as_view(),
        name="guardian-link-rights",
    ),
    path("imports/", imports.ImportListView.as_view(), name="import-list"),
    path("imports/<int:pk>/", imports.ImportDetailView.as_view(), name="import-detail"),
    path("imports/<int:pk>/apply/", imports.ImportApplyView.as_view(), name="import-apply"),
    path("imports/<int:pk>/discard/", imports.ImportDiscardView.as_view(), name="import-discard"),
]
