"""Restoring a company from its backup archive: as a new company (as it was, ids and Edit Log
kept), as a copy under a new name (new ids, a fresh Edit Log), or replacing the company.

Everything is checked before the first write (backups.reading: the manifest, every member's
SHA-256 and row count, the control figures recomputed from the rows, the versions), and the
load is one transaction: a failure anywhere leaves the target as it was.

**The Edit Log across a restore.** A Change's hash covers its company id, actor id and
object id, under this server's Edit Log key (editlog.chain). So:

- *new* keeps every id (the company's, every row's, the Changes' actors): each Change is
  loaded byte for byte and the chain verifies as it did. It needs the ids free (a fresh
  database, the move to PostgreSQL) and the same Edit Log key (the archive names its key id);
  an actor the server does not have is made as an inactive user with that id and name, so the
  log keeps who did what (an administrator may give them a password).
- *copy* gives every row a new id (offset past the table's highest, so no map is kept): its
  Changes could not verify, so the copy's Edit Log starts afresh and the archive's history
  stays in the archive (and in the company it came from). After the restore's own Change,
  each restored record is recorded as created with its snapshot (one bulk `record_many` per
  kind and batch), so the copy's log holds every record it has and reconciles with its books.
- *replace* keeps the company's own Edit Log — it is append-only, never cut back (the audit
  trail the Companies (Accounts) Rules ask for) — and replaces the books under it: the
  archive's Edit Log must be this company's (its Change at the shorter log's end has the same
  hash); Changes the archive has beyond the log here are appended.

In every mode the restore itself is one Change (the company's: "create" for new and copy,
"alter" for replace) through the unit of work, its snapshot naming the archive (file name,
SHA-256), the archived chain head {seq, hash} and the mode (`restored_from`). That Change
tells open screens of the company to fetch everything again (companies.live: a resync).

**Older archives.** Rows are loaded by column name: a column the archive lacks (added by a
later migration) takes its default, a column this server no longer has is ignored. An archive
whose app version or migration state is newer than this server's is refused. A later
migration that transforms data (rather than adding a column with a default) needs a staging
restore (migrate a scratch database to the archived state, load, migrate, back up again):
not built, as no migration of that sort exists yet.

Users are the server's, not the company's: an archive names them (users.jsonl) and rows are
mapped to this server's users by name; a membership of a user this server does not have is
skipped and listed in the result, a record's "altered by" of one is left empty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.models import ForeignKey, Max, Model
from django.utils import timezone

from backups.archive import Manifest, Progress, tables_ordered, user_fields
from backups.folder import archive_write, folder_get, folder_path, safety_sweep
from backups.reading import ArchiveReader, archive_open, refused
from companies.access import OWNERS, company_creation_require, membership_require
from companies.live import RESTORED_KEY
from companies.models import Company, Membership, chain_id_new
from companies.snapshots import company_snapshot
from core.bulk import rows_insert
from core.errors import Invalid
from core.records import ArchivedTable, archived_tables, kinds, rebuilds
from editlog.chain import GENESIS, chain_key, key_id
from editlog.models import Change
from editlog.write import UnitOfWork, company_write
from locking.models import EditLock

MODES = ("new", "copy", "replace")
BATCH = 500
IDS_CHECKED = 2000  # archived ids looked up per query when another company's lie among them


@dataclass
class Restored:
    """What a restore did: the company, the Change recording it, the safety backup taken first
    (replace), and what could not come across as it was."""

    company: Company
    mode: str
    change: Change
    manifest: Manifest
    rows: int = 0
    safety: Path | None = None
    members_skipped: list[str] = field(default_factory=list)  # "ravi (accountant)"
    users_created: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def restore(
    *,
    archive: Path | str,
    mode: str = "new",
    name: str | None = None,
    company: Company | None = None,
    actor: AbstractBaseUser,
    passphrase: str | None = None,
    identities: list[str] | None = None,
    confirm: str | None = None,
    safety_dir: Path | None = None,
    progress: Progress | None = None,
) -> Restored:
    """Restore the archive file `archive` (see the module's docstring for the modes).

    `mode` "new": the company as it was (needs its ids free here); "copy": a new company named
    `name` (default: the archived name + " (copy)"); "replace": replaces `company`, for its
    owner, who types its name as `confirm` — a safety backup of it is written first (to
    `safety_dir`, default the backup folder). `passphrase` or `identities` (age secret
    keys) decrypt a `.tsbk.age`. Invalid (naming the field, "archive" for the file) or NotAllowed
    before anything is written; the load is one transaction."""
    if mode not in MODES:
        raise Invalid.field("mode", f"Choose one of {', '.join(MODES)}.")
    if mode == "replace":
        _replace_allowed(company=company, actor=actor, confirm=confirm)
    else:
        company_creation_require(actor=actor)
    # A restore the server stopped in the midst of left its safety folder: adopt or remove it.
    safety_sweep(folder_path(), now=timezone.now())
    with archive_open(archive=archive, passphrase=passphrase, identities=identities) as reader:
        reader.verify(progress=progress)
        plan = _Plan(reader=reader, mode=mode, actor=actor, target=company)
        plan.check(name=name)
        return plan.load(safety_dir=safety_dir, progress=progress)


def _replace_allowed(
    *, company: Company | None, actor: AbstractBaseUser, confirm: str | None
) -> None:
    if company is None:
        raise Invalid.field("company", "Name the company to replace.")
    membership_require(company=company, actor=actor, roles=OWNERS)
    if (confirm or "").strip() != company.name:
        raise Invalid.field(
            "confirm", f"Type the company's name, {company.name}, to replace it with the backup."
        )


class _Plan:
    """One restore: what the archive holds against what this server has, then the load."""

    def __init__(
        self,
        *,
        reader: ArchiveReader,
        mode: str,
        actor: AbstractBaseUser,
        target: Company | None,
    ) -> None:
        self.reader, self.mode, self.actor, self.target = reader, mode, actor, target
        self.manifest = reader.manifest
        self.tables = tables_ordered()
        self.archived = {m.table: m for m in self.manifest.files if m.table}
        self.users = reader.users()
        self.offsets: dict[str, int] = {}
        self.safety: Path | None = None
        self.result_notes: list[str] = []
        self.members_skipped: list[str] = []
        self.users_created: list[str] = []

    # -- before any write ----------------------------------------------------------------

    def check(self, *, name: str | None) -> None:
        """Refuse what cannot be restored in this mode, naming why; nothing is written."""
        archived = self.manifest.company
        if self.mode in ("new", "replace") and self.manifest.editlog_key_id != key_id(chain_key()):
            raise refused(
                f"{self.reader.name}: its Edit Log was chained under another key (id "
                f"{self.manifest.editlog_key_id}; this server's is {key_id(chain_key())}), so it "
                "would not verify here. Put that server's var/editlog_key here, or restore it "
                "as a copy."
            )
        if self.mode == "new":
            if Company.objects.filter(chain_id=archived["chain_id"]).exists():
                raise refused(
                    f"{archived['name']} is on this server already: restore it as a copy, or "
                    "replace it."
                )
            self._ids_free()
            self._actors_check()
        elif self.mode == "replace":
            assert self.target is not None
            if archived["chain_id"] != self.target.chain_id or archived["id"] != self.target.pk:
                raise refused(
                    f"{self.reader.name} is a backup of {archived['name']}, not of "
                    f"{self.target.name}: restore it as a new company or a copy."
                )
            self._log_agrees()
            self._actors_check()
        else:
            self._copy_name(name)

    def _ids_free(self) -> None:
        """Every archived row's id must be free here (new mode keeps them)."""
        ranges = self.reader.pk_ranges
        for table in self.tables:
            low_high = ranges.get(table.label)
            if low_high is None:
                continue
            manager = table.model._default_manager
            if manager.filter(pk__gte=low_high[0], pk__lte=low_high[1]).exists() and (
                self._ids_taken(table)
            ):
                raise refused(
                    f"{self.manifest.company['name']} cannot come back with its own ids: this "
                    f"server's {table.model._meta.verbose_name_plural} use some of them. "
                    "Restore it as a copy."
                )

    def _ids_taken(self, table: ArchivedTable) -> bool:
        """Whether any of the table's archived ids is used here, id by id: another company's
        rows may lie between them (companies saved turn about, then moved one by one)."""
        manager = table.model._default_manager
        ids: list[int] = []
        for row in self.reader.rows(self.archived[table.label]):
            ids.append(row["id"])
            if len(ids) >= IDS_CHECKED and manager.filter(pk__in=ids).exists():
                return True
            ids = ids if len(ids) < IDS_CHECKED else []
        return bool(ids) and manager.filter(pk__in=ids).exists()

    def _actors_check(self) -> None:
        """The Edit Log's actors must be this server's users with the same ids (the hash covers
        the id); a user this server has not got at all is made (inactive) with that id."""
        user_model = get_user_model()
        username = user_model.USERNAME_FIELD
        log = self._log_table()
        actors = {
            int(row["actor_id"])
            for row in self.reader.rows(self.archived[log.label])
            if row["actor_id"] is not None
        }
        self.missing_actors: list[tuple[int, str]] = []
        for pk in sorted(actors):
            name = self.users.get(pk, "")
            here = (
                user_model._default_manager.filter(pk=pk).values_list(username, flat=True).first()
            )
            if here == name:
                continue
            taken = user_model._default_manager.filter(**{username: name}).exists()
            if here is None and not taken:
                self.missing_actors.append((pk, name))
                continue
            raise refused(
                f"The archive's Edit Log names user {name!r} (id {pk}); on this server "
                + (f"id {pk} is {here!r}" if here is not None else f"{name!r} has another id")
                + ", so its hashes would not verify. Restore it as a copy."
            )

    def _log_agrees(self) -> None:
        """Replace: the archive's Edit Log and this company's must be one log, the shorter a
        beginning of the longer (the Change at its end has the same hash in both)."""
        assert self.target is not None
        head = self.manifest.checks["editlog"]
        here = Company.objects.values_list("last_seq", "last_hash").get(pk=self.target.pk)
        if head["seq"] <= here[0]:
            same = Change.objects.filter(
                company=self.target, seq=head["seq"], hash=head["hash"]
            ).exists()
        else:
            log = self.archived[self._log_table().label]
            same = here[0] == 0 or any(
                int(row["seq"]) == here[0] and row["hash"] == here[1]
                for row in self.reader.rows(log)
            )
        if not same:
            raise refused(
                f"{self.reader.name}'s Edit Log (up to #{head['seq']}) is not a part of "
                f"{self.target.name}'s (up to #{here[0]}): the two have gone separate ways. "
                "Restore it as a copy."
            )

    def _copy_name(self, name: str | None) -> None:
        name = (name or f"{self.manifest.company['name']} (copy)").strip()
        if not name or len(name) > 200:
            raise Invalid.field("name", "Give the copy a name of at most 200 characters.")
        self.copy_name = name

    def _log_table(self) -> ArchivedTable:
        return next(t for t in archived_tables() if t.log)

    # -- the load ------------------------------------------------------------------------

    def load(self, *, safety_dir: Path | None, progress: Progress | None) -> Restored:
        total = sum(m.rows for m in self.manifest.files if m.table)
        self.done, self.total, self.progress = 0, total, progress
        if self.mode == "replace":
            assert self.target is not None
            with company_write(company=self.target, actor=self.actor, roles=OWNERS) as work:
                # Under the company's lock: the safety backup is exactly what is replaced (a
                # file, so it stays if the replace fails and rolls back).
                self.safety = self._safety_write(work.company, safety_dir)
                self._users_make()
                before = company_snapshot(work.company)
                self._books_delete(work.company)
                company = self._company_load(work.company)
                self._rows_load(company)
                change = self._finish(work, company, verb="alter", before=before)
            return self._restored(company, change)
        with transaction.atomic(durable=True):
            self._users_make()
            company = self._company_load(None)
            self._rows_load(company)
            work = UnitOfWork(company=company, actor=self.actor)
            change = self._finish(work, company, verb="create", before=None)
            if self.mode == "copy":
                self._copy_record(work, company)
            work.close()
        return self._restored(company, change)

    @staticmethod
    def _safety_write(company: Company, safety_dir: Path | None) -> Path:
        """The safety backup, under a safety backup's name: into `safety_dir` if given (the
        caller adopts it), else into the backup folder, so the list shows it and retention
        keeps it."""
        folder = safety_dir if safety_dir is not None else folder_get()
        return archive_write(company=company, folder=folder, kind="safety").path

    def _restored(self, company: Company, change: Change) -> Restored:
        return Restored(
            company=company,
            mode=self.mode,
            change=change,
            manifest=self.manifest,
            rows=self.done,
            safety=self.safety,
            members_skipped=self.members_skipped,
            users_created=self.users_created,
            notes=self.result_notes,
        )

    def _users_make(self) -> None:
        """New mode: the Edit Log's actors this server has not got, as inactive users with
        their archived ids and names (no password: an administrator may give one)."""
        if self.mode == "copy":
            return
        user_model = get_user_model()
        for pk, name in self.missing_actors:
            user = user_model(pk=pk, is_active=False, **{user_model.USERNAME_FIELD: name})
            user.set_unusable_password()
            user.save(force_insert=True)
            self.users_created.append(name)
        if self.missing_actors:
            self._sequences_reset([user_model])

    def _books_delete(self, company: Company) -> None:
        """Replace: every carried and derived row of the company goes, except the company row
        and its Edit Log (append-only). Foreign keys are checked at commit; the order is the
        archive's backwards (derived tables first) because a row is found through its parents
        (an entry by its voucher's company). Edit locks on records that may be gone go too."""
        for table in tables_deleting():
            if table.log or table.model is Company:
                continue
            rows = table.model._base_manager.filter(**{table.company: company.pk})
            rows._raw_delete(rows.db)
        EditLock.objects.filter(company=company).delete()

    def _company_load(self, target: Company | None) -> Company:
        """The company row: new — as archived; copy — archived but named anew, with a new id,
        chain id and an empty Edit Log; replace — the archived fields on the company's own row,
        keeping its id, chain and log's end."""
        member = self.archived["companies.company"]
        row = next(iter(self.reader.rows(member)))
        shape = _Shape(Company)
        values = shape.values(row)
        if target is not None:
            kept = {"id", "chain_id", "last_seq", "last_hash", "created_at"}
            for key, value in values.items():
                if key not in kept:
                    setattr(target, key, value)
            target.save()
            self.offsets["companies.company"] = 0
            return target
        if self.mode == "copy":
            offset = Company.objects.aggregate(top=Max("pk"))["top"] or 0
            values.update(
                id=values["id"] + offset,
                name=self.copy_name,
                chain_id=chain_id_new(),
                last_seq=0,
                last_hash=GENESIS,
            )
            self.offsets["companies.company"] = offset
        else:
            self.offsets["companies.company"] = 0
        rows_insert(Company, list(values), [shape.prepared(values, list(values))])
        self._sequences_reset([Company])
        return Company.objects.get(pk=values["id"])

    def _rows_load(self, company: Company) -> None:
        """Every other carried table, in the archive's order, BATCH rows per INSERT."""
        log_end = company.last_seq if self.mode == "replace" else 0
        for table in self.tables:
            if table.model is Company:
                continue
            if table.log and self.mode == "copy":
                continue
            member = self.archived.get(table.label)
            if member is None:  # a table registered since the archive was made
                continue
            offset = 0
            if self.mode == "copy" or (table.log and self.mode == "replace"):
                offset = table.model._default_manager.aggregate(top=Max("pk"))["top"] or 0
            self.offsets[table.label] = offset
            rows = self.reader.rows(member)
            if table.log and self.mode == "replace":
                rows = (row for row in rows if int(row["seq"]) > log_end)
            self._table_load(table, rows)
        self._sequences_reset([t.model for t in self.tables])
        if self.mode == "replace":
            appended = Change.objects.filter(company=company).aggregate(end=Max("seq"))["end"]
            if appended and appended > company.last_seq:
                head = Change.objects.get(company=company, seq=appended)
                company.last_seq, company.last_hash = head.seq, head.hash
                Company.objects.filter(pk=company.pk).update(last_seq=head.seq, last_hash=head.hash)
                self.result_notes.append(
                    f"The Edit Log here ended at #{log_end}; the archive's Changes up to "
                    f"#{head.seq} were added."
                )
        for rebuild in rebuilds():
            rebuild(company)

    def _table_load(self, table: ArchivedTable, rows: Iterator[dict[str, Any]]) -> None:
        model, shape = table.model, _Shape(table.model)
        columns: list[str] | None = None
        batch: list[tuple] = []
        for row in rows:
            values = self._row_values(table, shape, row)
            if values is None:
                continue
            if columns is None:
                columns = list(values)
            batch.append(shape.prepared(values, columns))
            if len(batch) >= BATCH:
                rows_insert(model, columns, batch)
                self._advance(len(batch), table.label)
                batch = []
        if batch and columns is not None:
            rows_insert(model, columns, batch)
            self._advance(len(batch), table.label)

    def _row_values(
        self, table: ArchivedTable, shape: _Shape, row: dict[str, Any]
    ) -> dict[str, Any] | None:
        """The row as this server's columns: ids moved by their tables' offsets, users mapped
        by name (None for an unknown one; a row that needs one is skipped and listed)."""
        values = shape.values(row)
        values["id"] = values["id"] + self.offsets[table.label]
        for name, label in shape.fks:
            if values.get(name) is not None:
                values[name] += self.offsets.get(label, 0)
        if table.log:  # the hash covers the actor: checked to be the same id (_actors_check)
            return values
        for name in shape.users:
            if values.get(name) is None:
                continue
            mapped = self._user(values[name])
            if mapped is None and name not in shape.nullable:
                self._skipped(table.model, values, row, name)
                return None
            values[name] = mapped
        return values

    def _user(self, archived_id: int) -> int | None:
        cache = self.__dict__.setdefault("_user_cache", {})
        if archived_id not in cache:
            user_model = get_user_model()
            name = self.users.get(archived_id)
            cache[archived_id] = (
                user_model._default_manager.filter(**{user_model.USERNAME_FIELD: name})
                .values_list("pk", flat=True)
                .first()
                if name
                else None
            )
        return cache[archived_id]

    def _skipped(self, model: type[Model], values: dict, row: dict, column: str) -> None:
        name = self.users.get(row[column], f"user #{row[column]}")
        role = f" ({values['role']})" if "role" in values else ""
        self.members_skipped.append(f"{name}{role}")
        self.result_notes.append(
            f"{model._meta.verbose_name} of {name}{role} skipped: no user {name!r} on this server."
        )

    def _advance(self, rows: int, label: str) -> None:
        self.done += rows
        if self.progress is not None:
            self.progress(self.done, self.total, label)

    def _finish(
        self, work: UnitOfWork, company: Company, *, verb: str, before: dict[str, Any] | None
    ) -> Change:
        """The restorer stays (or becomes) an owner, the books are checked against the
        manifest, and the restore is recorded: one Change naming the archive."""
        membership = Membership.objects.filter(company=company, user_id=self.actor.pk).first()
        if membership is None or not membership.is_owner:
            Membership.objects.update_or_create(
                company=company, user_id=self.actor.pk, defaults={"role": Membership.Role.OWNER}
            )
            self.result_notes.append(f"{self.actor.get_username()} was made an owner.")
        self._counts_check(company)
        head = self.manifest.checks["editlog"]
        after = {
            **company_snapshot(company),
            RESTORED_KEY: {
                "file": self.reader.name,
                "sha256": self.reader.sha256,
                "head": {"seq": head["seq"], "hash": head["hash"]},
                "mode": self.mode,
                "company": self.manifest.company["name"],
                "created_at": self.manifest.created_at,
            },
        }
        work.company = company
        return work.record(verb, company, before=before, after=after)

    @staticmethod
    def _copy_record(work: UnitOfWork, company: Company) -> None:
        """Copy: every restored record (its new id) recorded as created with its snapshot,
        BATCH Changes per bulk insert, after the restore's Change that names the archive."""
        for kind in kinds():
            if kind.model is Company:  # the restore's own Change is the company's creation
                continue
            records = kind.model._default_manager.filter(company=company).order_by("pk")
            snapshots = (
                kind.snapshots(records)
                if kind.snapshots is not None
                else ((r, kind.snapshot(r)) for r in records.iterator(chunk_size=BATCH))
            )
            batch: list[tuple[Model, None, dict[str, Any]]] = []
            for record, snapshot in snapshots:
                batch.append((record, None, snapshot))
                if len(batch) >= BATCH:
                    work.record_many("create", batch)
                    batch = []
            work.record_many("create", batch)

    def _counts_check(self, company: Company) -> None:
        """What was loaded has as many vouchers as the archive says (a last guard: a row
        dropped on the way fails the restore, which rolls back)."""
        from vouchers.models import Voucher

        loaded = Voucher.objects.filter(company=company).count()
        if loaded != self.manifest.checks["vouchers"]:
            raise refused(
                f"{loaded} vouchers were loaded, the archive holds "
                f"{self.manifest.checks['vouchers']}: nothing was restored."
            )

    @staticmethod
    def _sequences_reset(models: list[type[Model]]) -> None:
        """PostgreSQL: rows came with their ids, so each table's sequence moves past them."""
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)


