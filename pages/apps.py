from django.apps import AppConfig


class PagesConfig(AppConfig):
    """The composition layer: pages that combine every app (the customer list with its
    filter, table and export; the customer's home). Nothing below imports it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "pages"
