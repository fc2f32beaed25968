"""Vouchers and masters as Tally writes them (FORMAT.md §2-§4), imported into alice's company
(Sharma Traders, its ordinary ledgers): the trap, the sign rule, what is not posted, refusals
by name, identities, Alter and Delete."""

from __future__ import annotations

import io
from decimal import Decimal

from django.contrib.auth.models import User

from companies.models import Company
from ledgers.models import Ledger
from tallyxml.importing import Result, import_streams
from tests.conftest import balance
from vouchers.models import BankAllocation, BillAllocation, Voucher


def envelope(*objects: str) -> bytes:
    messages = "".join(f'<TALLYMESSAGE xmlns:UDF="TallyUDF">{o}</TALLYMESSAGE>' for o in objects)
    return (
        "<ENVELOPE><HEADER><TALLYREQUEST>Import Data</TALLYREQUEST></HEADER><BODY><IMPORTDATA>"
        f"<REQUESTDATA>{messages}</REQUESTDATA></IMPORTDATA></BODY></ENVELOPE>"
    ).encode()


def line(ledger: str, amount: str, tag: str = "ALLLEDGERENTRIES.LIST", extra: str = "") -> str:
    positive = "Yes" if amount.startswith("-") else "No"
    return (
        f"<{tag}><LEDGERNAME>{ledger}</LEDGERNAME><ISDEEMEDPOSITIVE>{positive}</ISDEEMEDPOSITIVE>"
        f"<AMOUNT>{amount}</AMOUNT>{extra}</{tag}>"
    )


def voucher(
    *lines: str,
    kind: str = "Sales",
    guid: str = "g-1",
    alter: int = 1,
    date: str = "20261126",
    number: str = "1",
    action: str = "Create",
    flags: str = "",
) -> str:
    return (
        f'<VOUCHER REMOTEID="{guid}" VCHTYPE="{kind}" ACTION="{action}">'
        f"<DATE>{date}</DATE><GUID>{guid}</GUID><ALTERID> {alter}</ALTERID>"
        f"<VOUCHERTYPENAME>{kind}</VOUCHERTYPENAME><VOUCHERNUMBER>{number}</VOUCHERNUMBER>"
        f"{flags}{''.join(lines)}</VOUCHER>"
    )


SALE = (line("Sharma Enterprises", "-1180.00"), line("Sales", "1180.00"))


def load(company: Company, actor: User, *objects: str) -> Result:
    return import_streams(company=company, actor=actor, streams=[io.BytesIO(envelope(*objects))])


def test_a_voucher_carrying_all_three_line_sets_posts_once(
    company: Company, alice: User, ledgers: dict[str, Ledger]
) -> None:
    """The double-count trap: ALLLEDGERENTRIES wins alone over LEDGERENTRIES and the items'
    ACCOUNTINGALLOCATIONS, though each set balances on its own."""
    item = (
        "<ALLINVENTORYENTRIES.LIST><STOCKITEMNAME>Widget</STOCKITEMNAME><AMOUNT>1180.00</AMOUNT>"
        + line("Sales", "1180.00", "ACCOUNTINGALLOCATIONS.LIST")
        + "</ALLINVENTORYENTRIES.LIST>"
    )
    invoice = line("Sharma Enterprises", "-1180.00", "LEDGERENTRIES.LIST")
    result = load(company, alice, voucher(*SALE, invoice, item))
    assert result.created == 1 and result.errors == 0
    assert balance(ledgers["party"]) == Decimal("1180.00")
    assert balance(ledgers["sales"]) == Decimal("-1180.00")


