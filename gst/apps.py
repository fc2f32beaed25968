from django.apps import AppConfig


class GstConfig(AppConfig):
    """GST (issue 19): tax masters and rates, tax on invoices, GSTR-1, GSTR-3B and the tax
    invoice. Company registrations and GSTIN checks sit lower (companies, core.gst)."""

    name = "gst"
    default_auto_field = "django.db.models.BigAutoField"
