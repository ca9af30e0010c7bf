"""Pages of the usage app."""

urlpatterns: list = []
