"""Plain multi-row INSERTs for batch posting: the ORM's bulk_create compiles every value of
every row through its fields (most of a batch's time, measured by bench/post_many.py); here the
caller hands values the database takes as they are (`db_date`, `db_datetime`, `db_json`), and
one statement goes per chunk of rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Model

# Rows per statement: well under SQLite's 32,766 parameters for the widest row posted here.
CHUNK = 500


def db_date(value: dt.date) -> Any:
    return connection.ops.adapt_datefield_value(value)


def db_datetime(value: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def db_json(value: Any, encoder: Any) -> Any:
    return connection.ops.adapt_json_value(value, encoder)


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
