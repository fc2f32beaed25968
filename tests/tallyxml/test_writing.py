"""Books written as Tally XML (tallyxml.writing, `manage.py export_tally`): Tally's sign rule,
dates, encodings, bills, bank details and opening bills, stable GUIDs, bounded queries; and the
round trip: import(export(books)) into an empty company gives the same closing balances ledger
by ledger, and into the same company changes nothing."""

from __future__ import annotations

import codecs
import datetime as dt
import io
import itertools
import json
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, fromstring, tostring

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from books.services import company_create
from companies.models import Company
from ledgers.models import Ledger
from ledgers.services import group_create
from tallyxml import writing
from tallyxml.importing import Result, import_streams
from tallyxml.writing import export_write, voucher_guid
from tests.conftest import DAY, FY_START, make_ledger, sale
from vouchers.models import Voucher, VoucherType
from vouchers.services import voucher_cancel, voucher_create

SAMPLES = Path(__file__).parent / "samples"
EXPECTED = json.loads((SAMPLES / "expected_trial_balances.json").read_text())


def exported(company: Company, **options: Any) -> bytes:
    out = io.BytesIO()
    export_write(company, out, **options)
    return out.getvalue()


def parsed(company: Company, **options: Any) -> Element:
    return fromstring(exported(company, encoding="utf-8", **options))


def objects(root: Element, tag: str) -> list[Element]:
    return root.findall(f"BODY/IMPORTDATA/REQUESTDATA/TALLYMESSAGE/{tag}")


def lines(voucher: Element) -> dict[str, Element]:
    return {line.findtext("LEDGERNAME"): line for line in voucher.findall("ALLLEDGERENTRIES.LIST")}


def closings(company: Company) -> dict[str, Decimal]:
    """Each ledger's closing balance (positive = Dr), zero ones left out."""
    return {
        ledger.name: balance
        for ledger in Ledger.objects.filter(company=company)
        if (balance := ledger.opening_balance + ledger.total_debit - ledger.total_credit)
    }


def imported(company: Company, actor: User, data: bytes) -> Result:
    return import_streams(company=company, actor=actor, streams=[io.BytesIO(data)])


def empty_company(actor: User, name: str = "Copy") -> Company:
    return company_create(actor=actor, name=name, financial_year_start=FY_START)


def receipt(amount: str, **bank: str) -> dict[str, Any]:
    return {
        "type": "Receipt",
        "date": (DAY + dt.timedelta(days=2)).isoformat(),
        "reference": "CHQ-7",
        "entries": [
            {"ledger": "HDFC Bank", "debit": amount, **bank},
            {"ledger": "Sharma Enterprises", "credit": amount,
             "bills": [{"type": "Agst Ref", "name": "1", "amount": amount}]},
        ],
    }  # fmt: skip


# -- what is written -------------------------------------------------------------------------


def test_debits_are_deemed_positive_with_a_negative_amount(company: Company, voucher) -> None:
    """FORMAT.md §4: a debit is ISDEEMEDPOSITIVE=Yes with a negative AMOUNT, a credit No with
    a positive one; DATE is YYYYMMDD, the number and narration come along."""
    (element,) = objects(parsed(company), "VOUCHER")
    assert element.get("VCHTYPE") == "Sales"
    assert element.findtext("DATE") == "20261126"
    assert element.findtext("VOUCHERNUMBER") == "1"
    assert element.findtext("NARRATION") == "Invoice for Sharma Enterprises"
    party, sales = lines(element)["Sharma Enterprises"], lines(element)["Sales"]
    assert (party.findtext("ISDEEMEDPOSITIVE"), party.findtext("AMOUNT")) == ("Yes", "-100000.00")
    assert (sales.findtext("ISDEEMEDPOSITIVE"), sales.findtext("AMOUNT")) == ("No", "100000.00")
    assert element.findtext("ISCANCELLED") == "No"


