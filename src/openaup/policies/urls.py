from __future__ import annotations

from openaup.policies.views import campaigns, dashboards, documents, signing

app_name = "policies"

urlpatterns = [
    *documents.urlpatterns,
    *campaigns.urlpatterns,
    *signing.urlpatterns,
    *dashboards.urlpatterns,
]
