"""Every report as CSV and as an Excel workbook: the same figures as its page (read back with csv
and openpyxl and compared with the report's selector), numbers as numbers in Indian format, the
title block, the file's name, streaming, and a clear refusal of an unknown format."""

import csv
import datetime as dt
import html
import io
from decimal import Decimal

import openpyxl
import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient, Client
from django.utils import timezone

from core.export import INDIAN_AMOUNT, Column, Row, Table, csv_lines, tally_date, xlsx_file
from core.money import ZERO
from core.templatetags.tally import dom_id
from ledgers.models import Group, Ledger
from ledgers.selectors import group_list
from reports.schedule3 import schedule3_balance_sheet_get, schedule3_profit_and_loss_get
from reports.selectors import (
    balance_sheet_get,
    profit_and_loss_get,
    trial_balance_get,
    trial_balance_grouped,
)
from reports.statements import ledger_monthly_get, ledger_statement_get, ledger_statement_stream
from reports.summaries import (
    group_vouchers_get,
    group_vouchers_stream,
    period_balances_get,
    register_get,
    register_vouchers_get,
)
from tests.conftest import client_for
from tests.reports.test_final_accounts import APRIL, post
from vouchers.models import Voucher, VoucherType
from vouchers.services import voucher_cancel, voucher_create

APRIL_QUERY = "from=2026-04-01&to=2026-04-30"
D = Decimal


def download(client: Client, url: str) -> tuple[bytes, str]:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    assert response.streaming, "a file is sent as it is written"
    return b"".join(response.streaming_content), response["Content-Disposition"]


def workbook_rows(body: bytes) -> tuple[openpyxl.worksheet.worksheet.Worksheet, list[tuple]]:
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    return sheet, list(sheet.iter_rows(values_only=True))


def csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith("\ufeff".encode()), "UTF-8 with a byte-order mark, for Excel"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def money(value) -> Decimal | None:
    """A cell read back (a workbook's int or float, a CSV's text) as rupees and paise."""
    if value in (None, ""):
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"))


def test_trial_balance_workbook_has_the_page_rows_as_numbers(company, client, alice, b1):
    client.force_login(alice)
    body, disposition = download(
        client, f"/c/{company.pk}/reports/trial-balance/?as_of=2026-04-30&format=xlsx"
    )
    assert disposition == 'attachment; filename="Trial Balance 01-Apr-2026 to 30-Apr-2026.xlsx"'
    sheet, rows = workbook_rows(body)
    assert [r[0] for r in rows[:3]] == [
        "Sharma Traders",
        "Trial Balance",
        "01-Apr-2026 to 30-Apr-2026",
    ]
    assert rows[4] == ("Particulars", "Debit", "Credit")
    assert sheet.freeze_panes == "A6"
    grouped, _ = trial_balance_grouped(
        report=trial_balance_get(company=company, as_of=APRIL[1]),
        groups=list(group_list(company=company)),
    )
    expected = [
        (
            node.group.name,
            node.total if node.total > 0 else None,
            -node.total if node.total < 0 else None,
        )
        for node in grouped.groups
    ]
    expected.append(("Grand Total", grouped.total_debit, grouped.total_credit))
    assert [(r[0], money(r[1]), money(r[2])) for r in rows[5:]] == expected
    assert grouped.total_debit == Decimal("52450")
    purchase = next(
        row for row in sheet.iter_rows(min_row=6) if row[0].value == "Purchase Accounts"
    )
    assert isinstance(purchase[1].value, int | float), "a number, not text"
    assert purchase[1].number_format == INDIAN_AMOUNT
    assert purchase[0].font.b, "a group's row in bold"
    total = list(sheet.iter_rows(min_row=sheet.max_row))[0]
    assert total[0].font.b and total[1].font.b


def test_trial_balance_csv_has_plain_amounts_and_the_same_rows(company, client, alice, b1):
    client.force_login(alice)
    xlsx, _ = download(
        client, f"/c/{company.pk}/reports/trial-balance/?as_of=2026-04-30&format=xlsx"
    )
    body, disposition = download(
        client, f"/c/{company.pk}/reports/trial-balance/?as_of=2026-04-30&format=csv"
    )
    assert disposition.endswith('filename="Trial Balance 01-Apr-2026 to 30-Apr-2026.csv"')
    rows = csv_rows(body)
    assert rows[0] == ["Particulars", "Debit", "Credit"]
    assert ["Purchase Accounts", "17400.00", ""] in rows, "no grouping, two decimals"
    assert rows[-1] == ["Grand Total", "52450.00", "52450.00"]
    _, book = workbook_rows(xlsx)
    assert [(r[0], money(r[1]), money(r[2])) for r in rows[1:]] == [
        (r[0], money(r[1]), money(r[2])) for r in book[5:]
    ], "the two files say the same"


def test_a_groups_drill_down_exports_its_ledgers(company, client, alice, b1):
    client.force_login(alice)
    assets = Group.objects.get(company=company, name="Current Assets")
    body, disposition = download(
        client,
        f"/c/{company.pk}/reports/trial-balance/?as_of=2026-04-30&group={assets.pk}&format=csv",
    )
    assert "Trial Balance - Current Assets 01-Apr-2026" in disposition
    assert csv_rows(body)[1:] == [
        ["Cash-in-Hand", "14650.00", ""],
        ["Stock-in-Hand", "5000.00", ""],
        ["Sundry Debtors", "12000.00", ""],
        ["Total Current Assets", "31650.00", "0.00"],
    ]


