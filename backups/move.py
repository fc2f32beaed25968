"""The move of a whole server's books to another database (SQLite → PostgreSQL): every company
backed up here and restored there, the server's own rows (users, their API tokens, the Server
configuration) beside them, and the proof — the control figures of both sides, compared.

The other database is reached through `manage.py` run with its DATABASE_URL (`target_run`), not
through a second alias in DATABASES: every service (the unit of work, the bulk inserts, the
restore) writes through Django's default connection, as the server does, so the target side is
this same code pointed at the other database — nothing there needs a `using=`.

What travels and what does not:
- companies: one archive each (`backups.archive`), restored as new companies;
- the server member (`server.jsonl`): Django's groups and users (their password hashes, so
  everyone signs in with the password they have), API tokens, the Server configuration — rows
  no company owns, so they are in no company's archive, and they go first (an archive's
  memberships and "altered by" name users). Their ids are kept, and each table's sequence is
  set past them (and past every restored table's) so the next insert does not collide;
- not moved: sessions (everyone signs in again), the sign-in lock-outs (django-axes), the live
  connection registry and its traffic samples (they describe the old server's running).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dj_database_url
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import serializers
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from backups.figures import Difference, Figures, books_figures, figures_diff
from companies.access import company_creation_allowed
from companies.models import ApiToken, Company, Membership
from config.models import ServerConfig
from editlog.models import Change

PLAN = "move.json"
SERVER_MEMBER = "server.jsonl"
MOVE_FORMAT = "tallysync-move"
# Whatever writes a line of progress (the command's stdout).
Say = Callable[[str], None]


class MoveError(Exception):
    """The move cannot go on; the message says why and what to do."""


def _server_models() -> list[type[models.Model]]:
    """The server's own rows, in load order (a group before the users in it)."""
    from django.contrib.auth import get_user_model

    return [Group, get_user_model(), ApiToken, ServerConfig]


# The target's state.


