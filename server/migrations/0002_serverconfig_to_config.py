"""ServerConfig now lives in the config app (config/0001); its table stays, so only the
migration state forgets it here."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("server", "0001_initial"),
        ("config", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ServerConfig")],
        ),
    ]
