"""The Edit Log: one append-only Change per committed save, numbered gap-free per company."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class AppendOnlyError(Exception):
    """The Edit Log is an audit trail: its rows are never updated or deleted."""


def _refuse(*args: Any, **kwargs: Any) -> NoReturn:
    raise AppendOnlyError("The Edit Log is append-only: a Change cannot be altered or deleted.")


class ChangeQuerySet(models.QuerySet):
    update = _refuse
    delete = _refuse
    bulk_update = _refuse
    update_or_create = _refuse


class Change(models.Model):
    class Verb(models.TextChoices):
        CREATE = "create", "Created"
        ALTER = "alter", "Altered"
        CANCEL = "cancel", "Cancelled"
        DELETE = "delete", "Deleted"

    company = models.ForeignKey(
        "companies.Company", on_delete=models.PROTECT, related_name="changes"
    )
    seq = models.BigIntegerField()
    at = models.DateTimeField()
    # PROTECT: a user who made Changes is deactivated, never deleted (SET_NULL would rewrite
    # the log).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    verb = models.CharField(max_length=10, choices=Verb.choices)
    object_type = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    object_repr = models.CharField(max_length=250)
    before = models.JSONField(null=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(null=True, encoder=DjangoJSONEncoder)
    # The hash chain (editlog.chain): `hash` is the SHA-256 of `prev_hash` (the company's
    # previous Change's hash) and this Change's content. Altering, removing or rewriting a row
    # behind the application's back breaks the chain that `verify_editlog` walks.
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)
    # The Idempotency-Key of the request that made this save, and that request's fingerprint:
    # a retry is answered from here (editlog.idempotency). Not part of the hash: not content.
    request_key = models.CharField(max_length=100, blank=True, db_default="", editable=False)
    request_fingerprint = models.CharField(max_length=64, blank=True, db_default="", editable=False)

    objects = ChangeQuerySet.as_manager()

    class Meta:
        # company_id, not company: ordering by the relation would join Company for its name.
        ordering = ["company_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["company", "seq"], name="change_seq_unique"),
            models.CheckConstraint(condition=models.Q(seq__gt=0), name="change_seq_positive"),
            models.UniqueConstraint(
                fields=["company", "actor", "request_key"],
                condition=~models.Q(request_key=""),
                name="change_request_key_once",
            ),
        ]
        indexes = [models.Index(fields=["company", "object_type", "object_id", "seq"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.verb} {self.object_type}:{self.object_id} by {self.actor_name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            _refuse()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse()

    @property
    def object_key(self) -> str:
        return f"{self.object_type}:{self.object_id}"
