"""Pages of the filtering app, one module per area, each with its own ``urlpatterns``."""