def tables_deleting() -> list[ArchivedTable]:
    """Every registered table, children before their parents: derived ones, then the carried
    ones in the archive's order backwards."""
    return [t for t in archived_tables() if t.derived] + tables_ordered()[::-1]


# Columns whose archived JSON value is already what Python and the database take.
_PLAIN = (
    models.AutoField,
    models.BigAutoField,
    models.IntegerField,
    models.BigIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.SmallIntegerField,
    models.CharField,
    models.TextField,
    models.BooleanField,
    models.ForeignKey,
)


class _Shape:
    """How one model's archived rows become its columns here, worked out once per table: a
    restore turns every value of every row, so nothing per row asks the model anything."""

    def __init__(self, model: type[Model]) -> None:
        self.model = model
        fields = list(model._meta.concrete_fields)
        self.fields = fields
        self.users = set(user_fields(model))
        self.fks = [
            (f.attname, f.related_model._meta.label_lower)
            for f in fields
            if isinstance(f, ForeignKey) and f.attname not in self.users
        ]
        self.nullable = {f.attname for f in fields if f.null}
        db = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: the proxy costs a lookup a value
        self.convert: dict[str, Callable[[Any], Any] | None] = {}
        self.prep: dict[str, Callable[[Any], Any] | None] = {}
        for f in fields:
            plain = type(f) in _PLAIN
            json = f.get_internal_type() == "JSONField"
            self.convert[f.attname] = None if plain or json else f.to_python
            self.prep[f.attname] = None if plain else partial(f.get_db_prep_save, connection=db)

    def values(self, row: dict[str, Any]) -> dict[str, Any]:
        """The archived row as Python values of the model's columns: a column the archive
        lacks (an older archive) takes its default; one the model no longer has is dropped."""
        values: dict[str, Any] = {}
        for f in self.fields:
            name = f.attname
            if name in row:
                raw, convert = row[name], self.convert[name]
                values[name] = raw if raw is None or convert is None else convert(raw)
            elif f.has_default():
                values[name] = f.get_default()
            elif f.has_db_default():
                continue  # the database fills it in
            elif f.null:
                values[name] = None
            else:
                raise refused(
                    f"The archive's {self.model._meta.label_lower} rows have no {name}, which "
                    "has no default here: this archive needs a staging restore (not built)."
                )
        return values

    def prepared(self, values: dict[str, Any], columns: list[str]) -> tuple:
        """`values` in `columns`' order, as the database takes them."""
        out = []
        for column in columns:
            value, prep = values.get(column), self.prep[column]
            out.append(value if prep is None or value is None else prep(value))
        return tuple(out)
