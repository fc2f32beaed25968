"""Tally's "Main Location" godown for every company made before inventory existed (a new
company gets it from books.services.company_create)."""

from django.db import migrations

MAIN_LOCATION = "Main Location"


def main_location_seed(apps, schema_editor):
    Company = apps.get_model("companies", "Company")
    Godown = apps.get_model("inventory", "Godown")
    having = set(Godown.objects.filter(is_main_location=True).values_list("company_id", flat=True))
    Godown.objects.bulk_create(
        Godown(company_id=pk, name=MAIN_LOCATION, is_main_location=True)
        for pk in Company.objects.exclude(pk__in=having).values_list("pk", flat=True)
    )


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_inventory_masters")]

    operations = [migrations.RunPython(main_location_seed, migrations.RunPython.noop)]