def _sides(rows: list[tuple], width: int = 3) -> tuple[list[tuple], list[tuple]]:
    """A two-sided account's rows read back: (particulars, details, amount) per side."""
    left = [(r[0], money(r[1]), money(r[2])) for r in rows if r[0]]
    right = [(r[width], money(r[width + 1]), money(r[width + 2])) for r in rows if r[width]]
    return left, right


def test_profit_and_loss_files_reproduce_notes_b3(company, client, alice, b1):
    """NOTES.md B.3: gross profit 4,650, nett profit 1,800 — in the file as on the page."""
    client.force_login(alice)
    report = profit_and_loss_get(company=company, date_from=APRIL[0], date_to=APRIL[1])
    url = f"/c/{company.pk}/reports/profit-loss/?{APRIL_QUERY}"
    body, disposition = download(client, url + "&format=xlsx")
    assert 'filename="Profit & Loss A-c 01-Apr-2026 to 30-Apr-2026.xlsx"' in disposition
    _, rows = workbook_rows(body)
    assert rows[1][0] == "Profit & Loss A/c"
    left, right = _sides(rows[5:])
    assert left == [
        *((line.particulars, None, line.amount) for line in report.trading_debit),
        ("Total", None, report.trading_total),
        *((line.particulars, None, line.amount) for line in report.debit),
        ("Total", None, report.total),
    ]
    assert ("Gross Profit c/o", None, Decimal("4650.00")) in left
    assert ("Nett Profit", None, Decimal("1800.00")) in left
    assert ("Gross Profit b/f", None, Decimal("4650.00")) in right
    assert [r for r in right if r[0] == "Total"] == [
        ("Total", None, Decimal("27450.00")),
        ("Total", None, Decimal("4800.00")),
    ]
    assert "Freight Inward" not in [r[0] for r in rows], "ledgers in the detailed view only"
    detailed = csv_rows(download(client, url + "&detailed=1&format=csv")[0])
    assert detailed[detailed.index(["Direct Expenses", "", "400.00", "", "", ""]) + 1][:3] == [
        "  Freight Inward",
        "400.00",
        "",
    ], "a ledger under its group, amount in Details"


def test_balance_sheet_files_agree_on_both_sides(company, client, alice, b1):
    client.force_login(alice)
    report = balance_sheet_get(company=company, as_of=APRIL[1])
    body, disposition = download(
        client, f"/c/{company.pk}/reports/balance-sheet/?as_of=2026-04-30&format=xlsx"
    )
    assert 'filename="Balance Sheet as at 30-Apr-2026.xlsx"' in disposition
    _, rows = workbook_rows(body)
    assert rows[2][0] == "as at 30-Apr-2026"
    assert rows[4] == ("Liabilities", "Details", "Amount", "Assets", "Details", "Amount")
    left, right = _sides(rows[5:])
    assert [r for r in left if r[1] is None] == [
        *((line.particulars, None, line.amount) for line in report.liabilities),
        ("Total", None, Decimal("37850.00")),
    ]
    assert [r for r in right if r[1] is None] == [
        *((line.particulars, None, line.amount) for line in report.assets),
        ("Total", None, Decimal("37850.00")),
    ]
    assert ("Current Period", Decimal("1800.00"), None) in left, "as the condensed page shows"


def test_ledger_statement_files_hold_every_line_with_running_balances(company, client, alice, b1):
    client.force_login(alice)
    cash = Ledger.objects.get(company=company, name="Cash")
    page = ledger_statement_get(ledger=cash, date_from=APRIL[0], date_to=APRIL[1])
    after = page.lines[2].key  # a later page's key: the file still holds the whole period
    url = f"/c/{company.pk}/ledgers/{cash.pk}/?{APRIL_QUERY}&after={after}"
    body, disposition = download(client, url + "&format=csv")
    assert 'filename="Ledger - Cash 01-Apr-2026 to 30-Apr-2026.csv"' in disposition
    rows = csv_rows(body)
    assert rows[0] == [
        "Date",
        "Particulars",
        "Vch Type",
        "Vch No.",
        "Debit",
        "Credit",
        "Balance",
        "Dr/Cr",
    ]
    assert rows[1] == ["2026-04-01", "Opening Balance", "", "", "", "", "20000.00", "Dr"]
    assert rows[2:-1] == [
        [
            line.date.isoformat(),
            line.particulars,
            line.voucher_type,
            str(line.number),
            f"{line.debit:.2f}" if line.debit else "",
            f"{line.credit:.2f}" if line.credit else "",
            f"{abs(line.balance):.2f}",
            "Dr",
        ]
        for line in page.lines
    ], "every line (the page's key does not cut the file)"
    assert rows[-1] == ["", "Closing Balance", "", "", "", "", "14650.00", "Dr"]
    sheet, book = workbook_rows(download(client, url + "&format=xlsx")[0])
    assert book[5][0].date() == dt.date(2026, 4, 1), "a date, shown as dd-mmm-yyyy"
    assert sheet["A6"].number_format == "dd-mmm-yyyy"
    assert [money(r[6]) for r in book[6:-1]] == [line.balance for line in page.lines]


def test_a_statement_streamed_in_small_chunks_equals_its_pages(company, alice, b1):
    """The file reads the statement a chunk at a time; the lines and balances are the pages'."""
    for n in range(7):
        post(company, alice, "Receipt", 29, "Cash", "Customer X", f"{n + 1}00")
    cash = Ledger.objects.get(company=company, name="Cash")
    page = ledger_statement_get(ledger=cash, date_from=APRIL[0], date_to=APRIL[1], limit=500)
    stream = ledger_statement_stream(
        ledger=cash, date_from=APRIL[0], date_to=APRIL[1], company=company, chunk=3
    )
    assert stream.opening == page.opening
    lines = [(line.key, line.particulars, line.balance) for line in stream.lines]
    assert lines == [(line.key, line.particulars, line.balance) for line in page.lines]
    assert len(lines) == 11


