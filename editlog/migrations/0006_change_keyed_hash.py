"""Re-chain the Edit Log under the key (editlog.chain): every Change's hash becomes the HMAC of
its predecessor's and its own content, and each company's last_hash follows its newest Change.

Each chain is checked as it was before it is re-chained (going forward, with 0004's unkeyed
function; going back, under the key): a log already damaged is not laundered into one that
verifies, and the migration stops naming the first broken Change. The append-only trigger is
switched off for this transaction only, as in 0004.
"""

import importlib
from functools import partial

from django.db import migrations

from editlog.chain import GENESIS, chain_key, change_hash

TRIGGER = "editlog_change_append_only"
BATCH = 500


def _unkeyed(change, *, prev_hash):
    module = importlib.import_module("editlog.migrations.0004_change_hash")
    return module.change_hash(change, prev_hash=prev_hash)


def _keyed(change, *, prev_hash):
    return change_hash(change, prev_hash=prev_hash, key=chain_key())


def _trigger(schema_editor, action):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute(f"ALTER TABLE editlog_change {action} TRIGGER {TRIGGER}")


def rechain(apps, schema_editor, *, was, becomes):
    Change = apps.get_model("editlog", "Change")
    Company = apps.get_model("companies", "Company")
    changes = Change.objects.using(schema_editor.connection.alias)
    company_ids = sorted(changes.order_by().values_list("company_id", flat=True).distinct())
    if not company_ids:
        return
    _trigger(schema_editor, "DISABLE")
    for company_id in company_ids:
        old_prev, prev_hash, seq = GENESIS, GENESIS, 0
        while page := list(
            changes.filter(company_id=company_id, seq__gt=seq).order_by("seq")[:BATCH]
        ):
            for change in page:
                if change.prev_hash != old_prev or change.hash != was(change, prev_hash=old_prev):
                    raise RuntimeError(
                        f"Change #{change.seq} of company {company_id} does not verify: the Edit "
                        "Log was damaged before this migration. Restore the books from a backup "
                        "before migrating."
                    )
                old_prev = change.hash
                change.prev_hash = prev_hash
                change.hash = prev_hash = becomes(change, prev_hash=prev_hash)
            changes.bulk_update(page, ["prev_hash", "hash"])
            seq = page[-1].seq
        if not Company.objects.filter(pk=company_id, last_seq=seq).update(last_hash=prev_hash):
            raise RuntimeError(
                f"Company {company_id}'s last seq is not its newest Change #{seq}: the Edit Log "
                "was damaged before this migration. Restore the books from a backup before "
                "migrating."
            )
    _trigger(schema_editor, "ENABLE")


class Migration(migrations.Migration):
    dependencies = [
        ("editlog", "0005_change_request_key"),
        ("companies", "0004_company_chain_id"),
    ]

    operations = [
        migrations.RunPython(
            partial(rechain, was=_unkeyed, becomes=_keyed),
            partial(rechain, was=_keyed, becomes=_unkeyed),
            elidable=False,
        )
    ]
