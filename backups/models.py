"""The Exceptions list: rows `repair_books` moved out of the books because they could not be
read rightly (Tally's "Data Exceptions", GnuCash's orphan list), kept whole so nothing is lost."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class DataException(models.Model):
    """One broken row, moved: what it was (kind and id in its own table), the check that found
    it, what was wrong, and the row itself (a voucher with its entries) as JSON. Reports read
    the books' tables only, so a moved row is in none of them."""

    # Null for a row no company owns any more (its owner's rows are gone too).
    company = models.ForeignKey(
        "companies.Company", null=True, on_delete=models.CASCADE, related_name="+"
    )
    object_type = models.CharField(max_length=20)  # "voucher", "entry"
    object_id = models.BigIntegerField()
    check_id = models.CharField(max_length=4)  # "V01", "M01"
    message = models.TextField()
    content = models.JSONField(encoder=DjangoJSONEncoder)
    moved_at = models.DateTimeField()
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["company_id", "-moved_at", "id"]
        constraints = [
            # A row is moved once: a second repair finds it gone from its table. Per company:
            # a copy restored from a backup keeps its exceptions, under the original's ids.
            models.UniqueConstraint(
                fields=["company", "object_type", "object_id"], name="data_exception_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.check_id} {self.object_type}:{self.object_id}"
