"""Item invoices, Stock Journals and Physical Stock from a JSON body (or a page's post), as a
`StockVoucherDraft` before the write lock. The voucher's own fields (type, date, narration,
reference, number) are read by the vouchers' `VoucherForm`; the stock lines here:

    {"type": "Sales", "date", "party", "items": [{"item", "godown", "quantity", "rate",
     "discount", "ledger"} | {"item", "godowns": [{"godown", "quantity"}], ...}]}
    {"type": "Stock Journal", "date", "source": [{"item", "godown", "quantity"}],
     "destination": [{"item", "godown", "quantity", "additional_cost"}]}
    {"type": "Physical Stock", "date", "items": [{"item", "godown", "quantity"}]}  (counted)

Refusals name the field: `items.2.quantity`, `items.0.godowns.1.godown`, `source.0.item`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from companies.models import Company
from core.errors import Invalid
from core.forms import AmountField, ByNameField, Errors, form_errors, present
from core.money import ZERO
from core.validation import parse_id
from inventory.drafts import quantity_check
from inventory.forms import QuantityField
from inventory.models import Godown, StockItem, quantity_text
from inventory.moves import MoveKind
from inventory.voucher_drafts import (
    INVOICE_KINDS,
    OUTWARD,
    Role,
    StockRow,
    StockVoucherDraft,
    amount_split,
    invoice_lines,
    journal_kinds,
    line_amount,
)
from ledgers.models import Ledger
from vouchers.drafts import VoucherDraft
from vouchers.forms import PAGE_ROW, VoucherForm
from vouchers.models import VoucherType

Base = VoucherType.Base
MAX_STOCK_LINES = 500
MAX_GODOWNS = 100
# The keys of a body that are this module's; the rest is the voucher's own.
STOCK_KEYS = frozenset({"party", "items", "source", "destination"})


class Named:
    """Records of a company named by id or by name (case-insensitive), all fetched in one query;
    `extra` adds records wanted whatever is named (Main Location, a line's default godown)."""

    def __init__(
        self, rows: QuerySet[Any], refs: list[Any], *, field: str = "name", extra: Q | None = None
    ) -> None:
        ids = {pk for ref in refs if (pk := parse_id(ref)) is not None}
        names = {r.strip().lower() for r in refs if isinstance(r, str) and parse_id(r) is None}
        wanted = Q(pk__in=ids) | Q(lname__in=names)
        found = list(rows.annotate(lname=Lower(field)).filter(wanted | (extra or Q(pk__in=[]))))
        self.by_id = {row.pk: row for row in found}
        self.by_name = {getattr(row, field).lower(): row for row in found}
        self.rows = found

    def find(self, ref: Any) -> Any:
        if (pk := parse_id(ref)) is not None:
            return self.by_id.get(pk)
        if isinstance(ref, str) and ref.strip():
            return self.by_name.get(ref.strip().lower())
        return None


class CountedField(QuantityField):
    """A Physical Stock's counted quantity: none left (0) is a count too."""

    def clean(self, value: Any) -> Decimal:
        if str(value).strip() in {"0", "0.0", "0.00", "0.000", "0.0000"}:
            return ZERO
        return super().clean(value)


def _missing(what: str) -> Any:
    return lambda ref: f"Choose a {what}." if ref in (None, "") else f"No {what} {ref!r}."


class Lookups:
    """The items, godowns and ledgers a body names: three queries for all its lines."""

    def __init__(self, company: Company, data: dict[str, Any]) -> None:
        lines = [
            line
            for role in ("items", "source", "destination")
            for line in (data.get(role) if isinstance(data.get(role), list) else [])
            if isinstance(line, dict)
        ]
        shares = [s for line in lines for s in _list(line.get("godowns")) if isinstance(s, dict)]
        self.items = Named(
            StockItem.objects.filter(company=company).select_related("unit"),
            [line.get("item") for line in lines],
        )
        self.godowns = Named(
            Godown.objects.filter(company=company),
            [row.get("godown") for row in lines + shares],
            extra=Q(is_main_location=True),
        )
        self.main_location = next(g for g in self.godowns.rows if g.is_main_location)
        self.ledgers = Named(
            Ledger.objects.filter(company=company).select_related("group"),
            [data.get("party")] + [line.get("ledger") for line in lines],
        )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


class GodownShareForm(forms.Form):
    """One godown's share of an item line split across godowns."""

    godown = ByNameField(find=lambda ref: None, message=_missing("godown"))
    quantity = QuantityField()

    def __init__(self, data: Any, *, lookups: Lookups) -> None:
        super().__init__(data)
        self.fields["godown"].find = lookups.godowns.find


class StockLineForm(forms.Form):
    """One item line: the item, its godown (Main Location unless named) or its godowns with
    their quantities, the quantity in the item's unit (no more decimals than it takes); on an
    invoice its rate, discount (an amount) and the ledger it is allocated to; on a Stock
    Journal's destination the manufacture's additional cost."""

    item = ByNameField(find=lambda ref: None, message=_missing("stock item"))
    godown = ByNameField(find=lambda ref: None, message=_missing("godown"))
    quantity = QuantityField()
    rate = AmountField(allow_zero=True)
    discount = AmountField(allow_zero=True)
    ledger = ByNameField(find=lambda ref: None, message=_missing("ledger"))
    additional_cost = AmountField(allow_zero=True)

    def __init__(self, data: dict[str, Any], *, role: str, invoice: bool, lookups: Lookups):
        super().__init__(data)
        self.lookups = lookups
        self.fields["item"].find = lookups.items.find
        self.fields["godown"].find = lookups.godowns.find
        self.fields["ledger"].find = lookups.ledgers.find
        if not present(data, "godown"):
            del self.fields["godown"]  # Main Location, unless the line is split
        if role == Role.COUNTED:
            self.fields["quantity"] = CountedField()
        if not invoice:
            for name in ("rate", "discount", "ledger"):
                del self.fields[name]
        elif not present(data, "discount"):
            del self.fields["discount"]
        if role != Role.DESTINATION or not present(data, "additional_cost"):
            del self.fields["additional_cost"]
        self.raw_shares = data.get("godowns")
        self.share_forms: list[GodownShareForm] = []

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        item, quantity = data.get("item"), data.get("quantity")
        why = quantity_check(item.unit, quantity) if item and quantity is not None else None
        if why:
            self.add_error("quantity", why)
        if "rate" in data and "quantity" in data:
            amount = line_amount(quantity, data["rate"], data.get("discount", ZERO))
            if amount <= 0:
                self.add_error(
                    "discount" if data.get("discount") else "rate",
                    "The line's amount (quantity × rate − discount) must be more than zero.",
                )
        return data

    def shares_errors(self) -> Errors:
        """Build a form per godown share sent; their messages ("godowns.1.quantity"), and the
        rule that the shares add up to the line's quantity."""
        raw = self.raw_shares
        if raw in (None, ""):
            return {}
        if not isinstance(raw, list) or not raw or not all(isinstance(s, dict) for s in raw):
            return {"godowns": ["Send a line's godowns as a list of {godown, quantity}."]}
        if len(raw) > MAX_GODOWNS:
            return {"godowns": [f"A line is split across at most {MAX_GODOWNS} godowns."]}
        errors: Errors = {}
        for j, share in enumerate(raw):
            share_form = GodownShareForm(share, lookups=self.lookups)
            self.share_forms.append(share_form)
            errors.update(form_errors(share_form, prefix=f"godowns.{j}."))
        if errors or "quantity" not in self.cleaned_data:
            return errors
        total = sum((f.cleaned_data["quantity"] for f in self.share_forms), ZERO)
        if total != self.cleaned_data["quantity"]:
            errors["godowns"] = [
                f"The godowns' quantities add up to {quantity_text(total)}, "
                f"not the line's {quantity_text(self.cleaned_data['quantity'])}."
            ]
        return errors

    def shares(self) -> list[tuple[Godown, Decimal]]:
        """The godowns this line's quantity is in."""
        if self.share_forms:
            return [
                (f.cleaned_data["godown"], f.cleaned_data["quantity"]) for f in self.share_forms
            ]
        godown = self.cleaned_data.get("godown") or self.lookups.main_location
        return [(godown, self.cleaned_data["quantity"])]


# The lists each voucher type takes, and their roles.
ROLES = {
    **dict.fromkeys(INVOICE_KINDS, (("items", Role.ITEMS),)),
    Base.STOCK_JOURNAL: (("source", Role.SOURCE), ("destination", Role.DESTINATION)),
    Base.PHYSICAL_STOCK: (("items", Role.COUNTED),),
}
TYPES_TAKEN = "Sales, Purchase, Credit Note, Debit Note, Stock Journal or Physical Stock"


def _lines_forms(
    data: dict[str, Any], key: str, role: str, *, invoice: bool, lookups: Lookups
) -> tuple[list[StockLineForm], Errors]:
    raw = data.get(key)
    if raw in (None, ""):
        return [], {}
    if not isinstance(raw, list) or not all(isinstance(line, dict) for line in raw):
        return [], {key: ["Send the lines as a list of {item, godown, quantity}."]}
    if len(raw) > MAX_STOCK_LINES:
        return [], {key: [f"A voucher has at most {MAX_STOCK_LINES} stock lines."]}
    line_forms, errors = [], {}
    for i, line in enumerate(raw):
        line_form = StockLineForm(line, role=role, invoice=invoice, lookups=lookups)
        line_forms.append(line_form)
        errors.update(form_errors(line_form, prefix=f"{key}.{i}."))
        if line_form.is_valid():
            for name, messages in line_form.shares_errors().items():
                errors[f"{key}.{i}.{name}"] = messages
    return line_forms, errors


def _rows(line_forms: list[StockLineForm], role: str, kind_of: Any) -> list[StockRow]:
    """The stock rows of a list of valid lines: one per godown the line's quantity is in,
    the line's amount shared among them (`kind_of(item)`: the line's MoveKind)."""
    rows = []
    for i, line_form in enumerate(line_forms):
        data = line_form.cleaned_data
        item, kind = data["item"], kind_of(data["item"])
        shares = line_form.shares()
        rate, discount = data.get("rate", ZERO), data.get("discount", ZERO)
        if "rate" in data:
            amount = line_amount(data["quantity"], rate, discount)
        else:
            amount = data.get("additional_cost", ZERO)
        quantities = [quantity for _, quantity in shares]
        amounts = amount_split(amount, quantities)
        discounts = amount_split(discount, quantities) if discount else [ZERO] * len(shares)
        sign = -1 if role == Role.SOURCE or kind in OUTWARD else 1
        for (godown, quantity), share, off in zip(shares, amounts, discounts, strict=True):
            rows.append(
                StockRow(
                    role=role,
                    line=i,
                    kind=kind,
                    item=item,
                    godown=godown,
                    quantity=quantity if kind == MoveKind.PHYSICAL else sign * quantity,
                    rate=rate,
                    discount=off,
                    amount=share,
                    ledger=data.get("ledger"),
                )  # fmt: skip
            )
    return rows


def stock_voucher_draft(
    *, company: Company, data: Any, current: dict[str, Any] | None = None
) -> StockVoucherDraft:
    """The draft of an item invoice, Stock Journal or Physical Stock from API or form input;
    with `current` (an alteration: the voucher's type, date, party and lines as they are),
    what `data` leaves out stays. Invalid with messages per field ("items.2.quantity")."""
    if not isinstance(data, dict):
        raise Invalid.field("__all__", "Send the voucher as an object with type, date and items.")
    errors: Errors = {}
    if "entries" in data or any(PAGE_ROW.match(str(key)) for key in data):
        errors["entries"] = ["The entries are made from the stock lines: send the lines only."]
    if current is not None:
        data = {**current, **data}
    header = VoucherForm(
        {k: v for k, v in data.items() if k not in STOCK_KEYS and k != "entries"},
        company=company,
        partial=True,
    )
    errors.update(form_errors(header))
    for name, what in (
        ("type", "Choose a voucher type, such as Sales."),
        ("date", "Enter the date."),
    ):
        if not present(data, name):
            errors[name] = [what]
    voucher_type = header.cleaned_data.get("type") if not header.errors else None
    if voucher_type is not None and voucher_type.base not in ROLES:
        errors["type"] = [f"Stock lines go on a {TYPES_TAKEN}, not a {voucher_type.name}."]
        voucher_type = None
    if voucher_type is None:
        raise Invalid(errors)
    base = voucher_type.base
    invoice = base in INVOICE_KINDS
    lookups = Lookups(company, data)
    forms_by_role: dict[str, list[StockLineForm]] = {}
    for key, role in ROLES[base]:
        line_forms, found = _lines_forms(data, key, role, invoice=invoice, lookups=lookups)
        forms_by_role[role] = line_forms
        errors.update(found)
    if not any(forms_by_role.values()) and not any(k in errors for k, _ in ROLES[base]):
        errors[ROLES[base][0][0]] = ["Enter at least one stock item."]
    party = None
    if invoice:
        party = lookups.ledgers.find(data.get("party"))
        if party is None:
            errors["party"] = [_missing("party ledger")(data.get("party"))]
    if errors:
        raise Invalid(errors)
    rows = _stock_rows(base, forms_by_role)
    for row in rows:
        if row.kind == MoveKind.TRANSFER and row.amount:
            errors[f"{row.role}.{row.line}.additional_cost"] = [
                f"A transfer (the same quantity of {row.item.name} on both sides) carries no "
                "additional cost."
            ]
    if errors:
        raise Invalid(errors)
    header_draft = header.draft()
    lines = invoice_lines(base, party, rows) if party is not None else []
    return StockVoucherDraft(
        voucher=VoucherDraft(
            voucher_type=voucher_type,
            date=header_draft.date,
            narration=header_draft.narration,
            reference=header_draft.reference,
            number=header_draft.number,
            lines=lines,
        ),
        rows=tuple(rows),
    )


def _stock_rows(base: str, forms_by_role: dict[str, list[StockLineForm]]) -> list[StockRow]:
    if base in INVOICE_KINDS:
        return _rows(forms_by_role[Role.ITEMS], Role.ITEMS, lambda _: INVOICE_KINDS[base])
    if base == Base.PHYSICAL_STOCK:
        return _rows(forms_by_role[Role.COUNTED], Role.COUNTED, lambda _: MoveKind.PHYSICAL)
    source, destination = forms_by_role[Role.SOURCE], forms_by_role[Role.DESTINATION]
    kinds = journal_kinds(
        [(f.cleaned_data["item"], f.cleaned_data["quantity"]) for f in source],
        [(f.cleaned_data["item"], f.cleaned_data["quantity"]) for f in destination],
    )
    return _rows(source, Role.SOURCE, lambda item: kinds[item.pk][0]) + _rows(
        destination, Role.DESTINATION, lambda item: kinds[item.pk][1]
    )
