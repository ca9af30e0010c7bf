"""/api/v1/ endpoints of the trials app."""

urlpatterns: list = []
