"""Pages of the directory: the people list and a person's page."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from openaup.core.views import ScopedDetailView, ScopedListView
from openaup.directory.filters import PersonFilter
from openaup.directory.models import Person


class PersonListView(ScopedListView):
    """Everyone the signed-in user may see, with search and filters."""

    model = Person
    template_name = "directory/person_list.html"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset().select_related("school")
        self.filterset = PersonFilter(self.request.GET or None, queryset=queryset)
        return self.filterset.qs if self.filterset.is_bound else queryset

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        return context


class PersonDetailView(ScopedDetailView):
    """One person: roles, sections, guardians or children."""

    model = Person
    template_name = "directory/person_detail.html"
    context_object_name = "person"

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().select_related("school")
