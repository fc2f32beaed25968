"""Plain multi-row INSERTs for batch posting: the ORM's bulk_create compiles every value of
every row through its fields (most of a batch's time, measured by bench/post_many.py); here the
caller hands values the database takes as they are (`db_date`, `db_datetime`,
`db_json_encoded`), and one statement goes per chunk of rows."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Model

M = TypeVar("M", bound=Model)

# SQLite's page cache while batches post, in KiB (its default is 2,000): each batch inserts
# into the entries' and Changes' indexes all over a file that soon outgrows 2 MB, and every
# page evicted between batches is read back from the file for the next.
BATCH_CACHE_KIB = 64 * 1024
# Rows per statement: well under SQLite's 32,766 parameters for the widest row posted here.
CHUNK = 500


def db_date(value: dt.date) -> Any:
    return connection.ops.adapt_datefield_value(value)


def db_datetime(value: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def db_json_encoded(text: str) -> Any:
    """A JSON value already encoded as Django's JSONField encodes it (`json.dumps(value,
    cls=encoder)`), as the database takes it: SQLite takes that very text; other databases
    adapt it from its decoded form (PostgreSQL's Jsonb)."""
    if connection.vendor == "sqlite":
        return text
    return connection.ops.adapt_json_value(json.loads(text), None)


def instance_new(model: type[M], values: dict[str, Any], related: dict[str, Model]) -> M:
    """An unsaved `model` from `values` by attname (`company_id`, not `company`; the fields
    not named take their defaults) and its `related` objects by field name, cached as if
    fetched. Built as the ORM builds a row it reads, positionally in field order: keyword
    arguments go through each foreign key's descriptor, three times the cost, which a batch
    of thousands of vouchers and Changes pays per row."""
    instance = model(
        *[
            values[field.attname] if field.attname in values else field.get_default()
            for field in model._meta.concrete_fields
        ]
    )
    for name, value in related.items():
        model._meta.get_field(name).set_cached_value(instance, value)  # type: ignore[union-attr]
    return instance


def rows_insert(
    model: type[Model], fields: Sequence[str], rows: Sequence[tuple], *, returning_pk: bool = False
) -> list[int]:
    """INSERT `rows` (values of `fields`, in that order, ready for the database) into
    `model`'s table, CHUNK rows per statement; their new primary keys in row order when asked
    (RETURNING: SQLite ≥ 3.35 and PostgreSQL give them in the order of the VALUES)."""
    meta = model._meta
    columns = ", ".join(connection.ops.quote_name(meta.get_field(f).column) for f in fields)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    tail = f" RETURNING {connection.ops.quote_name(meta.pk.column)}" if returning_pk else ""
    pks: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            sql = f"INSERT INTO {meta.db_table} ({columns}) VALUES {', '.join([one] * len(chunk))}"
            cursor.execute(sql + tail, [value for row in chunk for value in row])
            if returning_pk:
                pks.extend(row[0] for row in cursor.fetchall())
    return pks


@contextmanager
def batch_cache() -> Iterator[None]:
    """On SQLite, a larger page cache for this connection while batches post (BATCH_CACHE_KIB),
    then the one it had; elsewhere nothing (PostgreSQL's buffers are the server's)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        before = cursor.execute("PRAGMA cache_size").fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = {-BATCH_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")