def test_day_book_and_ledger_list_files(company, client, alice, b1):
    client.force_login(alice)
    rows = csv_rows(download(client, f"/c/{company.pk}/vouchers/?{APRIL_QUERY}&format=csv")[0])
    assert rows[0] == [
        "Date",
        "Particulars",
        "Vch Type",
        "Vch No.",
        "Debit Amount",
        "Credit Amount",
        "Narration",
    ]
    assert rows[1] == ["2026-04-05", "Purchase", "Purchase", "1", "11200.00", "", ""]
    assert len(rows) == 8, "the seven vouchers of April"
    body, disposition = download(client, f"/c/{company.pk}/ledgers/?format=xlsx")
    assert 'filename="List of Ledgers as at ' in disposition
    sheet, book = workbook_rows(body)
    assert ("Cash", 14650, "Dr") in book and ("Supplier A", 11050, "Cr") in book
    cash_row = next(row for row in sheet.iter_rows() if row[0].value == "Cash")
    assert cash_row[0].alignment.indent == 2, "Current Assets › Cash-in-Hand › Cash"


def test_an_unknown_format_is_refused_naming_the_parameter(company, client, alice, api):
    client.force_login(alice)
    page = client.get(f"/c/{company.pk}/reports/profit-loss/?format=pdf")
    assert page.status_code == 400
    message = 'format: The format may be "csv" or "xlsx" (or left out for the page).'
    assert message in html.unescape(page.content.decode())
    answer = api.get(f"/c/{company.pk}/reports/balance-sheet/?format=pdf")
    assert answer.status_code == 400
    assert answer.json()["errors"] == {
        "format": ['The format may be "csv" or "xlsx" (or left out for the page).']
    }


def test_scripts_get_files_too_and_strangers_get_nothing(company, api, charlie, dave, b1):
    cash = Ledger.objects.get(company=company, name="Cash")
    body, _ = download(api, f"/c/{company.pk}/ledgers/{cash.pk}/?{APRIL_QUERY}&format=csv")
    assert csv_rows(body)[-1][1] == "Closing Balance", "the statement, not the ledger's JSON"
    viewer = client_for(charlie)
    assert viewer.get(f"/c/{company.pk}/reports/profit-loss/?format=xlsx").status_code == 200
    stranger = client_for(dave)
    assert stranger.get(f"/c/{company.pk}/reports/profit-loss/?format=xlsx").status_code == 404


def test_report_pages_link_their_files_keeping_the_query(company, client, alice, b1):
    client.force_login(alice)
    page = client.get(f"/c/{company.pk}/reports/profit-loss/?{APRIL_QUERY}&detailed=1")
    text = page.content.decode()
    assert 'href="?from=2026-04-01&amp;to=2026-04-30&amp;detailed=1&amp;format=xlsx"' in text
    assert 'data-key="Alt+E"' in text
    assert 'class="print-company"' in text


@pytest.mark.django_db(transaction=True)
def test_under_asgi_the_csv_is_sent_as_it_is_read(company, alice, b1):
    """An ASGI server gets an async iterator (Django would read a plain one into a list first)."""
    client = AsyncClient()
    client.force_login(alice)
    response = async_to_sync(client.get)(f"/c/{company.pk}/vouchers/?{APRIL_QUERY}&format=csv")
    assert response.is_async

    async def read() -> bytes:
        return b"".join([part async for part in response.streaming_content])

    rows = csv_rows(async_to_sync(read)())
    assert len(rows) == 8 and rows[-1][1] == "Supplier A"


def test_a_title_block_and_indian_format_for_any_table():
    """The writer alone: a table of a new report needs only its columns and rows."""
    table = Table(
        company="Sharma Traders",
        title="Group Summary: Sundry Debtors",
        period="01-Apr-2026 to 30-Nov-2026",
        columns=[Column("Particulars"), Column("Closing", "amount")],
        rows=iter(
            [Row(["Customer X", Decimal("1234567.89")]), Row(["Total", Decimal("-5")], "total")]
        ),
    )
    assert (
        table.filename("xlsx") == "Group Summary - Sundry Debtors 01-Apr-2026 to 30-Nov-2026.xlsx"
    )
    assert list(csv_lines(table))[1:] == ["Customer X,1234567.89\r\n", "Total,-5.00\r\n"]
    table.rows = [Row(["Customer X", Decimal("1234567.89")])]
    sheet = openpyxl.load_workbook(xlsx_file(table)).active
    assert sheet["B6"].value == 1234567.89 and sheet["B6"].number_format == INDIAN_AMOUNT
    assert sheet.title == "Group Summary- Sundry Debtors"


# -- Account Books: the Trial Balance over a period, Group Summary, Group Vouchers, registers --

QUARTER = "from=2026-04-01&to=2026-06-30"
APR, MAY, JUN = dt.date(2026, 4, 1), dt.date(2026, 5, 1), dt.date(2026, 6, 30)
PERIOD_HEADER = [
    "Particulars",
    "Opening Balance",
    "Dr/Cr",
    "Debit",
    "Credit",
    "Closing Balance",
    "Dr/Cr",
]


