"""Company dashboard, Trial Balance, final accounts, a ledger's books (statement, Cash/Bank
Book, Monthly Summary) and Tally's Account Books (Group Summary, Group Vouchers, registers):
pages for people, JSON for scripts, CSV and Excel files."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from companies.decorators import member_view
from companies.models import Company
from companies.serializers import company_json
from core.dates import FIRST_YEAR, LAST_YEAR
from core.errors import Invalid
from core.export import export_format, export_response
from core.http import date_param, json_response, region_asked, wants_json
from core.templatetags.tally import dom_id
from core.validation import parse_id, period_asked
from ledgers.models import Ledger
from ledgers.selectors import chart_build, group_list, ledger_get, ledger_json, ledger_list
from locking.services import locks_of_company
from reports.export import (
    balance_sheet_table,
    cash_bank_books_table,
    group_vouchers_table,
    ledger_statement_table,
    monthly_summary_table,
    period_balances_table,
    profit_and_loss_table,
    register_table,
    register_vouchers_table,
    schedule3_balance_sheet_table,
    schedule3_profit_and_loss_table,
    trial_balance_table,
)
from reports.schedule3 import (
    Head,
    ScheduleIIIBalanceSheet,
    ScheduleIIIProfitAndLoss,
    schedule3_balance_sheet_get,
    schedule3_profit_and_loss_get,
)
from reports.selectors import (
    BalanceSheet,
    DetailRow,
    FinalLine,
    ProfitAndLoss,
    TrialBalance,
    balance_sheet_get,
    dashboard_get,
    profit_and_loss_get,
    trial_balance_get,
    trial_balance_grouped,
)
from reports.statements import (
    MonthlySummary,
    Statement,
    StatementKey,
    ledger_monthly_get,
    ledger_statement_get,
    ledger_statement_stream,
)
from reports.summaries import (
    NO_SUCH_GROUP,
    GroupVouchers,
    Movement,
    PeriodBalances,
    RegisterVouchers,
    group_vouchers_stream,
    period_balances_get,
    register_get,
    register_vouchers_get,
    register_vouchers_stream,
)
from reports.summaries import group_vouchers_get as group_vouchers_read
from vouchers.live import register_region
from vouchers.models import VoucherType
from vouchers.selectors import voucher_type_for_key

STATEMENT_PAGE = 200


@require_http_methods(["GET"])
@member_view
def dashboard(request: HttpRequest, company: Company) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    if wants_json(request):
        return json_response(company_json(company, membership.role))
    today = timezone.localdate()
    page = "reports/dashboard.html"
    region = region_asked(
        request,
        {
            "dashboard-cash-bank": f"{page}#cash-bank",
            "dashboard-receivables": f"{page}#receivables",
            "dashboard-payables": f"{page}#payables",
            "dashboard-activity": f"{page}#activity",
            dom_id("day-book", today.isoformat()): f"{page}#today",
        },
    )
    context = {
        "dashboard": dashboard_get(company=company, today=today),  # read as the page uses it
        "locks": None if region else locks_of_company(company=company),
    }
    return render(request, region or page, context)


def _trial_balance_json(report: TrialBalance) -> dict[str, Any]:
    difference = report.opening_difference
    return {
        "as_of": report.as_of,
        "rows": [
            {
                "ledger_id": row.ledger.pk,
                "ledger": row.ledger.name,
                "group": row.ledger.group.name if row.ledger.group else None,
                "debit": row.debit,
                "credit": row.credit,
            }
            for row in report.rows
        ],
        "total_debit": report.total_debit,
        "total_credit": report.total_credit,
        "opening_difference": abs(difference),
        "opening_difference_side": None if not difference else "Dr" if difference > 0 else "Cr",
    }


@require_http_methods(["GET"])
@member_view
def trial_balance(request: HttpRequest, company: Company) -> HttpResponse:
    """As of a day (?as_of=), or over a period (?from=&to=: Opening, Debit, Credit, Closing);
    ?group= opens a group."""
    if request.GET.get("from"):
        return _trial_balance_period(request, company)
    as_of = date_param(request, "as_of")
    fmt = export_format(request)
    if wants_json(request) and not fmt:
        return json_response(_trial_balance_json(trial_balance_get(company=company, as_of=as_of)))
    # A person reads the Trial Balance as of a day: today unless they choose another.
    as_of = as_of or timezone.localdate()
    report = trial_balance_get(company=company, as_of=as_of)
    group_id = parse_id(request.GET.get("group", ""))
    grouped, focus = trial_balance_grouped(
        report=report, groups=list(group_list(company=company)), focus_id=group_id
    )
    if group_id is not None and focus is None:
        raise Invalid.field("group", "No such group in this company.")
    date_from = min(max(company.financial_year_begins(as_of), company.books_beginning), as_of)
    if fmt:
        table = trial_balance_table(
            company=company, grouped=grouped, focus=focus, date_from=date_from, as_of=as_of
        )
        return export_response(request, table, fmt)
    context = {
        "report": report,
        "as_of": as_of,
        "date_from": date_from,
        "focus": focus,
        "grouped": grouped,
        "year_start": date_from,  # the period view's default start
    }
    return render(request, _region(request, "reports/trial_balance.html", "trial-balance"), context)


def _page_key(request: HttpRequest) -> StatementKey | None:
    """?after=, the key a statement page starts after (none: the first page)."""
    text = request.GET.get("after", "")
    return StatementKey.parse(text) if text.strip() else None


def _statement(request: HttpRequest, company: Company, ledger: Ledger) -> Statement:
    date_from, date_to = period_asked(request, company)
    return ledger_statement_get(
        ledger=ledger,
        date_from=date_from,
        date_to=date_to,
        after=_page_key(request),
        limit=STATEMENT_PAGE,
        company=company,
    )


def _statement_file(
    request: HttpRequest,
    company: Company,
    ledger: Ledger,
    fmt: str,
    *,
    title: str,
    daily: bool = False,
) -> HttpResponse:
    """Every line of the statement's period as a file (read page by page by key, streamed):
    `daily` adds each day's closing balance after its last line, as the Cash/Bank Book shows."""
    date_from, date_to = period_asked(request, company)
    stream = ledger_statement_stream(
        ledger=ledger, date_from=date_from, date_to=date_to, company=company
    )
    table = ledger_statement_table(
        company=company,
        title=title,
        statement=stream,
        date_from=date_from,
        date_to=date_to,
        daily=daily,
    )
    return export_response(request, table, fmt)