def target_refusal() -> str | None:
    """Why this database cannot take a move (None: it is empty, or migrated with no company
    and no user in it). Read on the target before anything is written there."""
    tables = set(connection.introspection.table_names())
    if not tables:
        return None
    user_table = _server_models()[1]._meta.db_table
    ours = {Company._meta.db_table, user_table, "django_migrations"}
    if not ours <= tables:
        shown = ", ".join(sorted(tables)[:5]) + (" …" if len(tables) > 5 else "")
        return f"it has {len(tables)} tables that are not TallySync's books ({shown})"
    with connection.cursor() as cursor:
        counts = {}
        for name, table in (("companies", Company._meta.db_table), ("users", user_table)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[name] = cursor.fetchone()[0]
    if any(counts.values()):
        return f"it already holds {counts['companies']} companies and {counts['users']} users"
    return None


# The server member: users, tokens, configuration.


def server_write(path: Path) -> dict[str, Any]:
    """Write the server's own rows to `path` (JSON lines: Django's serialised form, users'
    groups and permissions by name); what was written: rows per model, bytes, SHA-256."""
    rows: dict[str, int] = {}
    with path.open("w", encoding="utf-8") as file:
        for model in _server_models():
            objects = model._default_manager.order_by("pk")
            rows[model._meta.label] = objects.count()
            serializers.serialize(
                "jsonl", objects.iterator(), stream=file, use_natural_foreign_keys=True
            )
    return {"path": path.name, "rows": rows, **file_digest(path)}


def server_load(path: Path, expected: dict[str, Any]) -> dict[str, int]:
    """Load the server member into this (empty) database in one transaction, checked against
    what was written first; the ids kept, the tables' sequences then set past them."""
    if file_digest(path) != {k: expected[k] for k in ("bytes", "sha256")}:
        raise MoveError(f"{path}: its SHA-256 is not the one written; the file was changed")
    loaded: dict[str, int] = {}
    with transaction.atomic(), path.open(encoding="utf-8") as file:
        for found in serializers.deserialize("jsonl", file, handle_forward_references=False):
            found.save()
            label = found.object._meta.label
            loaded[label] = loaded.get(label, 0) + 1
        sequences_reset(_server_models())
    if loaded != {k: v for k, v in expected["rows"].items() if v}:
        raise MoveError(f"{path}: loaded {loaded}, but {expected['rows']} were written")
    return loaded


def sequences_reset(models_: Iterable[type[models.Model]] | None = None) -> int:
    """Set each table's id sequence past its largest id (PostgreSQL; SQLite needs nothing: its
    next id follows the largest), as `manage.py sqlsequencereset` prints it for every app:
    rows loaded with their ids leave a sequence behind, and the next insert would collide."""
    chosen = list(models_) if models_ is not None else list(apps.get_models())
    statements = connection.ops.sequence_reset_sql(no_style(), chosen)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
    return len(statements)


def file_digest(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return {"bytes": path.stat().st_size, "sha256": digest.hexdigest()}


# The plan: what the source side wrote for the target side to load.


@dataclass
class Plan:
    """`move.json`: the server member and the companies' archives, in the order they load."""

    source: str
    created_at: str
    server: dict[str, Any]
    companies: list[dict[str, Any]] = field(default_factory=list)

    def write(self, folder: Path) -> None:
        body = {"format": MOVE_FORMAT, "version": 1, **self.__dict__}
        (folder / PLAN).write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n")

    @classmethod
    def read(cls, folder: Path) -> Plan:
        try:
            body = json.loads((folder / PLAN).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise MoveError(f"{folder}: no move plan ({PLAN}) to load: {exc}") from exc
        if body.get("format") != MOVE_FORMAT:
            raise MoveError(f"{folder / PLAN}: not a plan move_to wrote")
        return cls(body["source"], body["created_at"], body["server"], body["companies"])


def source_name() -> str:
    """The source database as a person would name it (never its password)."""
    db = settings.DATABASES["default"]
    return f"{connection.vendor} {db.get('NAME')}"


# Running the target side.


def target_env(url: str) -> dict[str, str]:
    """This process's environment pointed at the target database."""
    return {**os.environ, "DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}


def target_run(url: str, *args: str, capture: bool = False) -> str:
    """`manage.py <args>` on the target database; its output passes through unless captured.
    A failure raises MoveError with what the command said."""
    manage = Path(settings.BASE_DIR) / "manage.py"
    done = subprocess.run(
        [sys.executable, str(manage), *args],
        env=target_env(url),
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    if done.returncode:
        said = done.stderr.strip().splitlines()
        reason = said[-1].removeprefix("CommandError: ") if said else f"exit {done.returncode}"
        raise MoveError(f"manage.py {args[0]} on the target: {reason}")
    if done.stderr and not capture:
        sys.stderr.write(done.stderr)
    return done.stdout or ""


def target_url_check(url: str) -> None:
    """Refuse a URL that names no database we can move to, or the source itself."""
    try:
        target = dj_database_url.parse(url)
    except Exception as exc:  # dj-database-url raises several kinds for a bad URL
        raise MoveError(f"{url!r} is not a database URL ({exc}).") from exc
    if not target.get("NAME"):
        raise MoveError(f"{url!r} names no database: add its name, postgres://user@host/name.")
    source = settings.DATABASES["default"]
    same = (target["ENGINE"], target.get("HOST"), target.get("PORT"), str(target["NAME"]))
    if same == (source["ENGINE"], source.get("HOST"), source.get("PORT"), str(source["NAME"])):
        raise MoveError("The target is the database this server uses: name another one.")


@dataclass
class MoveReport:
    folder: Path
    companies: int
    differences: list[Difference]
    source: Figures
    target: Figures


def move_to(*, url: str, folder: Path, say: Say) -> MoveReport:
    """The whole move (see the module's docstring); the books here are only read."""
    from backups.archive import backup_write  # the archive's own module; imported when used

    target_url_check(url)
    say("Checking the target database")
    target_run(url, "move_receive", "--check")
    say("Migrating the target database")
    target_run(url, "migrate", "--noinput", "-v0")
    folder.mkdir(parents=True, exist_ok=True)
    plan = Plan(
        source=source_name(),
        created_at=timezone.now().isoformat(),
        server=server_write(folder / SERVER_MEMBER),
    )
    companies = list(Company.objects.order_by("pk"))
    for number, company in enumerate(companies, 1):
        path = folder / f"{number:03d}.tsbk"
        say(f"Backing up {company.name} ({number} of {len(companies)})")
        backup_write(company=company, path=path)
        plan.companies.append(
            {"name": company.name, "archive": path.name, **file_digest(path), **_order(company)}
        )
    plan.write(folder)
    say(f"Restoring {len(companies)} companies on the target")
    try:
        target_run(url, "move_receive", str(folder))
    except MoveError as exc:
        raise MoveError(
            f"{exc}\nThe target may now hold part of the books: drop it and create it empty "
            "(dropdb / createdb) before moving again. The books here are unchanged."
        ) from exc
    say("Comparing the figures of both databases")
    source = books_figures()
    target = json.loads(target_run(url, "books_figures", capture=True))
    (folder / "figures-source.json").write_text(json.dumps(source, indent=1, ensure_ascii=False))
    (folder / "figures-target.json").write_text(json.dumps(target, indent=1, ensure_ascii=False))
    return MoveReport(folder, len(companies), figures_diff(source, target), source, target)


def _order(company: Company) -> dict[str, Any]:
    """What the target needs to restore the company: who restores it (its first owner), and
    its Edit Log's highest row id (see `move_receive`)."""
    owner = (
        Membership.objects.filter(company=company, role=Membership.Role.OWNER)
        .order_by("pk")
        .values_list("user__username", flat=True)
        .first()
    )
    last_change = Change.objects.filter(company=company).aggregate(top=Max("pk"))["top"]
    return {"owner": owner, "last_change_id": last_change or 0}


def move_receive(*, folder: Path, say: Say) -> None:
    """The target's half, run on the target by `move_to`: the server member, then each
    company's archive restored as a new company (its ids and Edit Log as they were), then every
    table's sequence set past its ids.

    A restore records itself as one more Change, whose row takes the next id: restoring the
    company whose Edit Log has the highest ids first puts every such Change past all the
    archived ones, so no later archive finds its ids taken. Each is restored by its first owner
    (the restore makes whoever restores an owner: an administrator who was not one would
    become one), unless that owner may not create companies here."""
    from backups.restore import restore

    refusal = target_refusal()
    if refusal:
        raise MoveError(f"The target database cannot take the move: {refusal}.")
    plan = Plan.read(folder)
    loaded = server_load(folder / plan.server["path"], plan.server)
    say(f"Loaded {loaded.get('auth.User', 0)} users and the Server configuration")
    ordered = sorted(plan.companies, key=lambda entry: -entry["last_change_id"])
    for number, entry in enumerate(ordered, 1):
        path = folder / entry["archive"]
        if file_digest(path) != {"bytes": entry["bytes"], "sha256": entry["sha256"]}:
            raise MoveError(f"{path}: not the archive move_to wrote (its SHA-256 differs)")
        say(f"Restoring {entry['name']} ({number} of {len(plan.companies)})")
        restored = restore(archive=path, mode="new", actor=restorer(entry.get("owner")))
        for note in restored.notes + [f"not a member: {m}" for m in restored.members_skipped]:
            say(f"  {note}")
    sequences_reset()


def restorer(owner: str | None) -> Any:
    """The company's owner if they may create companies here, else the administrator."""
    from django.contrib.auth import get_user_model

    user = get_user_model()._default_manager.filter(username=owner, is_active=True).first()
    if user is not None and company_creation_allowed(actor=user):
        return user
    return administrator()


def administrator() -> Any:
    """Who restores the companies (the restore's Change names them): the first active
    superuser, else the first active staff user — /setup/ makes the first owner one."""
    from django.contrib.auth import get_user_model

    users = get_user_model()._default_manager.filter(is_active=True).order_by("pk")
    found = users.filter(is_superuser=True).first() or users.filter(is_staff=True).first()
    if found is None:
        raise MoveError(
            "The server has no active administrator (staff user) to restore the companies in "
            "the name of: make one here first (manage.py createsuperuser)."
        )
    return found
