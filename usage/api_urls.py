"""/api/v1/ endpoints of the usage app."""

urlpatterns: list = []