def test_the_voucher_number_is_the_one_issued(company: Company, alice: User, ledgers) -> None:
    """A series with a prefix: VOUCHERNUMBER is INV/26-27/0001, the invoice's number, not the
    counter behind it."""
    from vouchers.services import voucher_numbering_alter

    sales = VoucherType.objects.get(company=company, name="Sales")
    voucher_numbering_alter(
        company=company,
        actor=alice,
        voucher_type=sales,
        data={"prefix": "INV/{fy}/", "width": 4},
        version=None,
    )
    voucher_create(company=company, actor=alice, data=sale())
    assert objects(parsed(company), "VOUCHER")[0].findtext("VOUCHERNUMBER") == "INV/26-27/0001"


def test_a_partys_registration_type_is_written_in_tallys_words(
    company: Company, alice: User
) -> None:
    make_ledger(
        company, alice, "Kulkarni Traders", "Sundry Debtors",
        gstin="27AAPFU0939F1ZV", gst_registration_type="composition",
    )  # fmt: skip
    ledger = next(
        e for e in objects(parsed(company), "LEDGER") if e.get("NAME") == "Kulkarni Traders"
    )
    assert ledger.findtext("GSTREGISTRATIONTYPE") == "Composition"
    assert ledger.findtext("LEDGSTREGDETAILS.LIST/GSTREGISTRATIONTYPE") == "Composition"


def test_a_voucher_keeps_one_guid(company: Company, voucher) -> None:
    """A voucher made here has Tally's shape of GUID from the company's chain id and its id,
    the same in every export; REMOTEID is the GUID."""
    first, again = (objects(parsed(company), "VOUCHER")[0] for _ in range(2))
    guid = first.findtext("GUID")
    assert guid == again.findtext("GUID") == first.get("REMOTEID")
    assert guid == voucher_guid(company, voucher.id)
    assert guid.endswith(f"-{voucher.id:08x}") and len(guid) == 36 + 9


def test_a_voucher_from_tally_keeps_its_tally_guid_and_alterid(
    company: Company, alice: User, ledgers: dict[str, Ledger]
) -> None:
    tally = (
        b'<ENVELOPE><BODY><IMPORTDATA><REQUESTDATA><TALLYMESSAGE><VOUCHER REMOTEID="abc-1" '
        b'VCHTYPE="Sales"><DATE>20261126</DATE><GUID>abc-1</GUID><ALTERID> 7</ALTERID>'
        b"<VOUCHERTYPENAME>Sales</VOUCHERTYPENAME><ALLLEDGERENTRIES.LIST><LEDGERNAME>Sales"
        b"</LEDGERNAME><AMOUNT>10.00</AMOUNT></ALLLEDGERENTRIES.LIST><ALLLEDGERENTRIES.LIST>"
        b"<LEDGERNAME>Cash</LEDGERNAME><AMOUNT>-10.00</AMOUNT></ALLLEDGERENTRIES.LIST></VOUCHER>"
        b"</TALLYMESSAGE></REQUESTDATA></IMPORTDATA></BODY></ENVELOPE>"
    )
    assert imported(company, alice, tally).created == 1
    (element,) = objects(parsed(company), "VOUCHER")
    assert (element.findtext("GUID"), element.findtext("ALTERID")) == ("abc-1", " 7")


def test_utf16_with_a_bom_by_default_utf8_on_request(company: Company, voucher) -> None:
    utf16 = exported(company)
    assert utf16.startswith(codecs.BOM_UTF16_LE + "<ENVELOPE>".encode("utf-16-le"))
    utf8 = exported(company, encoding="utf-8")
    assert utf8.startswith(b"<ENVELOPE>")
    assert utf16[2:].decode("utf-16-le") == utf8.decode("utf-8")
    assert "Import Data" in utf8.decode() and "<SVCURRENTCOMPANY>Sharma Traders<" in utf8.decode()
    with pytest.raises(ValueError, match="encoding must be one of utf-16, utf-8, not 'latin-1'"):
        exported(company, encoding="latin-1")


