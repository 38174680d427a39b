"""Pages of the policies app, one module per area; each module ends with its own
``urlpatterns``, which :mod:`openaup.policies.urls` puts together."""
