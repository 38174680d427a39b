from __future__ import annotations

from django.urls import path

from openaup.directory.views import people

app_name = "directory"

urlpatterns = [
    path("people/", people.PersonListView.as_view(), name="person-list"),
    path("people/<int:pk>/", people.PersonDetailView.as_view(), name="person-detail"),
]
