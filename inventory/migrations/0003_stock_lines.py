"""A voucher's stock lines (item invoices, Stock Journal, Physical Stock: issue 20)."""

import core.money
import django.db.models.deletion
from decimal import Decimal
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('inventory', '0002_main_location_for_existing_companies'),
        ('ledgers', '0006_party_gst_details'),
        ('vouchers', '0007_inventory_voucher_types'),
    ]

    operations = [
        migrations.CreateModel(
            name='StockLine',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveSmallIntegerField()),
                ('line', models.PositiveSmallIntegerField()),
                ('role', models.CharField(choices=[('items', 'Item'), ('source', 'Source (Consumption)'), ('destination', 'Destination (Production)'), ('counted', 'Counted')], max_length=20)),
                ('kind', models.CharField(max_length=20)),
                ('quantity', models.DecimalField(decimal_places=4, max_digits=18)),
                ('rate', core.money.MoneyField(default=Decimal('0'))),
                ('discount', core.money.MoneyField(default=Decimal('0'))),
                ('amount', core.money.MoneyField(default=Decimal('0'))),
                ('godown', models.ForeignKey(on_delete=django.db.models.deletion.DO_NOTHING, related_name='stock_lines', to='inventory.godown')),
                ('item', models.ForeignKey(on_delete=django.db.models.deletion.DO_NOTHING, related_name='stock_lines', to='inventory.stockitem')),
                ('ledger', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='ledgers.ledger')),
                ('voucher', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='stock_lines', to='vouchers.voucher')),
            ],
            options={
                'ordering': ['voucher', 'position'],
                'indexes': [models.Index(fields=['item', 'godown'], name='inventory_s_item_id_d95028_idx')],
                'constraints': [models.UniqueConstraint(fields=('voucher', 'position'), name='stock_line_position')],
            },
        ),
    ]
