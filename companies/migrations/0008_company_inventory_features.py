from django.db import migrations, models


class Migration(migrations.Migration):
    """Two of Tally's inventory features (F11). A company made before inventory existed keeps
    its Stock-in-Hand values as entered (integrate_inventory off, as `grown` reads its older
    Changes); a company made from now on is integrated, as a new TallyPrime company is."""

    dependencies = [
        ("companies", "0007_gst_registration"),
    ]

    operations = [
        migrations.AddField(
            model_name="company",
            name="integrate_inventory",
            field=models.BooleanField(
                default=False, db_default=False, verbose_name="Integrate accounts with inventory"
            ),
        ),
        migrations.AlterField(
            model_name="company",
            name="integrate_inventory",
            field=models.BooleanField(
                default=True, db_default=True, verbose_name="Integrate accounts with inventory"
            ),
        ),
        migrations.AddField(
            model_name="company",
            name="refuse_negative_stock",
            field=models.BooleanField(
                default=False, db_default=False, verbose_name="Refuse negative stock"
            ),
        ),
    ]