def test_a_name_with_markup_and_rupees_is_escaped(company: Company, alice: User) -> None:
    make_ledger(company, alice, "Khan & Sons <₹>", "Sundry Debtors")
    for encoding in ("utf-16", "utf-8"):
        data = exported(company, encoding=encoding)
        names = [e.get("NAME") for e in objects(fromstring(data), "LEDGER")]
        assert "Khan & Sons <₹>" in names


def test_a_period_takes_only_its_vouchers(company: Company, alice: User, ledgers) -> None:
    for day in ("2026-04-01", "2026-06-30", "2026-07-01"):
        voucher_create(company=company, actor=alice, data={
            "type": "Journal", "date": day,
            "entries": [{"ledger": "Rent", "debit": "5"}, {"ledger": "Sales", "credit": "5"}],
        })  # fmt: skip
    root = parsed(company, date_from=dt.date(2026, 6, 1), date_to=dt.date(2026, 6, 30))
    assert [v.findtext("DATE") for v in objects(root, "VOUCHER")] == ["20260630"]
    root = parsed(company, date_from=dt.date(2026, 6, 30))
    assert [v.findtext("DATE") for v in objects(root, "VOUCHER")] == ["20260630", "20260701"]
    assert objects(parsed(company, vouchers=False), "VOUCHER") == []
    assert objects(parsed(company, masters=False), "LEDGER") == []


def test_bills_and_the_bank_instrument_ride_on_their_lines(
    company: Company, alice: User, voucher
) -> None:
    voucher_create(company=company, actor=alice, data=receipt(
        "40000", instrument_type="Cheque", instrument_number="004512",
        instrument_date="2026-11-27", favouring="Sharma Traders",
    ))  # fmt: skip
    sale, paid = objects(parsed(company), "VOUCHER")
    bill = lines(sale)["Sharma Enterprises"].find("BILLALLOCATIONS.LIST")
    assert [bill.findtext(t) for t in ("NAME", "BILLTYPE", "AMOUNT")] == [
        "1",
        "New Ref",
        "-100000.00",
    ]
    assert paid.findtext("REFERENCE") == "CHQ-7"
    settled = lines(paid)["Sharma Enterprises"].find("BILLALLOCATIONS.LIST")
    assert [settled.findtext(t) for t in ("NAME", "BILLTYPE", "AMOUNT")] == [
        "1",
        "Agst Ref",
        "40000.00",
    ]
    bank = lines(paid)["HDFC Bank"].find("BANKALLOCATIONS.LIST")
    assert {child.tag: child.text for child in bank} == {
        "DATE": "20261128",
        "INSTRUMENTDATE": "20261127",
        "TRANSACTIONTYPE": "Cheque",
        "INSTRUMENTNUMBER": "004512",
        "PAYMENTFAVOURING": "Sharma Traders",
        "AMOUNT": "-40000.00",
    }
    assert lines(paid)["Sharma Enterprises"].find("BANKALLOCATIONS.LIST") is None


