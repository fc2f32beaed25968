"""Companies, who belongs to them (Membership), and the API tokens scripts sign in with."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import models


def chain_id_new() -> str:
    return secrets.token_hex(16)


class Company(models.Model):
    name = models.CharField(max_length=200)
    # Tally's Company Creation: the name printed on invoices and letters, if not `name`.
    mailing_name = models.CharField(max_length=200, blank=True, default="", db_default="")
    address = models.TextField(blank=True)
    state = models.CharField(max_length=100, blank=True)
    pin = models.CharField("PIN code", max_length=6, blank=True, default="", db_default="")
    pan = models.CharField("PAN", max_length=10, blank=True, default="", db_default="")
    gstin = models.CharField("GSTIN", max_length=15, blank=True)
    financial_year_start = models.DateField(help_text="First day of a financial year, e.g. 1 April")
    books_beginning = models.DateField(help_text="No voucher may be dated before this day")
    # Tally's "Warn on negative cash balance": a save that leaves a Cash-in-Hand ledger in
    # credit still saves, and says so.
    warn_negative_cash = models.BooleanField("Warn on negative cash balance", default=True)
    # Tally's F11 "Integrate accounts with inventory": the closing stock of the final accounts
    # is the stock items' value, not the values entered on Stock-in-Hand ledgers. On for a new
    # company, as in TallyPrime; a company made before inventory existed keeps its entered
    # values (migration 0008), so its Changes without the key read as off (`grown`).
    integrate_inventory = models.BooleanField(
        "Integrate accounts with inventory", default=True, db_default=True
    )
    # A save that takes an item's quantity below zero in a godown is warned of (Tally's way);
    # an office may refuse it instead.
    refuse_negative_stock = models.BooleanField(
        "Refuse negative stock", default=False, db_default=False
    )
    # The seq of the newest editlog.Change; bumped only while this row is locked (DESIGN §2).
    last_seq = models.BigIntegerField(default=0, editable=False)
    # The hash of that Change (editlog.chain), so the next one chains on without reading it.
    last_hash = models.CharField(max_length=64, default="0" * 64, editable=False)
    # Names this company's chain in the head file outside the database (editlog.head).
    chain_id = models.CharField(max_length=32, default=chain_id_new, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Company Alteration is checked like any master's: the version read, who altered it last.
    version = models.PositiveIntegerField(default=1, db_default=1)
    altered_at = models.DateTimeField(null=True, blank=True, editable=False)
    altered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name_plural = "companies"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def printed_name(self) -> str:
        """The name on invoices and letters: the mailing name, else the company's name."""
        return self.mailing_name or self.name

    def financial_year_of(self, day: dt.date) -> int:
        """The calendar year in which the financial year holding `day` begins (2026 = 2026-27)."""
        start = self.financial_year_start
        begins_this_year = (day.month, day.day) >= (start.month, start.day)
        return day.year if begins_this_year else day.year - 1

    def financial_year_begins(self, day: dt.date) -> dt.date:
        """The first day of the financial year holding `day`."""
        return self.financial_year_start.replace(year=self.financial_year_of(day))

    def carries_results(self, year_start: dt.date) -> bool:
        """Whether earlier years' results are carried into the year beginning `year_start`:
        not in the year the books begin in (its revenue ledgers keep their opening balances)."""
        return year_start > self.books_beginning


class GstRegistration(models.Model):
    """One of the company's GST registrations (TallyPrime 3.0 keeps several a company): its
    GSTIN, the state it is in (the GSTIN's first two digits), regular or composition, and the
    day it is valid from."""

    class Kind(models.TextChoices):
        REGULAR = "regular", "Regular"
        COMPOSITION = "composition", "Composition"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    gstin = models.CharField("GSTIN", max_length=15)
    state_code = models.CharField(max_length=2)  # gstin[:2], kept for reports' joins
    registration_type = models.CharField(max_length=12, choices=Kind.choices, default=Kind.REGULAR)
    valid_from = models.DateField()
    version = models.PositiveIntegerField(default=1)
    altered_at = models.DateTimeField(auto_now=True)
    altered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["company", "valid_from", "id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "gstin"], name="gst_registration_unique"),
        ]

    def __str__(self) -> str:
        return f"GST registration {self.gstin}"


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        ACCOUNTANT = "accountant", "Accountant"
        VIEWER = "viewer", "Viewer"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "company"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.company} ({self.role})"

    @property
    def can_write(self) -> bool:
        return self.role in {self.Role.OWNER, self.Role.ACCOUNTANT}

    @property
    def is_owner(self) -> bool:
        return self.role == self.Role.OWNER


class ApiToken(models.Model):
    """A per-user secret for `Authorization: Token …`; only its SHA-256 is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The user's session auth hash when issued (an HMAC of the password hash): a new password
    # makes it differ, which revokes the token.
    password_mark = models.CharField(max_length=64, editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class State(models.TextChoices):
        """Whether a token still works; not stored: it follows from its dates and password."""

        LIVE = "live", "Live"
        EXPIRED = "expired", "Expired"
        PASSWORD_CHANGED = "password_changed", "Revoked by a password change"

    class Meta:
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"token of {self.user} ({self.created_at:%Y-%m-%d})"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @property
    def fingerprint(self) -> str:
        """The start of the key's SHA-256, to tell a user's tokens apart: whoever holds the key
        gets the same from `sha256sum`, and it brings no one nearer the key."""
        return self.key_hash[:8]