def shown(balance: Decimal) -> list[str]:
    """A balance as the CSV holds it beside the page: amount and Dr/Cr, blank when nil."""
    if not balance:
        return ["", ""]
    return [f"{abs(balance):.2f}", "Dr" if balance > 0 else "Cr"]


def plain(amount: Decimal) -> str:
    return f"{amount:.2f}" if amount else ""


def test_period_trial_balance_workbook_has_the_period_rows(company, client, alice, books):
    client.force_login(alice)
    url = f"/c/{company.pk}/reports/trial-balance/?from=2026-05-01&to=2026-06-30"
    body, disposition = download(client, url + "&format=xlsx")
    assert disposition == 'attachment; filename="Trial Balance 01-May-2026 to 30-Jun-2026.xlsx"'
    sheet, rows = workbook_rows(body)
    assert [r[0] for r in rows[:3]] == [
        "Sharma Traders",
        "Trial Balance",
        "01-May-2026 to 30-Jun-2026",
    ]
    assert list(rows[4]) == PERIOD_HEADER
    report = period_balances_get(company=company, date_from=MAY, date_to=JUN)

    def signed(amount, side):
        return None if amount is None else money(amount) * (-1 if side == "Cr" else 1)

    read = [
        (r[0], signed(r[1], r[2]), money(r[3]) or 0, money(r[4]) or 0, signed(r[5], r[6]))
        for r in rows[5:-1]
    ]
    assert read == [
        (
            row.name,
            row.figures.opening or None,
            row.figures.debit,
            row.figures.credit,
            row.figures.closing or None,
        )
        for row in report.rows
    ]
    assert ("Current Assets", D("37000"), D("9250.25"), D("14200.50"), D("32049.75")) in read
    assert rows[-1] == ("Grand Total", 0, None, 18600.75, 18600.75, 0, None)
    current = next(row for row in sheet.iter_rows(min_row=6) if row[0].value == "Current Assets")
    assert current[0].font.b and current[1].number_format == INDIAN_AMOUNT


def test_period_trial_balance_csv_and_a_group_opened(company, client, alice, books):
    client.force_login(alice)
    assets = Group.objects.get(company=company, name="Current Assets")
    url = f"/c/{company.pk}/reports/trial-balance/?{QUARTER}&group={assets.pk}&format=csv"
    body, disposition = download(client, url)
    assert 'filename="Trial Balance - Current Assets 01-Apr-2026 to 30-Jun-2026.csv"' in disposition
    rows = csv_rows(body)
    assert rows[0] == PERIOD_HEADER
    assert rows[1:] == [
        ["Cash-in-Hand", "25000.00", "Dr", "9250.25", "9200.50", "25049.75", "Dr"],
        ["Sundry Debtors", "", "", "12000.00", "5000.00", "7000.00", "Dr"],
        ["Total Current Assets", "25000.00", "Dr", "21250.25", "14200.50", "32049.75", "Dr"],
    ]


def test_group_summary_files_indent_its_ledgers(company, client, alice, books):
    client.force_login(alice)
    debtors = Group.objects.get(company=company, name="Sundry Debtors")
    url = f"/c/{company.pk}/reports/group-summary/?group={debtors.pk}&{QUARTER}"
    body, disposition = download(client, url + "&format=csv")
    assert 'filename="Group Summary - Sundry Debtors 01-Apr-2026 to 30-Jun-2026.csv"' in disposition
    report = period_balances_get(company=company, date_from=APR, date_to=JUN, group_id=debtors.pk)
    assert csv_rows(body)[1:] == [
        *(
            [
                f"  {row.name}",
                *shown(row.figures.opening),
                plain(row.figures.debit),
                plain(row.figures.credit),
                *shown(row.figures.closing),
            ]
            for row in report.rows
        ),
        ["Total Sundry Debtors", "0.00", "", "12000.00", "5000.00", "7000.00", "Dr"],
    ]
    assert [row.name for row in report.rows] == ["Customer X"]
    sheet, _ = workbook_rows(download(client, url + "&format=xlsx")[0])
    assert sheet["A6"].value == "Customer X" and sheet["A6"].alignment.indent == 1
    assert sheet["A2"].value == "Group Summary: Sundry Debtors"


def test_group_vouchers_files_hold_every_voucher_with_the_running_balance(
    company, client, alice, books
):
    client.force_login(alice)
    assets = Group.objects.get(company=company, name="Current Assets")
    report = group_vouchers_get(company=company, group_id=assets.pk, date_from=APR, date_to=JUN)
    url = f"/c/{company.pk}/reports/group-vouchers/?group={assets.pk}&{QUARTER}&offset=3"
    body, disposition = download(client, url + "&format=csv")
    assert (
        'filename="Group Vouchers - Current Assets 01-Apr-2026 to 30-Jun-2026.csv"' in disposition
    )
    rows = csv_rows(body)
    assert rows[0] == [
        "Date",
        "Particulars",
        "Vch Type",
        "Vch No.",
        "Debit",
        "Credit",
        "Balance",
        "Dr/Cr",
    ]
    assert rows[1] == ["2026-04-01", "Opening Balance", "", "", "", "", "25000.00", "Dr"]
    assert rows[2:-2] == [
        [
            line.voucher.date.isoformat(),
            line.particulars,
            line.voucher.voucher_type.name,
            str(line.voucher.number),
            plain(line.debit),
            plain(line.credit),
            *shown(line.balance),
        ]
        for line in report.lines
    ], "every voucher (the page's offset does not cut the file)"
    assert len(rows[2:-2]) == 5
    assert rows[-2] == ["", "Total for the period", "", "", "21250.25", "14200.50", "", ""]
    assert rows[-1] == ["", "Closing Balance", "", "", "", "", "32049.75", "Dr"]
    sheet, book = workbook_rows(download(client, url + "&format=xlsx")[0])
    assert book[6][0].date() == dt.date(2026, 4, 10) and book[6][1] == "Customer X"
    assert [money(r[6]) for r in book[6:-2]] == [line.balance for line in report.lines]


