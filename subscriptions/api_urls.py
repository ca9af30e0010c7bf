"""/api/v1/ endpoints of the subscriptions app."""

urlpatterns: list = []
