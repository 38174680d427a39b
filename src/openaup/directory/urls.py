from __future__ import annotations

from django.urls import path

from openaup.directory import views

app_name = "directory"

urlpatterns = [
    path("people/", views.PersonListView.as_view(), name="person-list"),
    path("people/<int:pk>/", views.PersonDetailView.as_view(), name="person-detail"),
]