def test_a_ledger_with_its_opening_and_opening_bills(company: Company, alice: User) -> None:
    """OPENINGBALANCE negative = Dr; each opening bill a BILLALLOCATIONS.LIST with its date,
    signed amount and credit period; GSTIN and state in both of Tally's generations."""
    make_ledger(company, alice, "Old Customer", "Sundry Debtors", opening_debit="2500",
                gstin="27AAPFU0939F1ZV", state="Maharashtra", opening_bills=[
        {"name": "OB-1", "date": "2026-03-10", "amount": "3000", "side": "Dr",
         "due_date": "2026-04-09"},
        {"name": "OB-2", "date": "2026-03-20", "amount": "500", "side": "Cr"},
    ])  # fmt: skip
    ledger = next(e for e in objects(parsed(company), "LEDGER") if e.get("NAME") == "Old Customer")
    assert ledger.findtext("PARENT") == "Sundry Debtors"
    assert ledger.findtext("OPENINGBALANCE") == "-2500.00"
    assert ledger.findtext("ISBILLWISEON") == "Yes"
    assert ledger.findtext("PARTYGSTIN") == "27AAPFU0939F1ZV"
    assert ledger.findtext("LEDGSTREGDETAILS.LIST/GSTIN") == "27AAPFU0939F1ZV"
    assert ledger.findtext("LEDMAILINGDETAILS.LIST/STATE") == "Maharashtra"
    bills = [
        [bill.findtext(t) for t in ("NAME", "BILLDATE", "OPENINGBALANCE", "BILLCREDITPERIOD")]
        for bill in ledger.findall("BILLALLOCATIONS.LIST")
    ]
    assert bills == [
        ["OB-1", "20260310", "-3000.00", "30 Days"],
        ["OB-2", "20260320", "500.00", None],
    ]
    alone = writing.ledger_element(Ledger.objects.get(company=company, name="Old Customer"))
    assert alone.findtext("LEDGSTREGDETAILS.LIST/APPLICABLEFROM") == "20260401"
    reserved = {e.get("NAME"): e.get("RESERVEDNAME") for e in objects(parsed(company), "LEDGER")}
    assert reserved["Profit & Loss A/c"] == "Profit & Loss A/c"
    assert reserved["Cash"] == reserved["Old Customer"] == ""


def test_written_as_elementtree_would_write_it(company: Company, alice: User) -> None:
    """`serialized` (the export's own, faster) writes what ElementTree's tostring does."""
    make_ledger(company, alice, 'Khan & "Sons" <₹>', "Sundry Debtors", state="Tamil Nadu")
    voucher_create(company=company, actor=alice, data={
        "type": "Receipt", "date": DAY.isoformat(), "narration": "a < b & c > d\nline two",
        "entries": [{"ledger": "Cash", "debit": "5"},
                    {"ledger": 'Khan & "Sons" <₹>', "credit": "5"}],
    })  # fmt: skip
    elements = [*writing.master_elements(company), *writing.voucher_elements(company)]
    assert len(elements) == 4  # the two ledgers of every company, the new one, the voucher
    for element in elements:
        assert writing.serialized(element) == tostring(
            element, encoding="unicode", short_empty_elements=False
        )


def test_groups_are_the_companys_own_each_after_its_parent(company: Company, alice: User) -> None:
    """Tally's 28 are every company's: not written. A sub-group comes after its parent."""
    top = group_create(company=company, actor=alice, name="Retail Debtors", parent="Sundry Debtors")
    group_create(company=company, actor=alice, name="Mumbai Retail", parent=top.name)
    groups = objects(parsed(company), "GROUP")
    assert [(g.get("NAME"), g.findtext("PARENT")) for g in groups] == [
        ("Retail Debtors", "Sundry Debtors"),
        ("Mumbai Retail", "Retail Debtors"),
    ]
    assert groups[0].findtext("ISDEEMEDPOSITIVE") == "Yes"  # an asset's is debit-natured
    assert groups[0].findtext("LANGUAGENAME.LIST/NAME.LIST/NAME") == "Retail Debtors"


def test_a_voucher_type_of_the_companys_own_names_its_base(
    company: Company, alice: User, ledgers
) -> None:
    """Tally's eight are every company's: not written. Another is a VOUCHERTYPE whose PARENT
    is its base, so an empty company posts its vouchers as that base."""
    VoucherType.objects.create(company=company, name="GST Sale", base="sales", abbreviation="GST")
    voucher_create(company=company, actor=alice, data={**sale(), "type": "GST Sale"})
    root = parsed(company)
    (kind,) = objects(root, "VOUCHERTYPE")
    assert (kind.get("NAME"), kind.findtext("PARENT")) == ("GST Sale", "Sales")
    (element,) = objects(root, "VOUCHER")
    assert element.get("VCHTYPE") == element.findtext("VOUCHERTYPENAME") == "GST Sale"
    copy = empty_company(alice)
    result = imported(copy, alice, exported(company))
    assert result.errors == 0, result.lines
    assert closings(copy) == closings(company)
    assert Voucher.objects.get(company=copy).voucher_type.base == "sales"


