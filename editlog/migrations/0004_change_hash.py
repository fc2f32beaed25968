"""Chain the Edit Log: every Change gets its predecessor's hash and the SHA-256 of that and its
own content.

Changes written before the chain existed are chained here, company by company in seq order,
with the same function `change_record` uses from now on. On PostgreSQL the append-only trigger
(0002) refuses UPDATE on editlog_change even to a migration, so it is switched off for this
one transaction only: ALTER TABLE is transactional there, and a failed migration leaves the
trigger on.

This first chain had no key (plain SHA-256, kept here as it was); 0006 re-chains under one.
"""

import hashlib

from django.db import migrations, models

from editlog.chain import GENESIS, change_content

TRIGGER = "editlog_change_append_only"
BATCH = 500


def change_hash(change, *, prev_hash):
    return hashlib.sha256((prev_hash + change_content(change)).encode("ascii")).hexdigest()


def _trigger(schema_editor, action):
    if schema_editor.connection.vendor == "postgresql":
        # ALTER TABLE refuses while deferred foreign-key checks are pending in the transaction.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute(f"ALTER TABLE editlog_change {action} TRIGGER {TRIGGER}")


def chain_existing(apps, schema_editor):
    Change = apps.get_model("editlog", "Change")
    changes = Change.objects.using(schema_editor.connection.alias)
    company_ids = list(changes.order_by().values_list("company_id", flat=True).distinct())
    if not company_ids:
        return
    _trigger(schema_editor, "DISABLE")
    for company_id in sorted(company_ids):
        prev_hash, seq = GENESIS, 0
        # Keyset pages, each read whole before it is written: SQLite cursors see their own writes.
        while page := list(changes.filter(company_id=company_id, seq__gt=seq).order_by("seq")[:BATCH]):
            for change in page:
                change.prev_hash = prev_hash
                change.hash = prev_hash = change_hash(change, prev_hash=prev_hash)
            changes.bulk_update(page, ["prev_hash", "hash"])
            seq = page[-1].seq
    _trigger(schema_editor, "ENABLE")


class Migration(migrations.Migration):
    dependencies = [("editlog", "0003_change_actor_protect")]

    operations = [
        migrations.AddField(
            model_name="change",
            name="prev_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="change",
            name="hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AlterModelOptions(name="change", options={"ordering": ["company_id", "seq"]}),
        migrations.RunPython(chain_existing, migrations.RunPython.noop, elidable=False),
    ]