def test_group_vouchers_streamed_in_small_chunks_equal_the_pages(company, alice, books):
    """The file reads the vouchers a chunk at a time; the balance runs on across chunks."""
    assets = Group.objects.get(company=company, name="Current Assets")
    page = group_vouchers_get(company=company, group_id=assets.pk, date_from=APR, date_to=JUN)
    stream = group_vouchers_stream(
        company=company, group_id=assets.pk, date_from=APR, date_to=JUN, chunk=2
    )
    assert stream.head.period == page.period and not stream.head.lines
    lines = [(line.voucher.pk, line.particulars, line.balance) for line in stream.lines]
    assert lines == [(line.voucher.pk, line.particulars, line.balance) for line in page.lines]
    assert len(lines) == 5


def test_register_files_have_a_row_per_month(company, client, alice, books):
    client.force_login(alice)
    url = f"/c/{company.pk}/reports/register/?type=sales&{QUARTER}"
    body, disposition = download(client, url + "&format=xlsx")
    assert disposition.endswith('filename="Sales Register 01-Apr-2026 to 30-Jun-2026.xlsx"')
    sheet, rows = workbook_rows(body)
    assert rows[1][0] == "Sales Register"
    assert rows[4] == ("Particulars", "Debit", "Credit", "Closing Balance", "Dr/Cr")
    sales = VoucherType.objects.get(company=company, name="Sales")
    report = register_get(voucher_type=sales, date_from=APR, date_to=JUN)
    assert [(r[0], money(r[1]) or 0, money(r[2]) or 0, money(r[3]), r[4]) for r in rows[5:-1]] == [
        (
            month.date_from.strftime("%B"),
            month.figures.debit,
            month.figures.credit,
            abs(month.figures.closing),
            "Cr",
        )
        for month in report.months
    ]
    assert [r[0] for r in rows[5:-1]] == ["April", "May", "June"]
    assert rows[-1] == ("Grand Total", 0, 16250.25, 16250.25, "Cr")
    assert sheet.cell(sheet.max_row, 1).font.b
    purchase = csv_rows(download(client, url.replace("sales", "Purchase") + "&format=csv")[0])
    assert purchase[1:] == [
        ["April", "11200.00", "", "11200.00", "Dr"],
        ["May", "6200.50", "", "17400.50", "Dr"],
        ["June", "", "", "17400.50", "Dr"],
        ["Grand Total", "17400.50", "0.00", "17400.50", "Dr"],
    ]


def test_register_vouchers_files_hold_every_voucher_and_the_cancelled(
    company, client, alice, books
):
    client.force_login(alice)
    sales = VoucherType.objects.get(company=company, name="Sales")
    may_sale = Voucher.objects.get(company=company, voucher_type=sales, date=dt.date(2026, 5, 25))
    voucher_cancel(company=company, voucher=may_sale, actor=alice, version=may_sale.version)
    report = register_vouchers_get(voucher_type=sales, date_from=APR, date_to=JUN)
    url = f"/c/{company.pk}/reports/register/vouchers/?type=Sales&{QUARTER}&offset=1"
    body, disposition = download(client, url + "&format=csv")
    assert 'filename="Sales Register - Vouchers 01-Apr-2026 to 30-Jun-2026.csv"' in disposition
    rows = csv_rows(body)
    assert rows[0] == ["Date", "Particulars", "Vch No.", "Debit", "Credit"]
    assert rows[1:-1] == [
        [
            line.voucher.date.isoformat(),
            line.particulars,
            str(line.voucher.number),
            plain(line.debit),
            plain(line.credit),
        ]
        for line in report.lines
    ]
    assert rows[1:] == [
        ["2026-04-10", "Customer X", "1", "", "12000.00"],
        ["2026-05-25", "(cancelled)", "2", "", ""],
        ["", "Total", "", "0.00", "12000.00"],
    ]
    sheet, _ = workbook_rows(download(client, url + "&format=xlsx")[0])
    assert sheet["B7"].value == "(cancelled)" and sheet["B7"].font.i, "in italics"


ACCOUNT_BOOKS = [
    ("trial-balance/?" + QUARTER, "Trial Balance"),
    ("group-summary/?group=GROUP&" + QUARTER, "Group Summary: Sundry Debtors"),
    ("group-vouchers/?group=GROUP&" + QUARTER, "Group Vouchers: Sundry Debtors"),
    ("register/?type=Sales&" + QUARTER, "Sales Register"),
    ("register/vouchers/?type=Sales&" + QUARTER, "Sales Register: Vouchers"),
]


@pytest.mark.parametrize(("query", "title"), ACCOUNT_BOOKS)
def test_account_books_refuse_an_unknown_format(company, client, api, alice, query, title):
    query = query.replace(
        "GROUP", str(Group.objects.get(company=company, name="Sundry Debtors").pk)
    )
    client.force_login(alice)
    message = 'The format may be "csv" or "xlsx" (or left out for the page).'
    page = client.get(f"/c/{company.pk}/reports/{query}&format=pdf")
    assert page.status_code == 400
    assert f"format: {message}" in html.unescape(page.content.decode())
    answer = api.get(f"/c/{company.pk}/reports/{query}&format=pdf")
    assert answer.status_code == 400
    assert answer.json()["errors"] == {"format": [message]}