def test_a_cancelled_voucher_says_so(company: Company, alice: User, voucher) -> None:
    voucher_cancel(company=company, voucher=voucher, actor=alice, version=1)
    (element,) = objects(parsed(company), "VOUCHER")
    assert element.findtext("ISCANCELLED") == "Yes"
    assert element.findall("ALLLEDGERENTRIES.LIST") == []


def test_queries_do_not_grow_with_the_vouchers(
    company: Company, alice: User, ledgers, django_assert_num_queries
) -> None:
    """Vouchers are read a chunk at a time with their entries, bills and bank prefetched."""

    def add(count: int) -> None:
        for _ in range(count):
            voucher_create(company=company, actor=alice, data=receipt("1", instrument_number="1"))

    voucher_create(company=company, actor=alice, data={
        "type": "Sales", "date": DAY.isoformat(),
        "entries": [{"ledger": "Sharma Enterprises", "debit": "1000"},
                    {"ledger": "Sales", "credit": "1000"}],
    })  # fmt: skip
    add(2)
    # 13 for the accounting masters and the vouchers, and the inventory masters' four: units,
    # stock groups, godowns, stock items (their openings' prefetch only when there are items)
    with django_assert_num_queries(17) as few:
        exported(company)
    add(6)
    with django_assert_num_queries(len(few.captured_queries)):
        exported(company)


