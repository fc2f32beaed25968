"""Edit locks: who is altering which voucher or ledger, as a lease kept alive by their socket."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class EditLock(models.Model):
    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, related_name="+")
    resource = models.CharField(max_length=40, help_text='"voucher:17" or "ledger:4"')
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The page (and its socket) that holds the lock: the lock dies with that socket.
    connection_id = models.CharField(max_length=64, blank=True)
    # Both from the database's clock, never a client's.
    acquired_at = models.DateTimeField()
    heartbeat_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "resource"], name="edit_lock_unique"),
        ]
        indexes = [models.Index(fields=["connection_id"]), models.Index(fields=["heartbeat_at"])]

    def __str__(self) -> str:
        return f"{self.resource} held by {self.holder_id}"