def test_an_item_invoice_posts_its_ledger_entries_and_item_allocations(
    company: Company, alice: User, ledgers: dict[str, Ledger]
) -> None:
    item = (
        "<ALLINVENTORYENTRIES.LIST><STOCKITEMNAME>Widget</STOCKITEMNAME>"
        + line("Sales", "1000.00", "ACCOUNTINGALLOCATIONS.LIST")
        + "</ALLINVENTORYENTRIES.LIST>"
    )
    parts = (
        line("Sharma Enterprises", "-1180.00", "LEDGERENTRIES.LIST"),
        line("Output IGST", "180.00", "LEDGERENTRIES.LIST"),
        # an empty placeholder list, as Tally writes many
        "<LEDGERENTRIES.LIST>       </LEDGERENTRIES.LIST>",
    )
    result = load(company, alice, voucher(*parts, item))
    assert (result.created, result.errors) == (2, 0)  # the voucher and the tax ledger
    assert balance(ledgers["sales"]) == Decimal("-1000.00")
    tax = Ledger.objects.get(company=company, name="Output IGST")
    assert tax.group.name == "Duties & Taxes"
    assert "Ledger Output IGST is not among the file's masters: created under Duties & Taxes" in (
        result.lines
    )


def test_the_balanced_set_is_taken_when_the_chosen_one_does_not_balance(
    company: Company, alice: User, ledgers: dict[str, Ledger]
) -> None:
    broken = line("Sharma Enterprises", "-999.00")
    invoice = (line("Sharma Enterprises", "-50.00", "LEDGERENTRIES.LIST"),
               line("Sales", "50.00", "LEDGERENTRIES.LIST"))  # fmt: skip
    result = load(company, alice, voucher(broken, line("Sales", "1180.00"), *invoice))
    assert result.errors == 0
    assert balance(ledgers["sales"]) == Decimal("-50.00")


def test_the_sign_wins_over_isdeemedpositive(
    company: Company, alice: User, ledgers: dict[str, Ledger]
) -> None:
    """A discount line says ISDEEMEDPOSITIVE No with a negative amount: it is a debit."""
    lying = (
        "<ALLLEDGERENTRIES.LIST><LEDGERNAME>Sharma Enterprises</LEDGERNAME>"
        "<ISDEEMEDPOSITIVE>No</ISDEEMEDPOSITIVE><AMOUNT>-1180.00</AMOUNT></ALLLEDGERENTRIES.LIST>"
    )
    load(company, alice, voucher(lying, line("Sales", "1180.00")))
    assert balance(ledgers["party"]) == Decimal("1180.00")


def test_orders_cancelled_optional_and_deleted_are_not_posted(
    company: Company, alice: User, ledgers: dict[str, Ledger]
) -> None:
    """An unbalanced order is skipped, never refused; the file goes on."""
    order = voucher(line("Sharma Enterprises", "-500.00"), kind="Sales Order", guid="o")
    cancelled = voucher(*SALE, guid="c", flags="<ISCANCELLED>Yes</ISCANCELLED>")
    optional = voucher(*SALE, guid="p", flags="<ISOPTIONAL>Yes</ISOPTIONAL>")
    deleted = voucher(*SALE, guid="d", action="Delete")
    result = load(company, alice, order, cancelled, optional, deleted, voucher(*SALE))
    counted = {"created": 1, "altered": 0, "deleted": 0, "ignored": 3, "errors": 0}
    assert result.counters() == {**counted, "cancelled": 1}
    assert Voucher.objects.filter(company=company).count() == 1


def test_refused_vouchers_are_named_with_their_reason_and_the_rest_post(
    company: Company, alice: User, ledgers: dict[str, Ledger]
) -> None:
    unbalanced = voucher(line("Sharma Enterprises", "-100.00"), line("Sales", "90.00"), guid="u",
                         number="7")  # fmt: skip
    bad_date = voucher(*SALE, guid="b", date="20261345", number="8")
    unknown = voucher(*SALE, guid="k", kind="Mystery", number="9")
    before_books = voucher(*SALE, guid="e", date="20200101", number="10")
    result = load(company, alice, unbalanced, bad_date, unknown, before_books, voucher(*SALE))
    assert result.created == 1 and result.errors == 4
    lines = "\n".join(result.lines)
    assert "Refused Sales No. 7 of 26-Nov-2026: unbalanced voucher: Debit 100.00" in lines
    assert "Refused Sales No. 8: bad date: Sales No. 8: '20261345'" in lines
    assert "Refused Mystery No. 9 of 26-Nov-2026: unknown voucher type Mystery" in lines
    assert "Refused Sales No. 10 of 01-Jan-2020: The books begin on 01-Apr-2026." in lines


