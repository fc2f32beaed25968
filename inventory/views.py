"""Inventory masters — units, stock groups, godowns, stock items: each listed, created, altered
and deleted, as pages and JSON on the same URLs. The four share their views; a `Master` says
what differs (its reads, services and form)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from companies.access import writer_require
from companies.decorators import member_view
from companies.models import Company
from core.errors import Invalid
from core.formatting import bidi_isolated
from core.forms import Errors
from core.http import body_data, json_response, region_asked, version_of, wants_json
from core.money import format_amount
from editlog.idempotency import save_answered
from editlog.models import Change
from inventory import selectors, services
from inventory.models import Godown, StockGroup, StockItem, Unit, quantity_text
from inventory.voucher_services import stock_voucher_create
from ledgers.models import Ledger
from locking.pages import lock_for_page
from locking.services import locks_of_company

OPENING_ROWS = 5  # the opening rows Stock Item Creation shows (more: the JSON API)


@dataclass(frozen=True)
class Master:
    """One kind of inventory master as its pages and API see it."""

    kind: str  # its record kind (core.records)
    url: str  # its URL names: "<url>s", "<url>-new", "<url>", "<url>-edit"
    title: str  # Tally's name: "Stock Item" (Creation / Alteration)
    rows: Callable[..., QuerySet[Any]]
    as_json: Callable[[Any], dict[str, Any]]
    typed: Callable[[Any], dict[str, Any]]  # a record as its form shows it
    create: Callable[..., Any]
    alter: Callable[..., Any]
    delete: Callable[..., None]
    record_arg: str  # the services' keyword for the record: unit, group, godown, item

    @property
    def region(self) -> str:
        return f"{self.url}-list"

    def name_of(self, record: Any) -> str:
        return record.symbol if isinstance(record, Unit) else record.name


def _unit_typed(unit: Unit) -> dict[str, Any]:
    return {
        "symbol": unit.symbol,
        "formal_name": unit.formal_name,
        "decimal_places": unit.decimal_places,
        "uqc": unit.uqc,
        "first_unit": unit.first_unit.symbol if unit.first_unit else "",
        "conversion": quantity_text(unit.conversion) if unit.conversion is not None else "",
        "second_unit": unit.second_unit.symbol if unit.second_unit else "",
    }


def _tree_typed(record: StockGroup | Godown) -> dict[str, Any]:
    typed = {"name": record.name, "parent": record.parent.name if record.parent else "Primary"}
    if isinstance(record, StockGroup):
        typed["quantities_addable"] = "true" if record.quantities_addable else "false"
    return typed


def _item_typed(item: StockItem) -> dict[str, Any]:
    typed = {
        "name": item.name,
        "group": item.group.name if item.group else "Primary",
        "unit": item.unit.symbol,
        "costing_method": item.costing_method,
        "hsn_sac": item.hsn_sac,
    }
    for i, row in enumerate(item.openings.select_related("godown")):
        typed |= {
            f"opening-{i}-godown": row.godown.name,
            f"opening-{i}-quantity": quantity_text(row.quantity),
            f"opening-{i}-rate": format_amount(row.rate),
            f"opening-{i}-value": format_amount(row.value),
        }
    return typed


UNITS = Master(
    "unit", "unit", "Unit", selectors.unit_list, selectors.unit_json, _unit_typed,
    services.unit_create, services.unit_alter, services.unit_delete, "unit",
)  # fmt: skip
STOCK_GROUPS = Master(
    "stock_group", "stock-group", "Stock Group", selectors.stock_group_list,
    selectors.stock_group_json, _tree_typed, services.stock_group_create,
    services.stock_group_alter, services.stock_group_delete, "group",
)  # fmt: skip
GODOWNS = Master(
    "godown", "godown", "Godown", selectors.godown_list, selectors.godown_json, _tree_typed,
    services.godown_create, services.godown_alter, services.godown_delete, "godown",
)  # fmt: skip
STOCK_ITEMS = Master(
    "stock_item", "stock-item", "Stock Item", selectors.stock_item_list,
    selectors.stock_item_json, _item_typed, services.stock_item_create,
    services.stock_item_alter, services.stock_item_delete, "item",
)  # fmt: skip


def _form_page(
    request: HttpRequest,
    master: Master,
    *,
    record: Any = None,
    data: dict[str, Any] | None = None,
    errors: Errors | None = None,
    status: int = 200,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """Creation or Alteration: fresh, or again with what was typed and why not."""
    company = request.membership.company  # type: ignore[attr-defined]
    if data is None:
        data = master.typed(record) if record is not None else {}
    errors = errors or {}
    context = {
        "master": master,
        "record": record,
        "form": data,
        "errors": errors,
        "general_errors": [*errors.get("__all__", []), *errors.get("version", [])],
        "opening_rows": _opening_rows(data, errors) if master is STOCK_ITEMS else [],
        "units": selectors.unit_list(company=company),
        "stock_groups": selectors.stock_group_list(company=company),
        "godowns": selectors.godown_list(company=company),
        "costing_methods": StockItem.Costing.choices,
        **(extra or {}),
    }
    return render(request, "inventory/form.html", context, status=status)


def _opening_rows(data: dict[str, Any], errors: Errors) -> list[dict[str, Any]]:
    """The opening rows as typed (at least OPENING_ROWS, one blank more than filled), each
    with its messages."""
    filled = sum(1 for key in data if key.endswith("-godown") and data[key])
    count = max(OPENING_ROWS, filled + 1)
    rows = []
    for i in range(count):
        row = {name: data.get(f"opening-{i}-{name}", "") for name in OPENING_FIELDS}
        said = [m for key, ms in errors.items() if key.startswith(f"opening.{i}.") for m in ms]
        rows.append({"index": i, **row, "errors": said})
    return rows


OPENING_FIELDS = ("godown", "quantity", "rate", "value")


def _saved(master: Master, company: Company) -> Callable[[Change], HttpResponse]:
    def answer(change: Change) -> HttpResponse:
        record = selectors.master_get(master.rows(company=company), change.object_id)
        status = 201 if change.verb == Change.Verb.CREATE else 200
        return json_response({**master.as_json(record), "seq": change.seq}, status=status)

    return answer


def _saved_page(
    request: HttpRequest, master: Master, verb: str, to: str
) -> Callable[[Any], HttpResponse]:
    def page(record: Any) -> HttpResponse:
        name = bidi_isolated(master.name_of(record))
        messages.success(request, f"{master.title} {name} {verb}.")
        return redirect(to, request.membership.company.pk)  # type: ignore[attr-defined]

    return page


@require_http_methods(["GET", "POST"])
@member_view
def master_list(request: HttpRequest, company: Company, master: Master) -> HttpResponse:
    """The list (JSON or page; its region alone for a live refresh), or a creation."""
    if request.method == "POST":
        data = body_data(request)
        return save_answered(
            request,
            company=company,
            save=partial(master.create, company=company, actor=request.user, data=data),
            answer=_saved(master, company),
            # As in Tally, a blank Creation screen for the next one.
            saved_page=_saved_page(request, master, "created", f"{master.url}-new"),
            refused_page=lambda errors, status, _: _form_page(
                request, master, data=data, errors=errors, status=status
            ),
        )
    records = list(master.rows(company=company))
    if wants_json(request):
        return json_response([master.as_json(record) for record in records])
    page = "inventory/list.html"
    region = region_asked(request, {master.region: f"{page}#master-list"})
    context = {
        "master": master,
        "records": records,
        "locks": None if region else locks_of_company(company=company),
    }
    return render(request, region or page, context)


@require_http_methods(["GET"])
@member_view
def master_new(request: HttpRequest, company: Company, master: Master) -> HttpResponse:
    writer_require(company=company, actor=request.user)
    return _form_page(request, master)


@require_http_methods(["GET"])
@member_view
def master_edit(request: HttpRequest, company: Company, pk: int, master: Master) -> HttpResponse:
    """The Alteration screen: takes the record's edit lock, or waits for its holder."""
    record = selectors.master_get(master.rows(company=company), pk)
    extra = lock_for_page(request, company, record)
    return _form_page(request, master, record=record, extra=extra)


