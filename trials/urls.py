"""Pages of the trials app."""

urlpatterns: list = []
