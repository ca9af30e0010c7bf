"""Pages of the subscriptions app."""

urlpatterns: list = []