def test_a_custom_voucher_type_posts_as_its_base(
    company: Company, alice: User, ledgers: dict[str, Ledger]
) -> None:
    vtype = '<VOUCHERTYPE NAME="GST Sale Invoice"><PARENT>Sales</PARENT></VOUCHERTYPE>'
    result = load(company, alice, vtype, voucher(*SALE, kind="GST Sale Invoice"))
    assert result.created == 1
    assert Voucher.objects.get(company=company).voucher_type.base == "sales"


def test_importing_again_ignores_alter_reposts_delete_deletes(
    company: Company, alice: User, ledgers: dict[str, Ledger]
) -> None:
    load(company, alice, voucher(*SALE))
    assert load(company, alice, voucher(*SALE)).counters()["ignored"] == 1
    bigger = (line("Sharma Enterprises", "-2360.00"), line("Sales", "2360.00"))
    result = load(company, alice, voucher(*bigger, alter=2, action="Alter"))
    assert (result.altered, result.created) == (1, 0)
    assert balance(ledgers["party"]) == Decimal("2360.00")
    assert Voucher.objects.filter(company=company).count() == 1
    result = load(company, alice, voucher(*bigger, alter=3, action="Delete"))
    assert result.deleted == 1
    assert not Voucher.objects.filter(company=company).exists()
    assert balance(ledgers["party"]) == 0


def test_a_voucher_cancelled_in_tally_is_cancelled_here(
    company: Company, alice: User, ledgers: dict[str, Ledger]
) -> None:
    load(company, alice, voucher(*SALE))
    load(company, alice, voucher(*SALE, alter=2, flags="<ISCANCELLED>Yes</ISCANCELLED>"))
    assert Voucher.objects.get(company=company).is_cancelled
    assert balance(ledgers["party"]) == 0


def test_bills_and_instruments_are_brought_in(
    company: Company, alice: User, ledgers: dict[str, Ledger]
) -> None:
    new_ref = (
        "<BILLALLOCATIONS.LIST><NAME>INV-1</NAME><BILLTYPE>New Ref</BILLTYPE>"
        "<BILLCREDITPERIOD>30 Days</BILLCREDITPERIOD><AMOUNT>-1180.00</AMOUNT>"
        "</BILLALLOCATIONS.LIST>"
    )
    agst = (
        "<BILLALLOCATIONS.LIST><NAME>INV-1</NAME><BILLTYPE>Agst Ref</BILLTYPE>"
        "<AMOUNT>1000.00</AMOUNT></BILLALLOCATIONS.LIST>"
    )
    cheque = (
        "<BANKALLOCATIONS.LIST><DATE>20261127</DATE><INSTRUMENTDATE>20261127</INSTRUMENTDATE>"
        "<TRANSACTIONTYPE>Cheque</TRANSACTIONTYPE><INSTRUMENTNUMBER>000123</INSTRUMENTNUMBER>"
        "<PAYMENTFAVOURING>Sharma Traders</PAYMENTFAVOURING><AMOUNT>-1000.00</AMOUNT>"
        "</BANKALLOCATIONS.LIST><BANKALLOCATIONS.LIST>  </BANKALLOCATIONS.LIST>"
    )
    sale = voucher(line("Sharma Enterprises", "-1180.00", extra=new_ref), line("Sales", "1180.00"))
    receipt = voucher(
        line("HDFC Bank", "-1000.00", extra=cheque),
        line("Sharma Enterprises", "1000.00", extra=agst),
        kind="Receipt", guid="r", date="20261127",
    )  # fmt: skip
    result = load(company, alice, sale, receipt)
    assert (result.created, result.errors, result.lines) == (2, 0, [])
    bills = BillAllocation.objects.filter(entry__voucher__company=company).order_by("id")
    assert [(b.kind, b.name, b.amount) for b in bills] == [
        ("new", "INV-1", Decimal("1180.00")),
        ("agst", "INV-1", Decimal("-1000.00")),
    ]
    bank = BankAllocation.objects.get(entry__voucher__company=company)
    assert (bank.instrument_type, bank.instrument_number, bank.favouring) == (
        "cheque", "000123", "Sharma Traders",
    )  # fmt: skip


