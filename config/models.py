"""The server's own configuration: one row, edited in the admin site (Tally's F11 Server
Configuration).

Per-company settings (GST registration and rates by date, inventory valuation, godown defaults)
will live here too, as a model keyed by company, when the first of those features needs a field.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

HOST_NAME = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$")


def host_names_validate(value: str) -> None:
    bad = [name for name in host_names_split(value) if not HOST_NAME.match(name)]
    if bad:
        raise ValidationError(
            "Not a host name: %(names)s. Use letters, digits, dots and hyphens, "
            "e.g. tally-server or accounts.office.lan.",
            params={"names": ", ".join(bad)},
        )


def host_names_split(value: str) -> list[str]:
    """The names of a host-names field: one per line or comma separated, lower case."""
    return [name.strip().lower() for name in re.split(r"[\s,]+", value) if name.strip()]


# An age (age-encryption.org/v1) X25519 recipient: "age1" and 58 Bech32 characters.
AGE_RECIPIENT = re.compile(r"^age1[02-9ac-hj-np-z]{58}$")


def age_recipient_validate(value: str) -> None:
    if not AGE_RECIPIENT.match(value.strip()):
        raise ValidationError(
            "Not an age public key: paste the line that starts with age1 (62 characters), as "
            'age-keygen prints it after "Public key:".'
        )


def networks_validate(value: str) -> None:
    bad = []
    for text in networks_split(value):
        try:
            ipaddress.ip_network(text, strict=False)
        except ValueError:
            bad.append(text)
    if bad:
        raise ValidationError(
            "Not an address or a network: %(items)s. Write one per line, e.g. 192.168.1.20 or "
            "192.168.1.0/24.",
            params={"items": ", ".join(bad)},
        )


def networks_split(value: str) -> list[str]:
    """The entries of an addresses-and-networks field: one per line or comma separated."""
    return [item.strip() for item in re.split(r"[\s,]+", value) if item.strip()]


class CompanyCreation(models.TextChoices):
    STAFF = "staff", "Staff only (the server's administrators)"
    EVERYONE = "everyone", "Every signed-in user"


class ServerConfig(models.Model):
    """The single row (pk 1) of settings an office administrator may change."""

    # Changing these takes effect when the server is restarted (`manage.py serve` reads them).
    NETWORK_FIELDS = ("address", "port", "host_names")
    CONNECTION_FIELDS = ("max_connections", "max_connections_per_address", "header_timeout")
    RESTART_FIELDS = NETWORK_FIELDS + CONNECTION_FIELDS
    BACKUP_FIELDS = (
        "backup_enabled",
        "backup_time",
        "backup_folder",
        "backup_keep_daily",
        "backup_keep_weekly",
        "backup_keep_monthly",
        "backup_recipient",
    )

    address = models.GenericIPAddressField(
        "listen address",
        default="0.0.0.0",
        help_text="0.0.0.0 listens on every network of this computer; 127.0.0.1 only on itself.",
    )
    port = models.PositiveIntegerField(
        default=9000,
        validators=[
            MinValueValidator(1024, "Use a port from 1024 to 65535 (lower ones need root)."),
            MaxValueValidator(65535, "Use a port from 1024 to 65535."),
        ],
    )
    host_names = models.TextField(
        "extra host names",
        blank=True,
        validators=[host_names_validate],
        help_text="Names the office computers may use besides this computer's addresses, "
        "one per line (e.g. tally-server.local).",
    )
    lock_timeout = models.PositiveIntegerField(
        "lock timeout (seconds)",
        default=30,
        validators=[
            MinValueValidator(5, "A lock timeout under 5 seconds would drop live editors' locks."),
            MaxValueValidator(3600, "Use at most 3600 seconds (one hour)."),
        ],
        help_text="A record whose editor's browser stopped answering is free after this long.",
    )
    resume_retention = models.PositiveIntegerField(
        "resume retention (changes)",
        default=1000,
        validators=[
            MinValueValidator(10, "Keep at least 10 changes for catching up."),
            MaxValueValidator(100_000, "Use at most 100000 changes."),
        ],
        help_text="A screen that missed more changes than this reloads instead of catching up.",
    )
    resume_retention_hours = models.PositiveIntegerField(
        "resume retention (hours)",
        default=24,
        validators=[MaxValueValidator(24 * 90, "Use at most 2160 hours (90 days).")],
        help_text="A screen away longer than this reloads instead of catching up (0: no limit).",
    )
    max_users = models.PositiveIntegerField(
        "maximum simultaneous users",
        default=0,
        validators=[MaxValueValidator(10_000, "Use at most 10000 users (0 means no limit).")],
        help_text="0: no limit. 1: single-user mode (like Tally Silver).",
    )
    max_sockets_per_user = models.PositiveIntegerField(
        "maximum open pages per user",
        default=30,
        validators=[MaxValueValidator(10_000, "Use at most 10000 pages (0 means no limit).")],
        help_text="Live pages (browser tabs) one user may have open at once, on every computer "
        "(0: no limit).",
    )
    max_sockets_per_address = models.PositiveIntegerField(
        "maximum open pages per computer",
        default=100,
        validators=[MaxValueValidator(10_000, "Use at most 10000 pages (0 means no limit).")],
        help_text="Live pages one network address may hold open at once (a computer, or every "
        "computer behind one router; 0: no limit).",
    )
    # The defaults are server.limits' (which the server process falls back to without `serve`).
    max_connections = models.PositiveIntegerField(
        "maximum connections",
        default=1000,
        validators=[MaxValueValidator(100_000, "Use at most 100000 connections.")],
        help_text="Connections the server holds at once from every computer: each open page's "
        "live connection and the browsers' page loads; one more is refused at once (\"try again "
        "in a moment\"). Never more than the server's descriptor limit allows (0: only that "
        "limit).",
    )
    max_connections_per_address = models.PositiveIntegerField(
        "maximum connections per computer",
        default=200,
        validators=[MaxValueValidator(100_000, "Use at most 100000 connections.")],
        help_text="Connections one network address may hold at once (a computer, or every "
        "computer behind one router; 0: no limit). Keep it above the open pages per computer: "
        "each page holds one, and its loads need more.",
    )
    header_timeout = models.PositiveIntegerField(
        "request timeout (seconds)",
        default=10,
        validators=[
            MinValueValidator(1, "Use at least 1 second."),
            MaxValueValidator(300, "Use at most 300 seconds (five minutes)."),
        ],
        help_text="A connection that has not sent a whole request's headers by then is closed; "
        "a silent or half-sent one would otherwise hold its place for ever. (Answers may take "
        "longer.)",
    )
    company_creation = models.CharField(
        "who may create companies",
        max_length=10,
        choices=CompanyCreation,
        default=CompanyCreation.STAFF,
        help_text="Whoever creates a company owns it and may add any user to it, so by default "
        "only the people you trust with this server may.",
    )
    backup_enabled = models.BooleanField(
        "take scheduled backups",
        default=True,
        help_text="Every day at the time below the server backs up every company.",
    )
    backup_time = models.TimeField(
        "backup time of day",
        default=dt.time(2, 0),
        help_text="The server's local time. A server that was off then backs up when it starts.",
    )
    backup_folder = models.CharField(
        "backup folder",
        max_length=500,
        blank=True,
        help_text="Where archives go. Empty: the backups folder in the server's data folder "
        "(var/backups); a relative path is taken inside the data folder. Every server process "
        "must see the same folder.",
    )
    backup_keep_daily = models.PositiveIntegerField(
        "daily backups kept",
        default=7,
        validators=[
            MinValueValidator(1, "Keep at least 1 daily backup."),
            MaxValueValidator(366, "Keep at most 366 daily backups."),
        ],
        help_text="The newest backup of each of this many days.",
    )
    backup_keep_weekly = models.PositiveIntegerField(
        "weekly backups kept",
        default=4,
        validators=[MaxValueValidator(520, "Keep at most 520 weekly backups.")],
        help_text="The newest backup of each of this many weeks (0: none).",
    )
    backup_keep_monthly = models.PositiveIntegerField(
        "monthly backups kept",
        default=12,
        validators=[MaxValueValidator(240, "Keep at most 240 monthly backups.")],
        help_text="The newest backup of each of this many months (0: none).",
    )
    backup_recipient = models.CharField(
        "encrypt for (age public key)",
        max_length=100,
        blank=True,
        validators=[age_recipient_validate],
        help_text="Optional. Scheduled backups are then encrypted for this key (age1…); keep "
        "its secret key away from this server. Empty: not encrypted.",
    )
    xml_api_networks = models.TextField(
        "Tally XML API: computers allowed without a token",
        blank=True,
        validators=[networks_validate],
        help_text="Off when empty. Addresses or networks (one per line, e.g. 192.168.1.20 or "
        "192.168.1.0/24) whose tools may use Tally's XML API (POST /) without an API token, "
        "acting as the user below: for tools that cannot send an Authorization header. Anyone "
        "on these computers then reads (and, if that user may, writes) that user's companies.",
    )
    xml_api_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="Tally XML API: acting as",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The user those computers act as (their Edit Log's name and their rights in "
        "each company). Both this and the computers must be set for the list to work.",
    )
    # The scheduled run (its time of day) that a server process has claimed: one conditional
    # UPDATE decides which process backs up, however many serve (backups.schedule).
    backup_claimed_for = models.DateTimeField(null=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "server configuration"
        verbose_name_plural = "server configuration"
        # Moved from the server app; the table kept its name, so existing databases keep the row.
        db_table = "server_serverconfig"
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="server_config_one")]

    def __str__(self) -> str:
        return f"Server on {self.address}:{self.port}"

    def clean(self) -> None:
        per_address, pages = self.max_connections_per_address, self.max_sockets_per_address
        if per_address and pages and per_address <= pages:
            raise ValidationError(
                {
                    "max_connections_per_address": f"Allow more connections per computer than "
                    f"open pages per computer ({pages}): each open page holds a connection, and "
                    "loading pages needs more."
                }
            )

    @property
    def host_name_list(self) -> list[str]:
        return host_names_split(self.host_names)

    def xml_api_allows(self, address: str) -> bool:
        """Is `address` on the Tally XML API's allow-list (always False while it is off)?"""
        if not self.xml_api_user_id or not address:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped  # a dual-stack server's ::ffff:192.168.1.20
        networks = (
            ipaddress.ip_network(n, strict=False) for n in networks_split(self.xml_api_networks)
        )
        return any(ip in network for network in networks)
