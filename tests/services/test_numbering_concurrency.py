"""Voucher numbers under concurrent saves on real PostgreSQL (issue 19): 20 clients create and
delete invoices at once on a prefixed series; every number is given once, in entry order, none
again after a delete; a manual series refuses a Voucher No. two clients type at once."""

from __future__ import annotations

import pytest

from core.errors import Invalid
from tests.conftest import sale
from tests.services.conftest import run_together
from vouchers.models import Voucher, VoucherCounter, VoucherType
from vouchers.services import voucher_create, voucher_delete, voucher_numbering_alter

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres")]

CLIENTS = 20
PER_CLIENT = 50  # 1,000 invoices


def test_concurrent_invoices_and_deletes_never_share_or_reuse_a_number(
    company, ledgers, alice, bob
):
    sales = VoucherType.objects.get(company=company, name="Sales")
    voucher_numbering_alter(
        company=company, actor=alice, voucher_type=sales, data={"prefix": "INV/{fy}/", "width": 4}
    )
    users = [alice, bob]

    def client(t: int) -> list[int]:
        actor, numbers = users[t % 2], []
        for i in range(PER_CLIENT):
            voucher = voucher_create(company=company, actor=actor, data=sale(f"{100 + i}.00"))
            numbers.append(voucher.number)
            if i % 10 == 9:  # every tenth invoice is deleted again
                voucher_delete(company=company, voucher=voucher, actor=actor, version=1)
        return numbers

    results = run_together([lambda t=t: client(t) for t in range(CLIENTS)])
    assert not [value for status, value in results if status == "error"]
    given = sorted(number for _, numbers in results for number in numbers)
    total = CLIENTS * PER_CLIENT
    assert given == list(range(1, total + 1))  # each once, none skipped by the counter
    for _, numbers in results:
        assert numbers == sorted(numbers)  # entry order within each client
    kept = Voucher.objects.filter(company=company, voucher_type=sales)
    assert kept.count() == total - total // 10
    assert all(v.number_text == f"INV/26-27/{v.number:04d}" for v in kept)
    assert VoucherCounter.objects.get(voucher_type=sales, financial_year=2026).last_number == total
    after = voucher_create(company=company, actor=alice, data=sale())
    assert after.voucher_no == f"INV/26-27/{total + 1:04d}"  # the deleted ones stay gaps


def test_two_clients_typing_one_manual_number_at_once_one_wins(company, ledgers, alice, bob):
    sales = VoucherType.objects.get(company=company, name="Sales")
    voucher_numbering_alter(
        company=company, actor=alice, voucher_type=sales, data={"method": "manual"}
    )
    users = [alice, bob]

    def client(t: int) -> Voucher | str:
        try:
            return voucher_create(company=company, actor=users[t % 2], data=sale(number="M-1"))
        except Invalid as refusal:
            return refusal.errors["number"][0]

    results = [value for _, value in run_together([lambda t=t: client(t) for t in range(6)])]
    assert len([r for r in results if isinstance(r, Voucher)]) == 1
    assert [r for r in results if not isinstance(r, Voucher)] == [
        "Sales No. M-1 already exists in 26-27: a Voucher No. is used once a year."
    ] * 5