def test_forex_amounts_post_in_rupees(
    company: Company, alice: User, ledgers: dict[str, Ledger]
) -> None:
    forex = (line("Sharma Enterprises", "-$100.00 @ ₹ 80.00/$ = -₹ 8000.00"),
             line("Sales", "$100.00 @ ₹ 80.00/$ = ₹ 8000.00"))  # fmt: skip
    load(company, alice, voucher(*forex))
    assert balance(ledgers["party"]) == Decimal("8000.00")


def test_ledger_masters_in_both_gst_generations_and_their_alteration(
    company: Company, alice: User
) -> None:
    older = (
        '<LEDGER NAME="Patil Stores" ACTION="Create"><GUID>l-1</GUID><PARENT>Sundry Debtors'
        "</PARENT><OPENINGBALANCE>-5000.00</OPENINGBALANCE><ISBILLWISEON>Yes</ISBILLWISEON>"
        "<PARTYGSTIN>27AAPFU0939F1ZV\r\n</PARTYGSTIN><LEDSTATENAME>Maharashtra</LEDSTATENAME>"
        "<BILLALLOCATIONS.LIST><NAME>OB-1</NAME><BILLDATE>20260331</BILLDATE>"
        "<OPENINGBALANCE>-5000.00</OPENINGBALANCE></BILLALLOCATIONS.LIST></LEDGER>"
    )
    result = load(company, alice, older)
    ledger = Ledger.objects.get(company=company, name="Patil Stores")
    assert (ledger.opening_balance, ledger.gstin, ledger.state, ledger.bill_wise) == (
        Decimal("5000.00"), "27AAPFU0939F1ZV", "Maharashtra", True,
    )  # fmt: skip
    assert [(b.name, b.amount) for b in ledger.opening_bills.all()] == [("OB-1", Decimal("5000"))]
    assert result.created == 1
    newer = (
        '<LEDGER NAME="Patil Stores" ACTION="Alter"><GUID>l-1</GUID><PARENT>Sundry Debtors'
        "</PARENT><OPENINGBALANCE>-5000.00</OPENINGBALANCE><ISBILLWISEON>Yes</ISBILLWISEON>"
        "<LEDGSTREGDETAILS.LIST><APPLICABLEFROM>20170701</APPLICABLEFROM>"
        "<GSTIN>27AAPFU0939F1ZV</GSTIN></LEDGSTREGDETAILS.LIST>"
        "<LEDGSTREGDETAILS.LIST><APPLICABLEFROM>20240401</APPLICABLEFROM>"
        "<GSTIN>29AAACK4409J1ZG</GSTIN></LEDGSTREGDETAILS.LIST>"
        "<LEDMAILINGDETAILS.LIST><APPLICABLEFROM>20240401</APPLICABLEFROM>"
        "<STATE>Karnataka</STATE></LEDMAILINGDETAILS.LIST></LEDGER>"
    )
    result = load(company, alice, newer)
    ledger.refresh_from_db()
    assert (result.altered, ledger.gstin, ledger.state) == (1, "29AAACK4409J1ZG", "Karnataka")
    assert load(company, alice, newer).counters()["ignored"] == 1


