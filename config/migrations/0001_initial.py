"""ServerConfig moves here from the server app: its table (server_serverconfig) stays as it
is, so only the migration state changes; the content type follows, and with it the admin's
permissions and history."""

import config.models
import django.core.validators
from django.db import migrations, models


def content_type_move(apps, schema_editor, *, old, new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label=old, model="serverconfig").update(app_label=new)


def forwards(apps, schema_editor):
    content_type_move(apps, schema_editor, old="server", new="config")


def backwards(apps, schema_editor):
    content_type_move(apps, schema_editor, old="config", new="server")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("server", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ServerConfig',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('address', models.GenericIPAddressField(default='0.0.0.0', help_text='0.0.0.0 listens on every network of this computer; 127.0.0.1 only on itself.', verbose_name='listen address')),
                        ('port', models.PositiveIntegerField(default=9000, validators=[django.core.validators.MinValueValidator(1024, 'Use a port from 1024 to 65535 (lower ones need root).'), django.core.validators.MaxValueValidator(65535, 'Use a port from 1024 to 65535.')])),
                        ('host_names', models.TextField(blank=True, help_text="Names the office computers may use besides this computer's addresses, one per line (e.g. tally-server.local).", validators=[config.models.host_names_validate], verbose_name='extra host names')),
                        ('lock_timeout', models.PositiveIntegerField(default=30, help_text="A record whose editor's browser stopped answering is free after this long.", validators=[django.core.validators.MinValueValidator(5, "A lock timeout under 5 seconds would drop live editors' locks."), django.core.validators.MaxValueValidator(3600, 'Use at most 3600 seconds (one hour).')], verbose_name='lock timeout (seconds)')),
                        ('resume_retention', models.PositiveIntegerField(default=1000, help_text='A screen that missed more changes than this reloads instead of catching up.', validators=[django.core.validators.MinValueValidator(10, 'Keep at least 10 changes for catching up.'), django.core.validators.MaxValueValidator(100000, 'Use at most 100000 changes.')], verbose_name='resume retention (changes)')),
                        ('resume_retention_hours', models.PositiveIntegerField(default=24, help_text='A screen away longer than this reloads instead of catching up (0: no limit).', validators=[django.core.validators.MaxValueValidator(2160, 'Use at most 2160 hours (90 days).')], verbose_name='resume retention (hours)')),
                        ('max_users', models.PositiveIntegerField(default=0, help_text='0: no limit. 1: single-user mode (like Tally Silver).', validators=[django.core.validators.MaxValueValidator(10000, 'Use at most 10000 users (0 means no limit).')], verbose_name='maximum simultaneous users')),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        'verbose_name': 'server configuration',
                        'verbose_name_plural': 'server configuration',
                        'db_table': 'server_serverconfig',
                        'constraints': [models.CheckConstraint(condition=models.Q(('pk', 1)), name='server_config_one')],
                    },
                ),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