def _ledger_named(ledger: Ledger) -> dict[str, Any]:
    return {"id": ledger.pk, "name": ledger.name, "group": getattr(ledger.group, "name", None)}


def _key_json(key: StatementKey | None) -> str | None:
    return None if key is None else str(key)


def _statement_json(statement: Statement) -> dict[str, Any]:
    """A statement page: signed balances (positive = Dr), unsigned debit and credit columns;
    `next` the key of the next page (null on the last), `previous` that of the previous page
    ("" when it is the first, null on the first)."""
    return {
        "ledger": _ledger_named(statement.ledger),
        "from": statement.date_from,
        "to": statement.date_to,
        "after": _key_json(statement.after),
        "opening": statement.opening,
        "lines": [
            {
                "date": line.date,
                "particulars": line.particulars,
                "voucher_id": line.voucher_id,
                "voucher_type": line.voucher_type,
                "number": line.number,
                "debit": line.debit,
                "credit": line.credit,
                "balance": line.balance,
                "key": str(line.key),
            }
            for line in statement.lines
        ],
        "closing": statement.closing,
        "next": _key_json(statement.next),
        "previous": None if statement.after is None else str(statement.previous or ""),
    }


@require_http_methods(["GET"])
@member_view
def ledger_statement(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    """A ledger's statement (Tally's Ledger Vouchers), ?from=&to= (this financial year to
    today by default), a page of lines at a time after the key ?after=. A browser reaches it at
    the ledger's own URL too (tallysync.urls), where scripts get the ledger's JSON."""
    ledger = ledger_get(company=company, ledger_id=pk)
    if fmt := export_format(request):
        return _statement_file(request, company, ledger, fmt, title=f"Ledger: {ledger.name}")
    statement = _statement(request, company, ledger)
    if wants_json(request):
        return json_response(_statement_json(statement))
    context = {"ledger": ledger, "statement": statement}
    template = _region(request, "reports/ledger_statement.html", dom_id(ledger, "statement"))
    return render(request, template, context)


@require_http_methods(["GET"])
@member_view
def cash_bank_books(request: HttpRequest, company: Company) -> HttpResponse:
    """Tally's Cash/Bank Book(s): the cash and bank ledgers to choose from, with balances (as
    a file too)."""
    ledgers = list(ledger_list(company=company).filter(group__is_cash_bank=True))
    today = timezone.localdate()
    if fmt := export_format(request):
        table = cash_bank_books_table(company=company, ledgers=ledgers, today=today)
        return export_response(request, table, fmt)
    if wants_json(request):
        return json_response([ledger_json(ledger) for ledger in ledgers])
    template = _region(request, "reports/cash_bank_books.html", "cash-bank-books")
    return render(request, template, {"ledgers": ledgers, "today": today})


@require_http_methods(["GET"])
@member_view
def cash_bank_book(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    """A cash or bank ledger's statement with each day's closing balance after the day's last
    line; `ledger` refused (400) for a ledger outside Cash-in-Hand and the bank groups."""
    ledger = ledger_get(company=company, ledger_id=pk)
    if ledger.group is None or not ledger.group.is_cash_bank:
        message = (
            f"{ledger.name} is not a cash or bank ledger: the Cash/Bank Book shows ledgers under "
            "Cash-in-Hand, Bank Accounts or Bank OD A/c."
        )
        raise Invalid.field("ledger", message)
    if fmt := export_format(request):
        book = "Cash Book" if ledger.group.is_cash else "Bank Book"
        title = f"{book}: {ledger.name}"
        return _statement_file(request, company, ledger, fmt, title=title, daily=True)
    statement = _statement(request, company, ledger)
    if wants_json(request):
        days = [{"date": x.date, "closing": x.balance} for x in statement.lines if x.day_end]
        return json_response({**_statement_json(statement), "day_closings": days})
    context = {"ledger": ledger, "statement": statement, "daily": True}
    template = _region(request, "reports/cash_bank_book.html", dom_id(ledger, "statement"))
    return render(request, template, context)


def _year(request: HttpRequest, company: Company) -> int:
    """?year= (2026 for 2026-27), by default the financial year of today; Invalid naming
    `year` otherwise."""
    text = request.GET.get("year", "").strip()
    if not text:
        return company.financial_year_of(timezone.localdate())
    year = parse_id(text)
    if year is None or not FIRST_YEAR <= year < LAST_YEAR:
        message = "Enter the year a financial year begins in, like 2026 for 2026-27."
        raise Invalid.field("year", message)
    return year


def _monthly_json(summary: MonthlySummary) -> dict[str, Any]:
    return {
        "ledger": _ledger_named(summary.ledger),
        "from": summary.year_start,
        "to": summary.year_end,
        "opening": summary.opening,
        "months": [
            {
                "month": f"{line.date_from:%Y-%m}",
                "from": line.date_from,
                "to": line.date_to,
                "debit": line.debit,
                "credit": line.credit,
                "closing": line.closing,
            }
            for line in summary.months
        ],
        "total_debit": summary.total_debit,
        "total_credit": summary.total_credit,
        "closing": summary.closing,
    }


@require_http_methods(["GET"])
@member_view
def ledger_monthly(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    """A ledger's Monthly Summary for a financial year (?year=), each month drilling down to
    the ledger's statement for that month."""
    summary = ledger_monthly_get(company=company, ledger_id=pk, year=_year(request, company))
    if fmt := export_format(request):
        table = monthly_summary_table(company=company, summary=summary)
        return export_response(request, table, fmt)
    if wants_json(request):
        return json_response(_monthly_json(summary))
    region = dom_id(summary.ledger, "monthly")
    template = _region(request, "reports/ledger_monthly.html", region)
    return render(request, template, {"summary": summary, "ledger": summary.ledger})


def _region(request: HttpRequest, template: str, region: str) -> str:
    """The report's own partial when a live refresh asks for its region (htmx's target)."""
    return region_asked(request, {region: f"{template}#report"}) or template


def _details_json(rows: list[DetailRow]) -> list[dict[str, Any]]:
    return [
        {
            "particulars": row.particulars,
            "amount": row.amount,
            "depth": row.depth,
            "ledger_id": row.ledger.pk if row.ledger else None,
        }
        for row in rows
    ]


def _line_json(line: FinalLine, part: str) -> dict[str, Any]:
    return {
        "particulars": line.particulars,
        "amount": line.amount,
        "part": part,
        "group_id": line.group.pk if line.group else None,
        "details": _details_json(line.details),
    }


def _profit_and_loss_json(report: ProfitAndLoss) -> dict[str, Any]:
    def side(trading: list[FinalLine], rest: list[FinalLine]) -> list[dict[str, Any]]:
        return [_line_json(x, "trading") for x in trading] + [
            _line_json(x, "profit_loss") for x in rest
        ]

    return {
        "from": report.date_from,
        "to": report.date_to,
        "gross_profit": report.gross_profit,
        "nett_profit": report.nett_profit,
        "debit": side(report.trading_debit, report.debit),
        "credit": side(report.trading_credit, report.credit),
        "trading_total": report.trading_total,
        "total": report.total,
    }


SCHEDULE_III = "schedule3"


def _schedule3(request: HttpRequest) -> bool:
    """?layout=schedule3 asks for Schedule III's vertical form; ?layout=tally (or none) for
    Tally's horizontal one; Invalid naming the field for anything else."""
    layout = request.GET.get("layout") or "tally"
    if layout not in ("tally", SCHEDULE_III):
        message = "Choose tally (Tally's layout) or schedule3 (Schedule III, vertical)."
        raise Invalid.field("layout", message)
    return layout == SCHEDULE_III


def _head_json(head: Head) -> dict[str, Any]:
    return {"head": head.name, "amount": head.amount, "details": _details_json(head.details)}


def _schedule3_profit_and_loss_json(report: ScheduleIIIProfitAndLoss) -> dict[str, Any]:
    return {
        "from": report.date_from,
        "to": report.date_to,
        "layout": SCHEDULE_III,
        "income": [_head_json(head) for head in report.income],
        "total_income": report.total_income,
        "expenses": [_head_json(head) for head in report.expenses],
        "total_expenses": report.total_expenses,
        "profit_before_tax": report.profit_before_tax,
    }


def _schedule3_profit_and_loss(
    request: HttpRequest, company: Company, date_from: dt.date, date_to: dt.date
) -> HttpResponse:
    report = schedule3_profit_and_loss_get(company=company, date_from=date_from, date_to=date_to)
    detailed = request.GET.get("detailed") == "1"
    if fmt := export_format(request):
        table = schedule3_profit_and_loss_table(company=company, report=report, detailed=detailed)
        return export_response(request, table, fmt)
    if wants_json(request):
        return json_response(_schedule3_profit_and_loss_json(report))
    context = {"report": report, "detailed": detailed}
    template = "reports/schedule3_profit_loss.html"
    return render(request, _region(request, template, "profit-loss"), context)


@require_http_methods(["GET"])
@member_view
def profit_and_loss(request: HttpRequest, company: Company) -> HttpResponse:
    """Tally's Profit & Loss A/c for a period; ?detailed=1 shows sub-groups and ledgers;
    ?layout=schedule3 the Statement of Profit and Loss (Schedule III)."""
    date_from, date_to = period_asked(request, company)
    if _schedule3(request):
        return _schedule3_profit_and_loss(request, company, date_from, date_to)
    report = profit_and_loss_get(company=company, date_from=date_from, date_to=date_to)
    detailed = request.GET.get("detailed") == "1"
    if fmt := export_format(request):
        table = profit_and_loss_table(company=company, report=report, detailed=detailed)
        return export_response(request, table, fmt)
    if wants_json(request):
        return json_response(_profit_and_loss_json(report))
    context = {"report": report, "detailed": detailed}
    return render(request, _region(request, "reports/profit_loss.html", "profit-loss"), context)


def _balance_sheet_json(report: BalanceSheet) -> dict[str, Any]:
    return {
        "as_of": report.as_of,
        "liabilities": [_line_json(x, "liabilities") for x in report.liabilities],
        "assets": [_line_json(x, "assets") for x in report.assets],
        "liabilities_total": report.liabilities_total,
        "assets_total": report.assets_total,
    }


def _schedule3_balance_sheet_json(report: ScheduleIIIBalanceSheet) -> dict[str, Any]:
    def side(sections: list[Any]) -> list[dict[str, Any]]:
        return [
            {
                "section": section.name,
                "heads": [_head_json(head) for head in section.heads],
                "total": section.total,
            }
            for section in sections
        ]

    return {
        "as_of": report.as_of,
        "layout": SCHEDULE_III,
        "equity_and_liabilities": side(report.equity_and_liabilities),
        "assets": side(report.assets),
        "equity_and_liabilities_total": report.equity_and_liabilities_total,
        "assets_total": report.assets_total,
        "not_mapped": report.not_mapped,
    }


@require_http_methods(["GET"])
@member_view
def balance_sheet(request: HttpRequest, company: Company) -> HttpResponse:
    """Tally's Balance Sheet as of a day (today by default); ?detailed=1 as above;
    ?layout=schedule3 the same figures in Schedule III's vertical form."""
    as_of = date_param(request, "as_of") or timezone.localdate()
    schedule3 = _schedule3(request)
    detailed = request.GET.get("detailed") == "1"
    fmt = export_format(request)
    if schedule3:
        report: BalanceSheet | ScheduleIIIBalanceSheet = schedule3_balance_sheet_get(
            company=company, as_of=as_of
        )
        if fmt:
            table = schedule3_balance_sheet_table(company=company, report=report, detailed=detailed)
            return export_response(request, table, fmt)
    else:
        report = balance_sheet_get(company=company, as_of=as_of)
        if fmt:
            table = balance_sheet_table(company=company, report=report, detailed=detailed)
            return export_response(request, table, fmt)
    if wants_json(request):
        as_json = _schedule3_balance_sheet_json if schedule3 else _balance_sheet_json
        return json_response(as_json(report))  # type: ignore[arg-type]
    year_start = max(company.financial_year_begins(as_of), company.books_beginning)
    context = {
        "report": report,
        "detailed": detailed,
        "year_start": min(year_start, as_of),
    }
    template = f"reports/{'schedule3_' if schedule3 else ''}balance_sheet.html"
    return render(request, _region(request, template, "balance-sheet"), context)


# -- Account Books: the Trial Balance over a period, Group Summary, Group Vouchers, registers --


def _movement_json(figures: Movement) -> dict[str, Any]:
    """Signed opening and closing (positive = Dr), positive debit and credit."""
    return {
        "opening": figures.opening,
        "debit": figures.debit,
        "credit": figures.credit,
        "closing": figures.closing,
    }


def _period_balances_json(report: PeriodBalances) -> dict[str, Any]:
    focus = report.focus
    return {
        "from": report.date_from,
        "to": report.date_to,
        "group": {"id": focus.pk, "name": focus.name} if focus else None,
        "rows": [
            {
                "kind": row.kind,
                "id": (row.group or row.ledger).pk if row.group or row.ledger else None,
                "name": row.name,
                **_movement_json(row.figures),
            }
            for row in report.rows
        ],
        "totals": _movement_json(report.totals),
    }


def _trial_balance_period(request: HttpRequest, company: Company) -> HttpResponse:
    date_from, date_to = period_asked(request, company)
    group_id = _group_param(request, required=False)
    report = period_balances_get(
        company=company, date_from=date_from, date_to=date_to, group_id=group_id
    )
    if fmt := export_format(request):
        table = period_balances_table(company=company, report=report, title="Trial Balance")
        return export_response(request, table, fmt)
    if wants_json(request):
        return json_response(_period_balances_json(report))
    context = {"period": report, "drill": "trial-balance"}
    return render(request, _region(request, "reports/trial_balance.html", "trial-balance"), context)


def _group_param(request: HttpRequest, *, required: bool) -> int | None:
    """?group=<id>; Invalid naming `group` for one that is no id (or none, if `required`)."""
    raw = request.GET.get("group", "").strip()
    if not raw and not required:
        return None
    group_id = parse_id(raw)
    if group_id is None:
        raise Invalid.field("group", "Choose a group." if not raw else NO_SUCH_GROUP)
    return group_id


def _group_picker(request: HttpRequest, company: Company, title: str) -> HttpResponse:
    """Tally's "Name of Group" prompt: every group, as the chart of accounts nests them (a
    script, or a file asked for, is told to choose one)."""
    if wants_json(request) or export_format(request):
        raise Invalid.field("group", "Choose a group.")
    nodes = [n for root in chart_build(groups=group_list(company=company)) for n in root.walk()]
    context = {"title": title, "nodes": nodes, "query": request.GET.urlencode()}
    return render(request, "reports/group_picker.html", context)


@require_http_methods(["GET"])
@member_view
def group_summary(request: HttpRequest, company: Company) -> HttpResponse:
    """Tally's Group Summary: a group's sub-groups and ledgers over a period."""
    date_from, date_to = period_asked(request, company)
    if not request.GET.get("group"):
        return _group_picker(request, company, "Group Summary")
    report = period_balances_get(
        company=company,
        date_from=date_from,
        date_to=date_to,
        group_id=_group_param(request, required=True),
    )
    if fmt := export_format(request):
        table = period_balances_table(company=company, report=report, title="Group Summary")
        return export_response(request, table, fmt)
    if wants_json(request):
        return json_response(_period_balances_json(report))
    region = dom_id(report.focus, "summary")  # type: ignore[arg-type]
    context = {"period": report, "drill": "group-summary", "region": region}
    return render(request, _region(request, "reports/group_summary.html", region), context)


@require_http_methods(["GET"])
@member_view
def group_vouchers(request: HttpRequest, company: Company) -> HttpResponse:
    """Tally's Group Vouchers: the period's vouchers touching a group, its running balance."""
    date_from, date_to = period_asked(request, company)
    if not request.GET.get("group"):
        return _group_picker(request, company, "Group Vouchers")
    group_id = _group_param(request, required=True)
    if fmt := export_format(request):
        stream = group_vouchers_stream(
            company=company, group_id=group_id, date_from=date_from, date_to=date_to
        )
        return export_response(request, group_vouchers_table(company=company, report=stream), fmt)
    offset = parse_id(request.GET.get("offset", "")) or 0
    report = group_vouchers_read(
        company=company,
        group_id=group_id,
        date_from=date_from,
        date_to=date_to,
        offset=offset,
        limit=STATEMENT_PAGE,
    )
    if wants_json(request):
        return json_response(_group_vouchers_json(report, offset))
    region = dom_id(report.group, "vouchers")
    context = {"report": report, "region": region, "next_offset": offset + STATEMENT_PAGE}
    return render(request, _region(request, "reports/group_vouchers.html", region), context)


def _group_vouchers_json(report: GroupVouchers, offset: int) -> dict[str, Any]:
    return {
        "from": report.date_from,
        "to": report.date_to,
        "group": {"id": report.group.pk, "name": report.group.name},
        **_movement_json(report.period),
        "rows": [
            {
                "voucher_id": line.voucher.pk,
                "date": line.voucher.date,
                "type": line.voucher.voucher_type.name,
                "number": line.voucher.number,
                "particulars": line.particulars,
                "debit": line.debit,
                "credit": line.credit,
                "balance": line.balance,
            }
            for line in report.lines
        ],
        "next_offset": offset + len(report.lines) if report.more else None,
    }


def _voucher_type_param(request: HttpRequest, company: Company) -> VoucherType:
    """?type=sales (a voucher type's name or key); Invalid naming `type` otherwise."""
    raw = request.GET.get("type", "")
    voucher_type = voucher_type_for_key(company=company, key=raw) if raw.strip() else None
    if voucher_type is None:
        names = ", ".join(label for _, label in VoucherType.Base.choices)
        raise Invalid.field("type", f"Choose a voucher type: {names}.")
    return voucher_type


@require_http_methods(["GET"])
@member_view
def register(request: HttpRequest, company: Company) -> HttpResponse:
    """A voucher type's register (Tally's Sales Register, Purchase Register, …): its months."""
    voucher_type = _voucher_type_param(request, company)
    date_from, date_to = period_asked(request, company)
    report = register_get(voucher_type=voucher_type, date_from=date_from, date_to=date_to)
    if fmt := export_format(request):
        return export_response(request, register_table(company=company, report=report), fmt)
    if wants_json(request):
        return json_response(
            {
                "type": voucher_type.name,
                "from": date_from,
                "to": date_to,
                "months": [
                    {"from": m.date_from, "to": m.date_to, "vouchers": m.vouchers}
                    | _movement_json(m.figures)
                    for m in report.months
                ],
                "totals": _movement_json(report.totals),
            }
        )
    region = register_region(voucher_type.name)
    context = {"report": report, "region": region}
    return render(request, _region(request, "reports/register.html", region), context)


@require_http_methods(["GET"])
@member_view
def register_vouchers(request: HttpRequest, company: Company) -> HttpResponse:
    """A register's month opened (or any period): the type's vouchers, their values."""
    voucher_type = _voucher_type_param(request, company)
    date_from, date_to = period_asked(request, company)
    if fmt := export_format(request):
        stream = register_vouchers_stream(
            voucher_type=voucher_type, date_from=date_from, date_to=date_to
        )
        table = register_vouchers_table(company=company, report=stream)
        return export_response(request, table, fmt)
    offset = parse_id(request.GET.get("offset", "")) or 0
    report = register_vouchers_get(
        voucher_type=voucher_type,
        date_from=date_from,
        date_to=date_to,
        offset=offset,
        limit=STATEMENT_PAGE,
    )
    if wants_json(request):
        return json_response(_register_vouchers_json(report, offset))
    region = register_region(voucher_type.name)
    context = {"report": report, "region": region, "next_offset": offset + STATEMENT_PAGE}
    return render(request, _region(request, "reports/register_vouchers.html", region), context)


def _register_vouchers_json(report: RegisterVouchers, offset: int) -> dict[str, Any]:
    return {
        "type": report.voucher_type.name,
        "from": report.date_from,
        "to": report.date_to,
        "rows": [
            {
                "voucher_id": line.voucher.pk,
                "date": line.voucher.date,
                "particulars": line.particulars,
                "number": line.voucher.number,
                "cancelled": line.voucher.is_cancelled,
                "debit": line.debit,
                "credit": line.credit,
            }
            for line in report.lines
        ],
        "totals": _movement_json(report.totals),
        "next_offset": offset + len(report.lines) if report.more else None,
    }