def test_a_partys_registration_type_and_state_code_come_in_as_the_ledger_form_keeps_them(
    company: Company, alice: User
) -> None:
    """Tally's GSTREGISTRATIONTYPE becomes the party's registration; the state is its GSTIN's,
    with its code; a state that disagrees with the GSTIN is noted, the GSTIN's kept."""
    composition = (
        '<LEDGER NAME="Kulkarni Traders" ACTION="Create"><PARENT>Sundry Debtors</PARENT>'
        "<LEDGSTREGDETAILS.LIST><APPLICABLEFROM>20240401</APPLICABLEFROM>"
        "<GSTREGISTRATIONTYPE>Composition</GSTREGISTRATIONTYPE><GSTIN>27AAPFU0939F1ZV</GSTIN>"
        "</LEDGSTREGDETAILS.LIST><LEDSTATENAME>Goa</LEDSTATENAME></LEDGER>"
    )
    walk_in = (
        '<LEDGER NAME="Walk-in" ACTION="Create"><PARENT>Sundry Debtors</PARENT>'
        "<GSTREGISTRATIONTYPE>Unregistered/Consumer</GSTREGISTRATIONTYPE>"
        "<LEDSTATENAME>Karnataka</LEDSTATENAME></LEDGER>"
    )
    result = load(company, alice, composition, walk_in)
    kulkarni = Ledger.objects.get(company=company, name="Kulkarni Traders")
    assert (kulkarni.gst_registration_type, kulkarni.state, kulkarni.state_code) == (
        "composition", "Maharashtra", "27",
    )  # fmt: skip
    walk = Ledger.objects.get(company=company, name="Walk-in")
    assert (walk.gst_registration_type, walk.state, walk.state_code) == (
        "unregistered", "Karnataka", "29",
    )  # fmt: skip
    assert any("state Goa is not its GSTIN's (Maharashtra)" in line for line in result.lines)


def test_a_voucher_created_then_altered_in_one_file_posts_once_as_altered(
    company: Company, alice: User, ledgers: dict[str, Ledger]
) -> None:
    bigger = (line("Sharma Enterprises", "-2360.00"), line("Sales", "2360.00"))
    result = load(company, alice, voucher(*SALE), voucher(*bigger, alter=2, action="Alter"))
    assert (result.created, result.altered, result.errors) == (1, 1, 0)
    assert Voucher.objects.filter(company=company).count() == 1
    assert balance(ledgers["party"]) == Decimal("2360.00")


def test_a_ledger_renamed_in_tally_is_found_by_its_guid(company: Company, alice: User) -> None:
    def master(name: str, alter: int) -> str:
        return (
            f'<LEDGER NAME="{name}"><GUID>l-9</GUID><ALTERID>{alter}</ALTERID>'
            "<PARENT>Sundry Creditors</PARENT></LEDGER>"
        )

    load(company, alice, master("Joshi &amp; Sons", 1))
    result = load(company, alice, master("Joshi and Sons Pvt Ltd", 2))
    assert (result.created, result.altered) == (0, 1)
    assert Ledger.objects.get(company=company, name="Joshi and Sons Pvt Ltd")
    assert not Ledger.objects.filter(company=company, name="Joshi & Sons").exists()


def test_progress_hears_the_vouchers_done_batch_by_batch(
    company: Company, alice: User, ledgers: dict[str, Ledger]
) -> None:
    """What the Import page's bar shows: after each batch, every voucher read but those still
    waiting (a refused one counts as done)."""
    heard: list[int] = []
    sales = [voucher(*SALE, guid=f"g-{n}", number=str(n)) for n in range(1, 6)]
    unreadable = '<VOUCHER VCHTYPE="Sales"><DATE>20261126</DATE></VOUCHER>'
    stream = io.BytesIO(envelope(*sales, unreadable))
    import_streams(company=company, actor=alice, streams=[stream], batch=2, progress=heard.append)
    assert heard == [2, 4, 6]


def test_a_manually_numbered_type_takes_tallys_voucher_number(
    company: Company, alice: User, ledgers: dict[str, Ledger]
) -> None:
    """Sales numbered by hand here: the imported invoice keeps its Tally Voucher No."""
    from vouchers.models import VoucherType
    from vouchers.services import voucher_numbering_alter

    sales = VoucherType.objects.get(company=company, name="Sales")
    voucher_numbering_alter(
        company=company, actor=alice, voucher_type=sales, data={"method": "manual"}, version=None
    )
    result = load(company, alice, voucher(*SALE, number="A-17"))
    assert (result.created, result.errors) == (1, 0), result.lines
    assert Voucher.objects.get(company=company).voucher_no == "A-17"