def test_vouchers_come_in_date_order_across_chunks(
    company: Company, alice: User, ledgers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read two at a time by (date, id): none lost or repeated where a chunk ends mid-day;
    each object is written to the stream as it is made, not the file at the end."""
    monkeypatch.setattr(writing, "CHUNK", 2)
    days = ["2026-05-02", "2026-05-01", "2026-05-02", "2026-05-02", "2026-04-30"]
    for number, day in enumerate(days):
        voucher_create(company=company, actor=alice, data={
            "type": "Journal", "date": day, "narration": str(number),
            "entries": [{"ledger": "Rent", "debit": "5"}, {"ledger": "Sales", "credit": "5"}],
        })  # fmt: skip
    writes: list[int] = []

    class Stream(io.BytesIO):
        def write(self, data: Any) -> int:
            writes.append(len(data))
            return super().write(data)

    out = Stream()
    count = export_write(company, out, masters=False, encoding="utf-8")
    root = fromstring(out.getvalue())
    assert [v.findtext("NARRATION") for v in objects(root, "VOUCHER")] == list("41023")
    assert count.vouchers == 5
    assert len(writes) > 5 and max(writes) < 4000


# -- the round trip --------------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_samples_round_trip(alice: User, company_creation_open: None, case: str) -> None:
    """Each shared sample imported, exported, and the export imported into an empty company:
    the same closing balances ledger by ledger (Tally's own, to the paisa)."""
    files = [SAMPLES / name for name in EXPECTED[case]["files"]]
    streams = [path.open("rb") for path in files]
    first = empty_company(alice, "Imported")
    Company.objects.filter(pk=first.pk).update(
        financial_year_start="2022-04-01", books_beginning="2022-04-01"
    )
    first.refresh_from_db()
    import_streams(company=first, actor=alice, streams=streams)
    for stream in streams:
        stream.close()
    want = {name: -Decimal(amount) for name, amount in EXPECTED[case]["closing"].items()}
    assert closings(first) == want
    copy = empty_company(alice)
    Company.objects.filter(pk=copy.pk).update(
        financial_year_start="2022-04-01", books_beginning="2022-04-01"
    )
    copy.refresh_from_db()
    result = imported(copy, alice, exported(first))
    assert result.errors == 0, result.lines
    assert closings(copy) == want
    assert Voucher.objects.filter(company=copy).count() == EXPECTED[case]["vouchers"]


def test_books_with_bills_and_bank_round_trip(company: Company, alice: User, voucher) -> None:
    make_ledger(company, alice, "Old Customer", "Sundry Debtors", opening_debit="2500",
                opening_bills=[{"name": "OB-1", "date": "2026-03-10", "amount": "2500",
                                "side": "Dr"}])  # fmt: skip
    voucher_create(company=company, actor=alice, data=receipt("40000", instrument_number="9"))
    copy = empty_company(alice)
    result = imported(copy, alice, exported(company))
    assert result.errors == 0, result.lines
    assert closings(copy) == closings(company)
    assert parsed(copy, masters=False).findall(".//BILLALLOCATIONS.LIST/NAME")
    old = Ledger.objects.get(company=copy, name="Old Customer")
    assert [(b.name, b.amount) for b in old.opening_bills.all()] == [("OB-1", Decimal("2500.00"))]


def test_the_export_imported_into_the_same_company_changes_nothing(
    company: Company, alice: User, voucher
) -> None:
    """Masters by name, vouchers by the GUID the export gave them: all ignored (a cancelled
    voucher counted as cancelled, as Tally counts it); no Change written."""
    make_ledger(company, alice, "Old Customer", "Sundry Debtors", opening_debit="2500",
                opening_bills=[{"name": "OB-1", "date": "2026-03-10", "amount": "2500",
                                "side": "Dr"}])  # fmt: skip
    group_create(company=company, actor=alice, name="Retail Debtors", parent="Sundry Debtors")
    paid = voucher_create(company=company, actor=alice, data=receipt("40000"))
    voucher_cancel(company=company, voucher=paid, actor=alice, version=1)
    voucher_create(company=company, actor=alice, data=receipt("100", instrument_number="9"))
    seq = Company.objects.get(pk=company.pk).last_seq
    result = imported(company, alice, exported(company))
    assert result.errors == 0, result.lines
    assert (result.created, result.altered, result.deleted) == (0, 0, 0)
    assert result.cancelled == 1
    assert Company.objects.get(pk=company.pk).last_seq == seq
    assert Voucher.objects.filter(company=company).count() == 3


BANKS = ("HDFC Bank", "SBI Current A/c")
GROUPS = (
    "Sundry Debtors", "Sundry Creditors", "Indirect Expenses", "Direct Incomes", "Sales Accounts",
    "Purchase Accounts", "Capital Account", "Duties & Taxes", "Fixed Assets", "Loans (Liability)",
)  # fmt: skip
TYPES = (
    "Sales",
    "Purchase",
    "Journal",
    "Credit Note",
    "Debit Note",
    "Payment",
    "Receipt",
    "Contra",
)
paise = st.integers(min_value=1, max_value=10**9).map(lambda p: Decimal(p) / 100)
books_made = itertools.count()


@st.composite
def books(draw: st.DrawFn) -> dict[str, Any]:
    """Random ledgers in random groups (some in a sub-group of their own) with openings, and
    random balanced vouchers of random types and dates, some cancelled."""
    names = draw(st.lists(st.sampled_from("ABCDEFGHJK"), min_size=2, max_size=6, unique=True))
    ledgers = [
        (f"Ledger {name}", draw(st.sampled_from(GROUPS)), draw(st.booleans()),
         draw(st.one_of(st.just(Decimal(0)), paise, paise.map(lambda a: -a))))
        for name in names
    ]  # fmt: skip
    vouchers = []
    for _ in range(draw(st.integers(min_value=0, max_value=8))):
        kind = draw(st.sampled_from(TYPES))
        cash = ["Cash", *BANKS]
        others = [name for name, *_ in ledgers]
        if kind == "Contra":
            single, many = draw(
                st.lists(st.sampled_from(cash), min_size=2, max_size=2, unique=True)
            )
            many = [many]
        elif kind in ("Payment", "Receipt"):
            single = draw(st.sampled_from(cash))
            many = draw(st.lists(st.sampled_from(others), min_size=1, max_size=3))
        else:
            single, *many = draw(
                st.lists(st.sampled_from(others), min_size=2, max_size=2, unique=True)
            )
        spread = [(name, draw(paise)) for name in many]
        total = [(single, sum((amount for _, amount in spread), Decimal(0)))]
        # A Receipt debits its cash or bank; a Payment credits it; the rest either way round.
        debits, credits = (total, spread) if kind == "Receipt" else (spread, total)
        day = FY_START + dt.timedelta(days=draw(st.integers(min_value=0, max_value=364)))
        vouchers.append((kind, day, debits, credits, draw(st.booleans()) and draw(st.booleans())))
    return {"ledgers": ledgers, "vouchers": vouchers}


def books_write(alice: User, drawn: dict[str, Any]) -> Company:
    company = empty_company(alice, f"Random Books {next(books_made)}")
    for bank in BANKS:
        make_ledger(company, alice, bank, "Bank Accounts")
    for name, group, own_group, opening in drawn["ledgers"]:
        if own_group:
            group = group_create(
                company=company, actor=alice, name=f"{name} Group", parent=group
            ).name
        side = "opening_debit" if opening > 0 else "opening_credit"
        make_ledger(company, alice, name, group, **{side: str(abs(opening))})
    for kind, day, debits, credits, cancelled in drawn["vouchers"]:
        entries = [{"ledger": name, "debit": str(amount)} for name, amount in debits]
        entries += [{"ledger": name, "credit": str(amount)} for name, amount in credits]
        made = voucher_create(
            company=company, actor=alice,
            data={"type": kind, "date": day.isoformat(), "entries": entries},
        )  # fmt: skip
        if cancelled:
            voucher_cancel(company=company, voucher=made, actor=alice, version=made.version)
    return company


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=books())
def test_random_books_round_trip(alice: User, company_creation_open: None, drawn) -> None:
    """import(export(books)) into an empty company: the same closing balance, ledger by
    ledger; and into the same company: nothing created or altered."""
    company = books_write(alice, drawn)
    data = exported(company)
    copy = empty_company(alice, f"Random Copy {next(books_made)}")
    result = imported(copy, alice, data)
    assert result.errors == 0, result.lines
    assert closings(copy) == closings(company)
    again = imported(company, alice, data)
    assert (again.created, again.altered, again.errors) == (0, 0, 0), again.lines


# -- the command -----------------------------------------------------------------------------


def test_the_command_writes_the_file(company: Company, voucher, tmp_path: Path) -> None:
    out = io.StringIO()
    path = tmp_path / "books.xml"
    call_command(
        "export_tally", company="Sharma Traders", date_from="2026-11-01", date_to="2026-11-30",
        output=str(path), stdout=out,
    )  # fmt: skip
    assert "1 vouchers to" in out.getvalue()
    assert path.read_bytes().startswith(codecs.BOM_UTF16_LE)
    call_command("export_tally", "--utf8", "--vouchers-only", "--company", "Sharma Traders",
                 "-o", str(path), stdout=out)  # fmt: skip
    assert objects(fromstring(path.read_bytes()), "LEDGER") == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"company": "Nobody"}, "No company called Nobody."),
        ({"date_from": "2026-13-01"}, "--from '2026-13-01' is not a date: write it as YYYY-MM-DD."),
        ({"date_from": "2026-12-01", "date_to": "2026-11-01"}, "--from 2026-12-01 is after --to"),
    ],
)
def test_the_command_names_what_is_wrong(
    company: Company, tmp_path: Path, options: dict[str, str], message: str
) -> None:
    options = {"company": "Sharma Traders", "output": str(tmp_path / "x.xml"), **options}
    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        call_command("export_tally", stdout=io.StringIO(), **options)
    assert not (tmp_path / "x.xml").exists()