@pytest.mark.parametrize("report", ["group-summary", "group-vouchers"])
def test_a_file_of_no_group_asks_for_the_group(company, client, alice, report):
    """Tally's "Name of Group" prompt is a page; a file asked for without a group is refused."""
    client.force_login(alice)
    answer = client.get(f"/c/{company.pk}/reports/{report}/?format=csv")
    assert answer.status_code == 400
    assert "group: Choose a group." in html.unescape(answer.content.decode())
    assert client.get(f"/c/{company.pk}/reports/{report}/?format=pdf").status_code == 400


@pytest.mark.parametrize(("query", "title"), ACCOUNT_BOOKS)
def test_account_books_pages_print_and_link_their_files(
    company, client, alice, books, query, title
):
    """Each page: the print frame's head (company, title, period), the Excel, CSV and Print
    links keeping the query; a live refresh of its region is the report partial alone."""
    debtors = Group.objects.get(company=company, name="Sundry Debtors")
    query = query.replace("GROUP", str(debtors.pk))
    client.force_login(alice)
    text = client.get(f"/c/{company.pk}/reports/{query}").content.decode()
    assert '<div class="print-company"><bdi>Sharma Traders</bdi></div>' in text
    printed = text.split('<div class="print-title">')[1].split("</div>")[0]
    assert html.unescape(printed.replace("<bdi>", "").replace("</bdi>", "")) == title
    assert '<div class="print-period">01-Apr-2026 to 30-Jun-2026</div>' in text
    escaped = html.escape(query.split("?")[1])
    assert f'href="?{escaped}&amp;format=xlsx"' in text
    assert f'href="?{escaped}&amp;format=csv"' in text
    region = {
        "trial-balance": "trial-balance",
        "group-summary": f"group-{debtors.pk}-summary",
        "group-vouchers": f"group-{debtors.pk}-vouchers",
        "register": "register-sales",
    }[query.split("/")[0]]
    headers = {"HX-Request": "true", "HX-Target": region}
    partial = client.get(f"/c/{company.pk}/reports/{query}", headers=headers).content.decode()
    assert "print-frame" not in partial and "export-xlsx" not in partial
    assert f'id="{region}"' in partial


def test_cash_book_file_closes_each_day_as_its_page_does(company, client, alice, b1):
    """The Cash Book's file: the statement's lines with each day's closing after its last."""
    client.force_login(alice)
    post(company, alice, "Receipt", 29, "Cash", "Customer X", "100")
    post(company, alice, "Receipt", 29, "Cash", "Customer X", "200")
    cash = Ledger.objects.get(company=company, name="Cash")
    page = ledger_statement_get(ledger=cash, date_from=APRIL[0], date_to=APRIL[1], limit=500)
    url = f"/c/{company.pk}/reports/cash-bank-books/{cash.pk}/?{APRIL_QUERY}&format=csv"
    body, disposition = download(client, url)
    assert 'filename="Cash Book - Cash 01-Apr-2026 to 30-Apr-2026.csv"' in disposition
    rows = csv_rows(body)
    closings = [row for row in rows if row[1].startswith("Closing balance on ")]
    days = [line for line in page.lines if line.day_end]
    assert [(row[1], money(row[6])) for row in closings] == [
        (f"Closing balance on {line.date:%d-%b-%Y}", abs(line.balance)) for line in days
    ]
    assert len(rows) == 1 + 1 + len(page.lines) + len(days) + 1  # head, opening, lines, total
    assert rows[-1][1] == "Closing Balance" and money(rows[-1][6]) == page.closing


def test_monthly_summary_file_equals_its_page(company, client, alice, b1):
    client.force_login(alice)
    cash = Ledger.objects.get(company=company, name="Cash")
    summary = ledger_monthly_get(company=company, ledger_id=cash.pk, year=2026)
    url = f"/c/{company.pk}/reports/ledger/{cash.pk}/monthly/?year=2026&format=xlsx"
    body, disposition = download(client, url)
    assert 'filename="Monthly Summary - Cash 01-Apr-2026 to 31-Mar-2027.xlsx"' in disposition
    _sheet, book = workbook_rows(body)
    months = [row for row in book if row[0] and str(row[0]).endswith(" 2026") and row[3]]
    april = next(line for line in summary.months if line.date_from == APRIL[0])
    assert months[0][0] == "April 2026"
    assert (money(months[0][1]), money(months[0][2])) == (april.debit, april.credit)
    total = next(row for row in book if row[0] == "Grand Total")
    assert (money(total[1]), money(total[2])) == (summary.total_debit, summary.total_credit)
    assert (money(total[3]), total[4]) == (abs(summary.closing), "Dr")


# -- Schedule III, the Cash/Bank Book(s) list, and every page's print frame --

SCHEDULE3_HEADER = ("Particulars", "Details", "Amount")


