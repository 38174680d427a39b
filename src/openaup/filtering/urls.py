from __future__ import annotations

from openaup.filtering.views import blockpage, lists, profiles, publishing, requests

app_name = "filtering"

urlpatterns = [
    *profiles.urlpatterns,
    *publishing.urlpatterns,
    *lists.urlpatterns,
    *blockpage.urlpatterns,
    *requests.urlpatterns,
]
