"""Vouchers: Day Book, the entry form, view, alter, cancel, delete — pages and JSON (§7)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

from django.contrib import messages
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from companies.access import membership_require, writer_require
from companies.decorators import member_view
from companies.models import Company
from core.dates import outside_year, period_step, year_end
from core.errors import Invalid, NotFound, StaleVersion, found
from core.export import export_format, export_response
from core.forms import Errors
from core.http import (
    body_data,
    date_param,
    json_response,
    region_asked,
    version_of,
    wants_json,
)
from core.money import format_amount, format_balance, parse_amount
from core.records import snapshot_fields
from core.templatetags.tally import dom_id
from core.validation import parse_date, parse_id
from editlog.idempotency import save_answered
from editlog.models import Change
from ledgers.selectors import ledger_list, ledger_search
from locking.pages import lock_for_page
from locking.services import locks_of_company
from vouchers.bills import BillRef, Instrument, Kind, bills_pending, entry_parts, is_bank
from vouchers.drafts import ledger_wants_cash_bank
from vouchers.export import day_book_table
from vouchers.forms import Ledgers, page_rows
from vouchers.live import VOUCHER_TYPES
from vouchers.models import Entry, Voucher, VoucherNumbering, VoucherType
from vouchers.numbering import Series, series_get
from vouchers.parts import voucher_body_of
from vouchers.selectors import (
    day_book,
    day_book_days,
    voucher_get,
    voucher_json,
    voucher_no_next,
    voucher_type_for_key,
    voucher_types,
    vouchers_json,
)
from vouchers.services import (
    voucher_alter,
    voucher_cancel,
    voucher_create,
    voucher_delete,
    voucher_numbering_alter,
)

MAX_DAY_BOOK_DAYS = 366
LEDGER_CHOICES = 30  # names in the entry screen's list as the user types (Tally's list scrolls)
EXPORT_CHUNK = 2000  # vouchers (with their entries) read at a time for a file
# Receipts and Contras start with the credit line in Tally's double-entry mode.
FIRST_SIDE = {VoucherType.Base.RECEIPT: "Cr", VoucherType.Base.CONTRA: "Cr"}
INSTRUMENT_FIELDS = ("instrument_type", "instrument_number", "instrument_date", "favouring")
# The words of the save's refusal to alter a reconciled line's amount unasked
# (vouchers.bills.lines_carried): the page asks, then posts again with confirm_reconciled.
RECONCILED_ASK = "confirm_reconciled"


def _saved(change: Change) -> HttpResponse:
    """The answer to a save: the voucher as recorded in its Change (so a replay answers as the
    first save did), that Change's seq, and what the save warns of ("Cash will be 1,500.00 Cr
    after this voucher"; a replay, answered from the Edit Log, repeats no warning)."""
    status = 201 if change.verb == Change.Verb.CREATE else 200
    warnings = getattr(change, "warnings", [])
    body = {**snapshot_fields(change.after), "seq": change.seq, "warnings": warnings}
    return json_response(body, status=status)


def _warn(request: HttpRequest, voucher: Voucher) -> None:
    """The save's warnings, shown on the page the browser is sent to."""
    for warning in getattr(voucher.change, "warnings", []):  # type: ignore[attr-defined]
        messages.warning(request, warning)


def _year_question(
    request: HttpRequest, company: Company, data: dict[str, Any], was: dt.date | None = None
) -> str | None:
    """For a voucher typed on the page (not a script's JSON): the question to ask before a date
    outside the current financial year is saved, unless the user has answered it (the page
    then sends `outside_year`). None when there is nothing to ask, the date unreadable included
    (the save says why), and an alteration that keeps the date it had (`was`)."""
    if wants_json(request) or data.get("outside_year") == "yes":
        return None
    year_start = company.financial_year_begins(timezone.localdate())
    try:
        day = parse_date(data.get("date"), year_start=year_start)
    except ValueError:
        return None
    outside = None if day == was else outside_year(day, year_start)
    return outside and f"{outside} Press Ctrl+A again to save it on this date."