def test_schedule_iii_balance_sheet_files_reproduce_notes_b4(company, client, alice, b1):
    """Each side, its numbered sections, their heads and totals: the page's figures, 37,850 on
    both sides; the detailed file adds the groups and ledgers in the Details column."""
    client.force_login(alice)
    report = schedule3_balance_sheet_get(company=company, as_of=APRIL[1])
    url = f"/c/{company.pk}/reports/balance-sheet/?as_of=2026-04-30&layout=schedule3"
    body, disposition = download(client, url + "&format=xlsx")
    assert 'filename="Balance Sheet (Schedule III) as at 30-Apr-2026.xlsx"' in disposition
    sheet, rows = workbook_rows(body)
    assert [r[0] for r in rows[:3]] == [
        "Sharma Traders",
        "Balance Sheet (Schedule III)",
        "as at 30-Apr-2026",
    ]
    assert rows[4] == SCHEDULE3_HEADER
    expected = []
    for numeral, heading, sections, total in report.sides:
        expected.append((f"{numeral}. {heading}", None, None))
        for number, section in enumerate(sections, 1):
            expected.append((f"({number}) {section.name}", None, None))
            expected += [(head.name, None, head.amount) for head in section.heads]
            expected.append((f"Total {section.name}", None, section.total))
        expected.append(("Total", None, total))
    assert [(r[0], money(r[1]), money(r[2])) for r in rows[5:]] == expected
    assert ("Trade receivables", None, D("12000.00")) in expected
    assert [e for e in expected if e[0] == "Total"] == [("Total", None, D("37850.00"))] * 2
    heads = next(row for row in sheet.iter_rows(min_row=6) if row[0].value == "Trade payables")
    assert heads[0].alignment.indent == 2 and heads[2].number_format == INDIAN_AMOUNT
    detailed = csv_rows(download(client, url + "&detailed=1&format=csv")[0])
    reserves = detailed.index(["    Reserves and surplus", "", "1800.00"])
    assert detailed[reserves + 1 : reserves + 4] == [
        ["      Surplus in Statement of Profit and Loss", "1800.00", ""],
        ["        Opening Balance", "0.00", ""],
        ["        Current Period", "1800.00", ""],
    ], "the head's parts in the Details column, one level in"


def test_schedule_iii_files_name_what_is_not_mapped(company, client, alice, b1):
    """Capital entered short: the Difference in opening balances stands named, not dropped."""
    Ledger.objects.filter(company=company, name="Capital").update(opening_balance=-24000)
    client.force_login(alice)
    url = f"/c/{company.pk}/reports/balance-sheet/?as_of=2026-04-30&layout=schedule3&format=csv"
    rows = csv_rows(download(client, url)[0])
    not_mapped = rows.index(["  (3) Not mapped", "", ""])
    assert rows[not_mapped + 1 : not_mapped + 3] == [
        ["    Not mapped: Difference in opening balances", "", "1000.00"],
        ["  Total Not mapped", "", "1000.00"],
    ]
    assert [row for row in rows if row[0] == "Total"] == [["Total", "", "37850.00"]] * 2


def test_schedule_iii_statement_of_profit_and_loss_files(company, client, alice, b1):
    """NOTES.md B.4: Changes in inventories −6,200 (a negative number), profit before tax 1,800."""
    client.force_login(alice)
    report = schedule3_profit_and_loss_get(company=company, date_from=APRIL[0], date_to=APRIL[1])
    url = f"/c/{company.pk}/reports/profit-loss/?{APRIL_QUERY}&layout=schedule3"
    body, disposition = download(client, url + "&format=csv")
    assert 'filename="Statement of Profit and Loss 01-Apr-2026 to 30-Apr-2026.csv"' in disposition
    rows = csv_rows(body)
    assert tuple(rows[0]) == SCHEDULE3_HEADER
    assert [(r[0], money(r[1]), money(r[2])) for r in rows[1:]] == [
        ("Income", None, None),
        *((f"  {head.name}", None, head.amount) for head in report.income),
        ("Total income", None, report.total_income),
        ("Expenses", None, None),
        *((f"  {head.name}", None, head.amount) for head in report.expenses),
        ("Total expenses", None, report.total_expenses),
        ("Profit before tax", None, report.profit_before_tax),
    ]
    assert ["  Changes in inventories of Stock-in-Trade", "", "-6200.00"] in rows
    assert rows[-1] == ["Profit before tax", "", "1800.00"]
    _, book = workbook_rows(download(client, url + "&detailed=1&format=xlsx")[0])
    assert book[1][0] == "Statement of Profit and Loss"
    other = book.index(("Other expenses", None, 3400))
    assert book[other + 1 : other + 3] == [
        ("Direct Expenses", 400, None),
        ("Freight Inward", 400, None),
    ], "the detailed view's groups and ledgers under their head"


def test_cash_bank_books_file_lists_the_cash_and_bank_ledgers(company, client, alice, b1):
    client.force_login(alice)
    today = tally_date(timezone.localdate())
    body, disposition = download(client, f"/c/{company.pk}/reports/cash-bank-books/?format=csv")
    assert f'filename="Cash-Bank Book(s) as at {today}.csv"' in disposition
    rows = csv_rows(body)
    assert rows[0] == ["Particulars", "Under", "Closing Balance", "Dr/Cr"]
    assert rows[1:] == [["Cash", "Cash-in-Hand", "14650.00", "Dr"]]
    _, book = workbook_rows(
        download(client, f"/c/{company.pk}/reports/cash-bank-books/?format=xlsx")[0]
    )
    assert book[1][0] == "Cash/Bank Book(s)" and book[5] == ("Cash", "Cash-in-Hand", 14650, "Dr")


LEDGER_BOOKS = [
    (
        "reports/balance-sheet/?as_of=2026-04-30&layout=schedule3",
        "Balance Sheet (Schedule III)",
        "as at 30-Apr-2026",
        "balance-sheet",
    ),
    (
        f"reports/profit-loss/?{APRIL_QUERY}&layout=schedule3",
        "Statement of Profit and Loss",
        "01-Apr-2026 to 30-Apr-2026",
        "profit-loss",
    ),
    ("reports/cash-bank-books/?", "Cash/Bank Book(s)", "as at TODAY", "cash-bank-books"),
    (
        f"reports/cash-bank-books/CASH/?{APRIL_QUERY}",
        "Cash Book: Cash",
        "01-Apr-2026 to 30-Apr-2026",
        "statement",
    ),
    (
        "reports/ledger/CASH/monthly/?year=2026",
        "Monthly Summary: Cash",
        "01-Apr-2026 to 31-Mar-2027",
        "monthly",
    ),
]


