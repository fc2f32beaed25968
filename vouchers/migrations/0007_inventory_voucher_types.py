"""Tally's inventory voucher types (Stock Journal, Physical Stock, Receipt Note, Delivery Note):
their bases, and the four types for every company made before them (a new company gets them
from vouchers.services.voucher_types_seed)."""

from django.db import migrations, models


# As in vouchers.services.INVENTORY_VOUCHER_TYPES (a migration keeps its own copy).
INVENTORY_VOUCHER_TYPES = [
    ("Stock Journal", "stock_journal", "Stk Jrnl", "Alt+F7"),
    ("Physical Stock", "physical_stock", "Phys Stk", "Alt+F10"),
    ("Receipt Note", "receipt_note", "Rcpt Note", "Alt+F9"),
    ("Delivery Note", "delivery_note", "Dlvy Note", "Alt+F8"),
]


def inventory_types_seed(apps, schema_editor):
    Company = apps.get_model("companies", "Company")
    VoucherType = apps.get_model("vouchers", "VoucherType")
    having = set(VoucherType.objects.values_list("company_id", "name"))
    VoucherType.objects.bulk_create(
        VoucherType(company_id=pk, name=name, base=base, abbreviation=abbr, shortcut=key)
        for pk in Company.objects.values_list("pk", flat=True)
        for name, base, abbr, key in INVENTORY_VOUCHER_TYPES
        if (pk, name) not in having
    )


class Migration(migrations.Migration):

    dependencies = [
        ('vouchers', '0006_voucher_part_names'),
    ]

    operations = [
        migrations.AlterField(
            model_name='vouchertype',
            name='base',
            field=models.CharField(choices=[('contra', 'Contra'), ('payment', 'Payment'), ('receipt', 'Receipt'), ('journal', 'Journal'), ('sales', 'Sales'), ('purchase', 'Purchase'), ('credit_note', 'Credit Note'), ('debit_note', 'Debit Note'), ('stock_journal', 'Stock Journal'), ('physical_stock', 'Physical Stock'), ('receipt_note', 'Receipt Note'), ('delivery_note', 'Delivery Note')], max_length=20),
        ),
        migrations.RunPython(inventory_types_seed, migrations.RunPython.noop),
    ]