def _form_rows(entries: list[dict[str, Any]], errors: Errors) -> list[dict]:
    """Rows for the entry form from typed (or stored) lines, each with its own messages: its
    bills' and instrument's too (`entries.1.bills.0.amount`), and the question to ask before
    altering a reconciled line's amount (`reconciled_ask`)."""
    rows = []
    for i, entry in enumerate(entries):
        debit = entry.get("debit")
        side = entry.get("side") or ("Dr" if debit not in (None, "") else "Cr")
        asked = [m for m in errors.get(f"entries.{i}.amount", []) if RECONCILED_ASK in m]
        rows.append(
            {
                "ledger": entry.get("ledger", ""),
                "side": "Cr" if str(side).lower() == "cr" else "Dr",
                "amount": entry.get("amount") or debit or entry.get("credit") or "",
                "bills": entry.get("bills", ""),
                "bank": {name: entry.get(name, "") for name in INSTRUMENT_FIELDS},
                "bank_sent": any(name in entry for name in INSTRUMENT_FIELDS),
                "ledger_errors": errors.get(f"entries.{i}.ledger", []),
                "amount_errors": [
                    *errors.get(f"entries.{i}", []),
                    *errors.get(f"entries.{i}.debit", []),
                    *errors.get(f"entries.{i}.credit", []),
                    *errors.get(f"entries.{i}.amount", []),
                ],
                "bill_errors": _part_errors(errors, f"entries.{i}.bills"),
                "bank_errors": [
                    m for name in INSTRUMENT_FIELDS for m in errors.get(f"entries.{i}.{name}", [])
                ],
                "reconciled_ask": asked[0] if asked else "",
            }
        )
    return rows


def _part_errors(errors: Errors, prefix: str) -> list[str]:
    """The messages on a line's bills, each bill's with its place ("Bill 2: …")."""
    found = list(errors.get(prefix, []))
    for key, said in errors.items():
        if key.startswith(prefix + "."):
            place = int(key[len(prefix) + 1 :].split(".")[0]) + 1
            found += [f"Bill {place}: {message}" for message in said]
    return found


def _stored_row(entry: Entry) -> dict[str, Any]:
    """A saved line as the entry form shows it: its bills as the JSON text the page posts, its
    instrument in the page's fields."""
    bills, bank = entry_parts(entry)
    row: dict[str, Any] = {
        "ledger": entry.ledger.name,
        "side": entry.side,
        "amount": format_amount(abs(entry.amount)),
    }
    if bills:
        row["bills"] = json.dumps([_bill_typed(bill) for bill in bills])
    if bank is not None:
        row |= {
            "instrument_type": Instrument(bank.instrument_type).label
            if bank.instrument_type
            else "",
            "instrument_number": bank.instrument_number,
            "instrument_date": f"{bank.instrument_date:%d-%b-%Y}" if bank.instrument_date else "",
            "favouring": bank.favouring,
        }
    return row


def _bill_typed(bill: BillRef) -> dict[str, str]:
    typed = {
        "type": Kind(bill.kind).label,
        "name": bill.name,
        "amount": format_amount(abs(bill.amount)),
        "side": "Dr" if bill.amount > 0 else "Cr",
    }
    if bill.due_date:
        typed["due_date"] = f"{bill.due_date:%d-%b-%Y}"
    return typed


def _with_balances(company: Company, rows: list[dict]) -> list[dict]:
    """Each row with its ledger's balance as the list shows it (`1,00,000.00 Dr`), whether it
    keeps bills (and its credit period) and is a bank line, for the ledgers the rows name (one
    query); a name that is no ledger gets none."""
    names = {str(row["ledger"]).strip().lower() for row in rows if str(row["ledger"]).strip()}
    if not names:
        return rows
    found = ledger_list(company=company).annotate(lname=Lower("name")).filter(lname__in=names)
    by_name = {ledger.lname: ledger for ledger in found}
    for row in rows:
        if ledger := by_name.get(str(row["ledger"]).strip().lower()):
            row["balance"] = format_balance(ledger.closing_balance)
            row["bill_wise"], row["credit_days"] = ledger.bill_wise, ledger.credit_days
            row["bank_line"] = is_bank(ledger)
    return rows