@require_http_methods(["GET", "POST", "PATCH", "DELETE"])
@member_view
def master_detail(request: HttpRequest, company: Company, pk: int, master: Master) -> HttpResponse:
    """One master: JSON (a browser goes to its Alteration screen), altered, or deleted."""
    current = selectors.master_get(master.rows(company=company), pk)
    if request.method == "GET":
        if wants_json(request):
            return json_response(master.as_json(current))
        return redirect(f"{master.url}-edit", company.pk, pk)
    data = body_data(request)
    version = version_of(request, data)
    record = {master.record_arg: current}
    if request.method == "DELETE":
        master.delete(company=company, actor=request.user, version=version, **record)
        if request.htmx:  # type: ignore[attr-defined]
            messages.success(request, f"{master.title} {master.name_of(current)} deleted.")
            return HttpResponseClientRedirect(reverse(f"{master.url}s", args=[company.pk]))
        return HttpResponse(status=204)

    def refused_page(errors: Errors, status: int, _: Exception) -> HttpResponse:
        extra = {} if status == 503 else lock_for_page(request, company, current)
        return _form_page(
            request, master, record=current, data=data, errors=errors, status=status, extra=extra
        )

    save = partial(
        master.alter, company=company, actor=request.user, data=data, version=version, **record
    )
    return save_answered(
        request,
        company=company,
        save=save,
        answer=_saved(master, company),
        saved_page=_saved_page(request, master, "altered", f"{master.url}s"),
        refused_page=refused_page,
    )