@pytest.mark.parametrize(("query", "title", "period", "region"), LEDGER_BOOKS)
def test_every_other_report_prints_and_links_its_files(
    company, client, api, alice, b1, query, title, period, region
):
    """Schedule III, the Cash/Bank Book(s) and the Monthly Summary as the Account Books: the
    print frame's head, the file links keeping the query, the region refreshed alone, and an
    unknown format refused."""
    cash = Ledger.objects.get(company=company, name="Cash")
    query = query.replace("CASH", str(cash.pk))
    period = period.replace("TODAY", tally_date(timezone.localdate()))
    if region in ("statement", "monthly"):
        region = dom_id(cash, region)
    client.force_login(alice)
    url = f"/c/{company.pk}/{query}"
    text = client.get(url).content.decode()
    assert '<div class="print-company"><bdi>Sharma Traders</bdi></div>' in text
    printed = text.split('<div class="print-title">')[1].split("</div>")[0]
    assert html.unescape(printed.replace("<bdi>", "").replace("</bdi>", "")) == title
    assert f'<div class="print-period">{period}</div>' in text
    kept = html.escape(query.split("?")[1] + "&" if query.split("?")[1] else "")
    assert f'href="?{kept}format=xlsx"' in text and f'href="?{kept}format=csv"' in text
    partial = client.get(url, headers={"HX-Request": "true", "HX-Target": region})
    partial_text = partial.content.decode()
    assert "print-frame" not in partial_text and "export-xlsx" not in partial_text
    assert f'id="{region}"' in partial_text
    message = 'The format may be "csv" or "xlsx" (or left out for the page).'
    assert client.get(url + "&format=pdf").status_code == 400
    answer = api.get(url + "&format=pdf")
    assert answer.status_code == 400 and answer.json()["errors"] == {"format": [message]}


def test_a_name_that_looks_like_a_formula_stays_text_in_both_files(company, client, alice, b1):
    """A ledger named like a formula is not run by the spreadsheet that opens the file: the
    CSV cell gets a leading apostrophe, the workbook's cell is stored as text."""
    from tests.conftest import make_ledger

    name = '=HYPERLINK("http://example.com","x")'
    make_ledger(company, alice, name, "Sundry Debtors", opening_debit="100")
    make_ledger(company, alice, "@SUM(1)", "Sundry Debtors", opening_debit="100")
    client.force_login(alice)
    rows = csv_rows(download(client, f"/c/{company.pk}/ledgers/?format=csv")[0])
    cells = [cell for row in rows for cell in row if cell.strip("' ") in (name, "@SUM(1)")]
    assert len(cells) == 2 and all(cell.startswith("'") for cell in cells), cells
    sheet, _book = workbook_rows(download(client, f"/c/{company.pk}/ledgers/?format=xlsx")[0])
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == name)
    assert cell.data_type == "s", "text, not a formula"


def test_a_statement_file_runs_on_from_its_own_lines_when_a_save_comes_between_pages(
    company, alice, b1
):
    """A save dated before the next page, committed while the file is being read, does not make
    the file's running balance jump: each balance is the one before it plus its line."""
    for n in range(4):
        post(company, alice, "Receipt", 29, "Cash", "Customer X", f"{n + 1}00")
    cash = Ledger.objects.get(company=company, name="Cash")
    stream = ledger_statement_stream(
        ledger=cash, date_from=APRIL[0], date_to=APRIL[1], company=company, chunk=2
    )
    lines = [next(stream.lines), next(stream.lines)]
    post(company, alice, "Receipt", 2, "Cash", "Customer X", "5000")  # before the next page
    lines += list(stream.lines)
    balance = stream.opening
    for line in lines:
        balance += line.amount
        assert line.balance == balance


def test_a_group_vouchers_file_adds_up_its_own_rows_when_a_save_comes_meanwhile(
    company, alice, books
):
    """The file's totals and closing balance are those of the rows it holds: a voucher saved
    after the file's head was read (before its rows are) cannot make them disagree."""
    from reports.export import group_vouchers_table

    assets = Group.objects.get(company=company, name="Current Assets")
    stream = group_vouchers_stream(
        company=company, group_id=assets.pk, date_from=APR, date_to=JUN, chunk=2
    )
    table = group_vouchers_table(company=company, report=stream)
    rows = iter(table.rows)
    opening = next(rows)
    voucher_create(
        company=company,
        actor=alice,
        data={
            "type": "Receipt",
            "date": "2026-04-02",
            "entries": [
                {"ledger": "Cash", "debit": "777"},
                {"ledger": "Customer X", "credit": "777"},
            ],
        },
    )
    *vouchers, total, closing = rows
    assert opening.cells[1].text == "Opening Balance"
    assert any(row.cells[5] == Decimal("777") for row in vouchers), "the new voucher is there"
    debit = sum((row.cells[4] or ZERO for row in vouchers), ZERO)
    credit = sum((row.cells[5] or ZERO for row in vouchers), ZERO)
    assert total.cells[4:6] == [debit, credit]
    assert closing.cells[6:8] == vouchers[-1].cells[6:8]
