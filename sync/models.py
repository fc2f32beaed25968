"""The connection registry: every open socket of every server process, what it has sent and
received, and a log of connection events. Kept in the database so that the Server Monitor sees
all processes; counters are flushed in batches, never written per message."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Connection(models.Model):
    """One open socket. Its process deletes the row on close; a crashed process's rows age out."""

    id = models.CharField(primary_key=True, max_length=32)
    process = models.CharField(max_length=100)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, related_name="+")
    ip = models.GenericIPAddressField(null=True)
    browser = models.CharField(max_length=200, blank=True)
    connected_at = models.DateTimeField()
    last_ping_at = models.DateTimeField(null=True)
    seen_at = models.DateTimeField()  # its process's last heartbeat (20 s); ages out a dead one
    ack_seq = models.PositiveBigIntegerField(null=True)
    clock_skew_ms = models.BigIntegerField(null=True)  # the browser's clock minus the server's
    messages_in = models.PositiveBigIntegerField(default=0)
    messages_out = models.PositiveBigIntegerField(default=0)
    bytes_in = models.PositiveBigIntegerField(default=0)
    bytes_out = models.PositiveBigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["seen_at"]), models.Index(fields=["user", "seen_at"])]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.company_id} on {self.process}"


class ConnectionEvent(models.Model):
    """Something that happened to a connection, for the Server Monitor's event log."""

    class Kind(models.TextChoices):
        CONNECT = "connect", "Connected"
        DISCONNECT = "disconnect", "Disconnected"
        REFUSED_AUTH = "refused_auth", "Refused: not signed in"
        REFUSED_MEMBER = "refused_member", "Refused: not a member"
        REFUSED_ORIGIN = "refused_origin", "Refused: foreign origin"
        REFUSED_LIMIT = "refused_limit", "Refused: user limit"
        RESUME = "resume", "Resumed"
        RESYNC = "resync", "Resynced"
        TOO_SLOW = "too_slow", "Cut off: too slow"
        FLOOD = "flood", "Cut off: too many messages"
        SIGNED_OUT = "signed_out", "Closed: signed out"
        LOCK_EXPIRED = "lock_expired", "Lock expired"
        CONFIG = "config", "Configuration changed"
        BACKUP = "backup", "Backed up"
        BACKUP_FAILED = "backup_failed", "Backup failed"

    at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    process = models.CharField(max_length=100)
    username = models.CharField(max_length=150, blank=True)
    company_id = models.BigIntegerField(null=True)
    ip = models.GenericIPAddressField(null=True)
    code = models.IntegerField(null=True)  # the close code, for disconnects
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%H:%M:%S} {self.kind} {self.username}"


class TrafficSample(models.Model):
    """What one process's sockets received and sent in a few seconds, for transfer rates."""

    process = models.CharField(max_length=100)
    at = models.DateTimeField(db_index=True)
    seconds = models.FloatField()
    messages_in = models.PositiveBigIntegerField()
    messages_out = models.PositiveBigIntegerField()
    bytes_in = models.PositiveBigIntegerField()
    bytes_out = models.PositiveBigIntegerField()

    def __str__(self) -> str:
        return f"{self.process} {self.at:%H:%M:%S}"
