"""Company.chain_id: names the company's Edit Log chain in the head file outside the database
(editlog.head). Each existing company draws its own (AddField would give them all one)."""

import secrets

from django.db import migrations, models

import companies.models


def chain_ids_draw(apps, schema_editor):
    Company = apps.get_model("companies", "Company")
    for pk in Company.objects.values_list("pk", flat=True):
        Company.objects.filter(pk=pk).update(chain_id=secrets.token_hex(16))


class Migration(migrations.Migration):
    dependencies = [("companies", "0003_api_token_password_mark")]

    operations = [
        migrations.AddField(
            model_name="company",
            name="chain_id",
            field=models.CharField(default="", editable=False, max_length=32),
            preserve_default=False,
        ),
        migrations.RunPython(chain_ids_draw, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="company",
            name="chain_id",
            field=models.CharField(
                default=companies.models.chain_id_new, editable=False, max_length=32, unique=True
            ),
        ),
    ]