# -- the item invoice entry screen ---------------------------------------------------------

ITEM_ROWS = 5  # the item lines the screen shows (more: one blank more than filled)
ITEM_FIELDS = ("item", "godown", "quantity", "rate", "ledger")
INVOICE_TYPES = ("Sales", "Purchase", "Credit Note", "Debit Note")


def _item_rows(data: dict[str, Any], errors: Errors) -> list[dict[str, Any]]:
    """The item lines as typed (at least ITEM_ROWS, one blank more than filled), each with its
    messages (`items.2.quantity` shows on the third line)."""
    filled = sum(
        1 for key in data if key.startswith("items-") and key.endswith("-item") and data[key]
    )
    rows = []
    for i in range(max(ITEM_ROWS, filled + 1)):
        row = {name: data.get(f"items-{i}-{name}", "") for name in ITEM_FIELDS}
        said = [m for key, ms in errors.items() if key.startswith(f"items.{i}.") for m in ms]
        rows.append({"index": i, **row, "errors": said})
    return rows


def _page_body(data: dict[str, Any]) -> dict[str, Any]:
    """The screen's post as an item invoice's body: its typed lines, in order (blank ones left
    out, so `items.N` counts the lines as the screen shows them, blanks after the last)."""
    lines = []
    for i in range(len(data)):
        line = {name: str(data.get(f"items-{i}-{name}", "")).strip() for name in ITEM_FIELDS}
        if any(line.values()):
            lines.append({k: v for k, v in line.items() if v})
    body = {k: data[k] for k in ("type", "date", "party", "narration") if k in data}
    return {**body, "items": lines}


@require_http_methods(["GET", "POST"])
@member_view
def item_invoice_new(request: HttpRequest, company: Company) -> HttpResponse:
    """Voucher Creation in Item Invoice mode (Sales, Purchase, Credit and Debit Notes): item,
    godown, quantity, rate and the ledger each line goes to, by keyboard (Enter moves on,
    Ctrl+A accepts). The voucher is saved by the vouchers' own service for item bodies."""
    writer_require(company=company, actor=request.user)
    data: dict[str, Any] = {"type": "Sales"}
    errors: Errors = {}
    status = 200
    if request.method == "POST":
        data = body_data(request)
        try:
            voucher = stock_voucher_create(
                company=company, actor=request.user, data=_page_body(data)
            )
        except Invalid as refusal:
            errors, status = refusal.errors, 400
        else:
            messages.success(request, f"{voucher} saved.")
            for warning in voucher.change.warnings:  # type: ignore[attr-defined]
                messages.warning(request, warning)
            return redirect("item-invoice-new", company.pk)
    context = {
        "form": data,
        "errors": errors,
        "general_errors": [
            f"{key}: {message}" if key != "__all__" else message
            for key, said in errors.items()
            if not key.startswith("items.")
            for message in said
        ],
        "rows": _item_rows(data, errors),
        "types": INVOICE_TYPES,
        "items": selectors.stock_item_list(company=company),
        "godowns": selectors.godown_list(company=company),
        "ledgers": Ledger.objects.filter(company=company).order_by("name"),
    }
    return render(request, "inventory/item_invoice.html", context, status=status)