def _entry_rows(
    data: dict[str, Any], voucher: Voucher | None, voucher_type: VoucherType, errors: Errors
) -> list[dict]:
    """What the typed rows were; else the voucher's lines; else Tally's two empty lines (a
    Receipt or Contra starts with the credit)."""
    if (typed := page_rows(data)) is not None:
        return _form_rows(typed, errors)
    if voucher:
        return _form_rows([_stored_row(e) for e in voucher.entries.all()], errors)
    first = FIRST_SIDE.get(voucher_type.base, "Dr")
    return _form_rows([{"side": first}, {"side": "Dr" if first == "Cr" else "Cr"}], errors)


def _row_totals(rows: list[dict]) -> dict[str, Decimal]:
    """Dr and Cr totals of the rows as shown, so a form that cannot be typed in (someone else
    holds it, so the entry script leaves it alone) still shows its totals; amounts that do not
    read as amounts count as nothing, as on screen."""
    totals = {"Dr": Decimal(0), "Cr": Decimal(0)}
    for row in rows:
        try:
            totals[row["side"]] += parse_amount(row["amount"])
        except ValueError:
            continue
    return {"debit": totals["Dr"], "credit": totals["Cr"]}


def _voucher_form(
    request: HttpRequest,
    company: Company,
    *,
    voucher_type: VoucherType,
    voucher: Voucher | None = None,
    data: dict[str, Any] | None = None,
    errors: Errors | None = None,
    status: int = 200,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """The voucher entry screen: new, alteration, or re-shown with what was typed and why not."""
    errors, data = errors or {}, data or {}
    today = timezone.localdate()
    day = data.get("date") or (voucher.date.isoformat() if voucher else today.isoformat())
    year_start = company.financial_year_begins(today)
    try:
        parsed = parse_date(day, year_start=year_start)
    except ValueError:  # shown as typed, with the message
        parsed = None
    else:
        day = parsed.strftime("%d-%b-%Y")  # as Tally writes dates
    financial_year = company.financial_year_of(parsed or today)
    series = series_get(voucher_type=voucher_type)
    context = {
        "voucher_type": voucher_type,
        "types": voucher_types(company=company),
        "voucher": voucher,
        "number": voucher.voucher_no
        if voucher
        else voucher_no_next(
            voucher_type=voucher_type, financial_year=financial_year, series=series
        ),
        "manual": series.manual,
        "typed_number": data.get("number", voucher.number_text if voucher else ""),
        "date": day,
        "narration": data.get("narration", voucher.narration if voucher else ""),
        "reference": data.get("reference", voucher.reference if voucher else ""),
        "version": data.get("version", voucher.version if voucher else ""),
        "rows": (rows := _with_balances(company, _entry_rows(data, voucher, voucher_type, errors))),
        "totals": _row_totals(rows),
        "errors": errors,
        "general_errors": [*errors.get("entries", []), *errors.get("__all__", [])],
        "reconciled_ask": next(
            (row["reconciled_ask"] for row in rows if row["reconciled_ask"]), ""
        ),
        "instruments": Instrument.labels,
        "year_start": year_start,
        "year_end": year_end(year_start),
        **(extra or {}),
    }
    return render(request, "vouchers/form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@member_view
def vouchers(request: HttpRequest, company: Company) -> HttpResponse:
    if request.method == "POST":
        return _create(request, company)
    day = date_param(request, "date", timezone.localdate())
    date_from, date_to = date_param(request, "from", day), date_param(request, "to", day)
    if not 0 <= (date_to - date_from).days <= MAX_DAY_BOOK_DAYS:
        raise Invalid.field("to", "Choose an end date on or after the start, at most a year on.")
    rows = day_book(company=company, date_from=date_from, date_to=date_to)
    if fmt := export_format(request):
        vouchers = rows.iterator(chunk_size=EXPORT_CHUNK)
        table = day_book_table(
            company=company, vouchers=vouchers, date_from=date_from, date_to=date_to
        )
        return export_response(request, table, fmt)
    if wants_json(request):
        return json_response(
            {
                "from": date_from,
                "to": date_to,
                "vouchers": vouchers_json(list(rows)),
            }
        )
    table = "vouchers/_day_book_table.html"  # the region is the whole table, days and all
    region = region_asked(request, {dom_id("day-book", date_from.isoformat()): table})
    context = {
        "days": day_book_days(rows, date_from=date_from, date_to=date_to),
        "locks": None if region else locks_of_company(company=company),
        "day": date_from,
        "date_to": date_to if date_to != date_from else None,
        # Whole months page by whole months (Nov → Dec to its 31st), days by as many days.
        "previous": period_step(date_from, date_to, -1),
        "next": period_step(date_from, date_to, 1),
    }
    return render(request, region or "vouchers/day_book.html", context)


def _creator(data: Any) -> Callable[..., Voucher]:
    """The service that posts `data`: an app's own (`vouchers.parts.VoucherBody`: an item or
    tax invoice), else `voucher_create`."""
    body = voucher_body_of(data)
    return body.create if body is not None else voucher_create


def _alterer(data: Any, voucher: Voucher) -> Callable[..., Voucher]:
    """The service that alters `voucher` with `data`: the app's own for a voucher it made or a
    body it posts, else `voucher_alter`."""
    body = voucher_body_of(data, voucher)
    return body.alter if body is not None else voucher_alter


def _create(request: HttpRequest, company: Company) -> HttpResponse:
    data = body_data(request)
    if question := _year_question(request, company, data):
        voucher_type = voucher_type_for_key(company=company, key=str(data.get("type", "")))
        return _voucher_form(
            request,
            company,
            voucher_type=voucher_type or voucher_types(company=company).first(),
            data=data,
            errors={"date": [question]},
            extra={"outside_year_asked": True},
        )

    def saved_page(voucher: Voucher) -> HttpResponse:
        messages.success(request, f"{voucher} saved ({voucher.date:%d-%b-%Y}).")
        _warn(request, voucher)
        # Like Tally: after a save, a fresh voucher of the same type on the same date.
        url = reverse("voucher-new", args=[company.pk])
        return redirect(f"{url}?type={voucher.voucher_type.base}&date={voucher.date.isoformat()}")

    def refused_page(errors: Errors, status: int, _: Exception) -> HttpResponse:
        voucher_type = voucher_type_for_key(company=company, key=str(data.get("type", "")))
        return _voucher_form(
            request,
            company,
            voucher_type=voucher_type or voucher_types(company=company).first(),
            data=data,
            errors=errors,
            status=status,
        )

    return save_answered(
        request,
        company=company,
        save=partial(_creator(data), company=company, actor=request.user, data=data),
        answer=_saved,
        saved_page=saved_page,
        refused_page=refused_page,
    )


@require_http_methods(["GET"])
@member_view
def voucher_new(request: HttpRequest, company: Company) -> HttpResponse:
    writer_require(company=company, actor=request.user)
    voucher_type = voucher_type_for_key(company=company, key=request.GET.get("type", "sales"))
    if voucher_type is None:
        raise Invalid.field("type", "Choose a voucher type, such as Sales or Receipt.")
    data = {"date": request.GET["date"]} if request.GET.get("date") else None
    return _voucher_form(request, company, voucher_type=voucher_type, data=data)


@require_http_methods(["GET"])
@member_view
def voucher_edit(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    """The alteration screen: it takes the voucher's edit lock for this page, or, if someone
    else holds it, shows their name and waits (read-only) until they let go."""
    voucher = voucher_get(company=company, voucher_id=pk)
    extra = lock_for_page(request, company, voucher)
    return _voucher_form(
        request, company, voucher_type=voucher.voucher_type, voucher=voucher, extra=extra
    )


def _detail(request: HttpRequest, company: Company, voucher: Voucher) -> HttpResponse:
    page = "vouchers/detail.html"
    region = region_asked(request, {dom_id(voucher, "view"): f"{page}#view"})
    return render(request, region or page, {"voucher": voucher})


@require_http_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
@member_view
def voucher(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    current = voucher_get(company=company, voucher_id=pk)
    if request.method == "GET":
        if wants_json(request):
            return json_response(voucher_json(current))
        return _detail(request, company, current)
    data = body_data(request)
    version = version_of(request, data)
    if request.method == "DELETE":
        voucher_delete(company=company, voucher=current, actor=request.user, version=version)
        if request.htmx:  # type: ignore[attr-defined]
            messages.success(request, f"{current} deleted.")
            day = current.date.isoformat()
            return HttpResponseClientRedirect(
                f"{reverse('vouchers', args=[company.pk])}?date={day}"
            )
        return HttpResponse(status=204)

    if question := _year_question(request, company, data, was=current.date):
        extra = {**lock_for_page(request, company, current), "outside_year_asked": True}
        return _voucher_form(
            request,
            company,
            voucher_type=current.voucher_type,
            voucher=current,
            data=data,
            errors={"date": [question]},
            extra=extra,
        )

    def saved_page(altered: Voucher) -> HttpResponse:
        messages.success(request, f"{altered} altered.")
        _warn(request, altered)
        return redirect("voucher", company.pk, altered.pk)

    return save_answered(
        request,
        company=company,
        save=partial(
            _alterer(data, current),
            company=company,
            voucher=current,
            actor=request.user,
            data=data,
            version=version,
        ),
        answer=_saved,
        saved_page=saved_page,
        refused_page=partial(_alter_refused, request, company, current, data),
    )


def _alter_refused(
    request: HttpRequest,
    company: Company,
    current: Voucher,
    data: dict[str, Any],
    errors: Errors,
    status: int,
    exc: Exception,
) -> HttpResponse:
    """The alteration screen again, with what was typed and why it was not saved: the editor
    takes the lock again for its page (not while nothing can be written), and a stale version
    shows beside the typing what the other person saved."""
    extra = {} if status == 503 else lock_for_page(request, company, current)
    if isinstance(exc, StaleVersion):
        extra["latest"] = voucher_get(company=company, voucher_id=current.pk)
    return _voucher_form(
        request,
        company,
        voucher_type=current.voucher_type,
        voucher=current,
        data=data,
        errors=errors,
        status=status,
        extra=extra,
    )


@require_http_methods(["POST"])
@member_view
def cancel(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    current = voucher_get(company=company, voucher_id=pk)
    data = body_data(request)
    cancelled = voucher_cancel(
        company=company, voucher=current, actor=request.user, version=version_of(request, data)
    )
    if wants_json(request):
        return _saved(cancelled.change)  # type: ignore[attr-defined]
    messages.success(request, f"{cancelled} cancelled.")
    return redirect("voucher", company.pk, cancelled.pk)


@require_http_methods(["GET"])
@member_view
def ledger_choices(request: HttpRequest, company: Company) -> HttpResponse:
    """The ledgers a line of the entry screen may take, as the user types (`?type=journal&side=Dr
    &q=ren`): only those the voucher type's rules allow on the line's side (drafts._LINE_RULES,
    the rules the save checks), names starting with the text first, each with its balance."""
    voucher_type = voucher_type_for_key(company=company, key=request.GET.get("type", ""))
    side = "credit" if request.GET.get("side", "").strip().lower() in ("cr", "credit") else "debit"
    wants = ledger_wants_cash_bank(voucher_type.base, side) if voucher_type else None
    found = ledger_search(
        company=company, text=request.GET.get("q", ""), limit=LEDGER_CHOICES, cash_bank=wants
    )
    choices = [
        {
            "id": ledger.pk,
            "name": ledger.name,
            "group": ledger.group.name if ledger.group else "",
            "balance": format_balance(ledger.closing_balance),
            # What the line asks next: its bills (the Bill-wise Details panel), its instrument.
            "bill_wise": ledger.bill_wise,
            "credit_days": ledger.credit_days,
            "bank": is_bank(ledger),
        }
        for ledger in found
    ]
    return json_response({"ledgers": choices})


@require_http_methods(["GET"])
@member_view
def bills(request: HttpRequest, company: Company) -> HttpResponse:
    """A party's pending bills for the entry screen's Agst Ref list (`?ledger=<id or name>
    &as_of=<date>`, and `&voucher=<id>` when altering it: what it settles counts as pending):
    name, date, due date and the pending amount (signed, positive = Dr, and as Tally shows
    it), with whether the ledger keeps bills and its credit period."""
    ref = request.GET.get("ledger", "")
    ledger = Ledgers(company, [ref]).find(ref)
    if ledger is None:
        raise NotFound(f"No ledger {ref!r} in this company.")
    as_of = date_param(request, "as_of")
    altering = parse_id(request.GET.get("voucher"))  # its own bills count as still pending
    pending = bills_pending(
        company_id=company.pk, as_of=as_of, ledger_ids=[ledger.pk], without_voucher=altering
    )
    shown = [
        {
            "name": bill.name,
            "date": bill.date,
            "due_date": bill.due_date,
            "pending": bill.pending,
            "pending_shown": format_balance(bill.pending),
        }
        for bill in pending
    ]
    return json_response(
        {"bills": shown, "bill_wise": ledger.bill_wise, "credit_days": ledger.credit_days}
    )


# -- Voucher numbering (Voucher Type Alteration's numbering part) -----------------------------


def _numbering_json(
    voucher_type: VoucherType, numbering: VoucherNumbering | None
) -> dict[str, Any]:
    """A type's numbering as the API shows it (a type never set: automatic, plain numbers,
    version None)."""
    shown = numbering or VoucherNumbering(voucher_type=voucher_type, version=None)
    return {
        "id": voucher_type.pk,
        "type": voucher_type.name,
        "method": shown.method,
        "prefix": shown.prefix,
        "suffix": shown.suffix,
        "width": shown.width,
        "version": shown.version,
    }


def _example(data: dict[str, Any], financial_year: int) -> str:
    """The first Voucher No. of the year as the form's numbering would give it ('' when
    manual or not yet a numbering)."""
    try:
        width = int(data.get("width") or 0)
    except (TypeError, ValueError):
        return ""
    series = Series(
        str(data.get("method") or "automatic"),
        str(data.get("prefix") or ""),
        str(data.get("suffix") or ""),
        min(max(width, 0), 9),
    )
    return "" if series.manual else series.text(1, financial_year) or "1"


def _numbering_page(
    request: HttpRequest,
    company: Company,
    voucher_type: VoucherType,
    *,
    data: dict[str, Any],
    errors: Errors | None = None,
    status: int = 200,
) -> HttpResponse:
    year = company.financial_year_of(timezone.localdate())
    context = {
        "voucher_type": voucher_type,
        "form": data,
        "errors": errors or {},
        "general_errors": [*(errors or {}).get("__all__", []), *(errors or {}).get("version", [])],
        "methods": VoucherNumbering.Method.choices,
        "example": _example(data, year),
    }
    return render(request, "vouchers/numbering.html", context, status=status)


@require_http_methods(["GET", "POST"])
@member_view
def numbering(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    """A voucher type's numbering: GET (JSON, or the owners' form), POST the method, prefix,
    suffix and width (owners; JSON or the form)."""
    voucher_type = found(VoucherType.objects.filter(company=company), pk=pk)
    current = VoucherNumbering.objects.filter(voucher_type=voucher_type).first()
    if request.method == "GET":
        if wants_json(request):
            return json_response(_numbering_json(voucher_type, current))
        membership_require(company=company, actor=request.user)
        return _numbering_page(
            request, company, voucher_type, data=_numbering_json(voucher_type, current)
        )
    data = body_data(request)

    def answer(change: Change) -> HttpResponse:
        return json_response(snapshot_fields(change.after or {}))

    def refused_page(errors: Errors, status: int, _: Exception) -> HttpResponse:
        return _numbering_page(request, company, voucher_type, data=data, errors=errors,
                               status=status)  # fmt: skip

    def saved_page(saved: VoucherNumbering) -> HttpResponse:
        messages.success(request, f"Numbering of {voucher_type.name} altered.")
        return redirect("voucher-types", company.pk)

    save = partial(
        voucher_numbering_alter,
        company=company,
        actor=request.user,
        voucher_type=voucher_type,
        data={k: v for k, v in data.items() if k not in ("version", "csrfmiddlewaretoken")},
        version=version_of(request, data),
    )
    return save_answered(
        request,
        company=company,
        save=save,
        answer=answer,
        saved_page=saved_page,
        refused_page=refused_page,
    )


@require_http_methods(["GET"])
@member_view
def types(request: HttpRequest, company: Company) -> HttpResponse:
    """The voucher types with their numbering (JSON: a list of them)."""
    numberings = {n.voucher_type_id: n for n in VoucherNumbering.objects.filter(company=company)}
    rows = [_numbering_json(t, numberings.get(t.pk)) for t in voucher_types(company=company)]
    if wants_json(request):
        return json_response({"types": rows})
    page = "vouchers/types.html"
    region = region_asked(request, {VOUCHER_TYPES: f"{page}#list"})
    return render(request, region or page, {"rows": rows})
