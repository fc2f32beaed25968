"""Company.last_hash: the hash of the company's newest Change, kept beside last_seq so a save
chains its Change on without reading the log. Existing companies take it from that Change."""

from django.db import migrations, models


def last_hash_fill(apps, schema_editor):
    Company = apps.get_model("companies", "Company")
    Change = apps.get_model("editlog", "Change")
    for company in Company.objects.filter(last_seq__gt=0).only("pk", "last_seq"):
        newest = (
            Change.objects.filter(company_id=company.pk, seq=company.last_seq)
            .values_list("hash", flat=True)
            .first()
        )
        if newest:
            Company.objects.filter(pk=company.pk).update(last_hash=newest)


class Migration(migrations.Migration):
    dependencies = [
        ("companies", "0001_initial"),
        ("editlog", "0005_change_request_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="company",
            name="last_hash",
            field=models.CharField(default="0000000000000000000000000000000000000000000000000000000000000000", editable=False, max_length=64),
        ),
        migrations.RunPython(last_hash_fill, migrations.RunPython.noop),
    ]
