"""One Form per inventory master, for its Creation/Alteration page and for a JSON body alike,
giving a typed draft before the write lock (`inventory.drafts`)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from companies.models import Company
from core.errors import Invalid
from core.forms import AmountField, ByNameField, Errors, LabelField, TextField, form_errors
from core.validation import parse_flag, parse_id
from inventory.drafts import (
    PRIMARY,
    GodownDraft,
    OpeningDraft,
    StockGroupDraft,
    StockItemDraft,
    UnitDraft,
    ancestor_loop,
    decimals_of,
    godown_find,
    is_primary,
    name_taken,
    name_taken_message,
    opening_value,
    quantity_check,
    stock_group_find,
    unit_find,
)
from inventory.models import (
    MAX_DECIMAL_PLACES,
    Godown,
    ItemOpening,
    StockGroup,
    StockItem,
    Unit,
    quantity_text,
)

_QUANTITY = re.compile(r"^\d{1,3}(,\d{2,3})*(\.\d+)?$|^\d+(\.\d+)?$")
MAX_QUANTITY = Decimal("99999999999999")  # fourteen digits before the point (NUMERIC(18, 4))
MAX_OPENING_ROWS = 1000


class QuantityField(forms.Field):
    """A quantity more than zero, in digits, with at most four decimals."""

    def clean(self, value: Any) -> Decimal:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        text = value.strip() if isinstance(value, str) else ""
        if not text:
            raise ValidationError("Enter a quantity.")
        if not _QUANTITY.match(text):
            raise ValidationError("Enter a quantity in digits, like 50 or 2.5.")
        try:
            quantity = Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise ValidationError("Enter a quantity in digits, like 50 or 2.5.") from None
        if decimals_of(quantity) > MAX_DECIMAL_PLACES:
            raise ValidationError(f"A quantity has at most {MAX_DECIMAL_PLACES} decimals.")
        if quantity > MAX_QUANTITY:
            raise ValidationError("This quantity is too large.")
        if quantity == 0:
            raise ValidationError("The quantity must be more than zero.")
        return quantity


class FlagField(forms.Field):
    """Yes or no (JSON true/false, a form's "true"/"false"); None when not sent."""

    def clean(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        try:
            return parse_flag(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class MasterForm(forms.Form):
    """What the four masters' forms share: a company, the record altered (its fields left out
    keep their values), and the name checked against the company's others."""

    model: type[StockItem | StockGroup | Godown | Unit]
    name_field = "name"
    shape = "Send the record as an object."

    def __init__(self, data: Any, *, company: Company, current: Any = None) -> None:
        if not isinstance(data, dict):
            raise Invalid.field("__all__", self.shape)
        super().__init__(data)
        self.company, self.current = company, current
        if current is not None:
            for name in list(self.fields):
                if name not in data:
                    del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        name = data.get(self.name_field)
        if name and name_taken(self.model, company=self.company, name=name, current=self.current):
            self.add_error(self.name_field, name_taken_message(self.model, name))
        return data

    def checked(self) -> dict[str, Any]:
        if not self.is_valid():
            raise Invalid(form_errors(self))
        return self.cleaned_data


def _parent_field(model_name: str) -> ByNameField:
    return ByNameField(find=lambda ref: None, message=f"No {model_name} by that name.")


class UnitForm(MasterForm):
    """A simple unit (symbol, formal name, decimal places 0–4, GST UQC) or a compound one
    (first unit, conversion, second unit: its symbol "Box of 10 Nos" unless given)."""

    model = Unit
    name_field = "symbol"
    shape = "Send the unit as an object with symbol and decimal_places."
    symbol = TextField(max_length=50)
    formal_name = TextField(max_length=100)
    decimal_places = forms.Field(required=False)
    uqc = TextField(max_length=10)
    first_unit = ByNameField(find=lambda ref: None, message="No unit by that symbol.")
    conversion = QuantityField()
    second_unit = ByNameField(find=lambda ref: None, message="No unit by that symbol.")

    def __init__(self, data: Any, *, company: Company, current: Any = None) -> None:
        super().__init__(data, company=company, current=current)
        # A simple unit (the page sends its compound fields empty) stays simple.
        compound = any(data.get(name) not in (None, "") for name in ("first_unit", "second_unit"))
        if not compound:
            for name in ("first_unit", "conversion", "second_unit"):
                self.fields.pop(name, None)
        for name in ("first_unit", "second_unit"):
            if name in self.fields:
                self.fields[name].find = lambda ref: unit_find(company=company, ref=ref)

    def clean_decimal_places(self) -> int | None:
        value = self.cleaned_data.get("decimal_places")
        if value in (None, ""):
            return None
        places = parse_id(value)
        if places is None or places > MAX_DECIMAL_PLACES:
            raise ValidationError(f"Number of decimal places is 0 to {MAX_DECIMAL_PLACES}.")
        return places

    def clean(self) -> dict[str, Any]:
        data = self.cleaned_data
        first, second = data.get("first_unit"), data.get("second_unit")
        if first is not None and second is not None:
            if first.pk == second.pk:
                self.add_error("second_unit", "A compound unit joins two different units.")
            elif data.get("conversion") and not data.get("symbol"):
                conversion = quantity_text(data["conversion"])
                data["symbol"] = f"{first.symbol} of {conversion} {second.symbol}"
        compound = "first_unit" in self.fields
        if not (self.current or compound or data.get("symbol") or "symbol" in self.errors):
            self.add_error("symbol", "Enter the unit's symbol, such as Nos.")
        return super().clean()

    def draft(self) -> UnitDraft:
        data = self.checked()
        first, second = data.get("first_unit"), data.get("second_unit")
        places = data.get("decimal_places")
        if first is not None and second is not None:
            places = second.decimal_places  # a compound unit counts in its second unit
        elif self.current is None and places is None:
            places = 0
        uqc = data.get("uqc")
        return UnitDraft(
            symbol=data.get("symbol"),
            formal_name=data.get("formal_name"),
            decimal_places=places,
            uqc=uqc.upper() if uqc else uqc,
            first_unit=first,
            conversion=data.get("conversion"),
            second_unit=second,
        )


class _TreeForm(MasterForm):
    """A master in a hierarchy (stock group, godown): under Primary or another of its kind,
    never under itself or one of its own."""

    name = TextField(max_length=200)
    parent = forms.Field(required=False)
    called = ""

    def find(self, ref: Any) -> Any:
        raise NotImplementedError

    def clean_parent(self) -> Any:
        ref = self.cleaned_data.get("parent")
        if is_primary(ref):
            return PRIMARY
        parent = self.find(ref)
        if parent is None:
            raise ValidationError(f"No {self.called} called {ref}.")
        if self.current is not None and ancestor_loop(self.current, parent):
            raise ValidationError(
                f"{self.current.name} cannot go under {parent.name}: a {self.called} cannot be "
                "its own ancestor."
            )
        return parent

    def clean(self) -> dict[str, Any]:
        if self.current is None and not self.cleaned_data.get("name") and "name" not in self.errors:
            self.add_error("name", f"Enter the {self.called}'s name.")
        return super().clean()


class StockGroupForm(_TreeForm):
    """Name, under (Primary or a stock group), whether its items' quantities add up."""

    model = StockGroup
    called = "stock group"
    shape = "Send the stock group as an object with name and parent."
    quantities_addable = FlagField(required=False)

    def find(self, ref: Any) -> StockGroup | None:
        return stock_group_find(company=self.company, ref=ref)

    def draft(self) -> StockGroupDraft:
        data = self.checked()
        addable = data.get("quantities_addable")
        return StockGroupDraft(
            name=data.get("name"),
            parent=data.get("parent"),
            quantities_addable=True if addable is None and self.current is None else addable,
        )


class GodownForm(_TreeForm):
    """Name and under (Primary or another godown)."""

    model = Godown
    called = "godown"
    shape = "Send the godown as an object with name and parent."

    def find(self, ref: Any) -> Godown | None:
        return godown_find(company=self.company, ref=ref)

    def draft(self) -> GodownDraft:
        data = self.checked()
        return GodownDraft(name=data.get("name"), parent=data.get("parent"))


class OpeningForm(forms.Form):
    """An opening row: godown, quantity, rate, and value (quantity × rate unless given)."""

    godown = ByNameField(find=lambda ref: None, message="No godown by that name.")
    quantity = QuantityField()
    rate = AmountField(allow_zero=True, required=False)
    value = AmountField(allow_zero=True, required=False)

    def __init__(self, data: dict[str, Any], *, company: Company) -> None:
        super().__init__(data)
        self.fields["godown"].find = lambda ref: godown_find(company=company, ref=ref)
        for name in ("rate", "value"):
            if data.get(name) in (None, ""):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "rate" not in self.fields and "value" not in self.fields:
            self.add_error("rate", "Enter the rate or the value.")
        return data

    def opening(self) -> OpeningDraft:
        data = self.cleaned_data
        quantity, rate, value = data["quantity"], data.get("rate"), data.get("value")
        if rate is None:
            rate = opening_value(value / quantity, Decimal(1))
        if value is None:
            value = opening_value(quantity, rate)
        return OpeningDraft(godown=data["godown"], quantity=quantity, rate=rate, value=value)


def _opening_rows(data: dict[str, Any]) -> Any:
    """The opening rows sent: the API's list, or the page's opening-0-godown, … rows (the rows
    left blank dropped); None when none were sent."""
    if "opening" in data:
        return data["opening"]
    rows = []
    for i in range(MAX_OPENING_ROWS):
        if f"opening-{i}-godown" not in data:
            break
        row = {name: data.get(f"opening-{i}-{name}", "") for name in OpeningForm.base_fields}
        if any(str(value).strip() for value in row.values()):
            rows.append(row)
    return rows if "opening-0-godown" in data else None


class StockItemForm(MasterForm):
    """Name, under (a stock group or Primary), units, costing method (Avg. Cost by default),
    HSN/SAC, and the opening stock per godown."""

    model = StockItem
    shape = "Send the stock item as an object with name, unit and group."
    name = TextField(max_length=200)
    group = forms.Field(required=False)
    unit = ByNameField(find=lambda ref: None, message="Choose the item's unit, such as Nos.")
    costing_method = LabelField(
        choices=StockItem.Costing,
        message="The costing method is Avg. Cost, FIFO or Last Purchase Cost.",
        required=False,
    )
    hsn_sac = TextField(max_length=20)

    def __init__(self, data: Any, *, company: Company, current: Any = None) -> None:
        super().__init__(data, company=company, current=current)
        if "unit" in self.fields:
            self.fields["unit"].find = lambda ref: unit_find(company=company, ref=ref)

    def clean_group(self) -> Any:
        ref = self.cleaned_data.get("group")
        if is_primary(ref):
            return PRIMARY
        group = stock_group_find(company=self.company, ref=ref)
        if group is None:
            raise ValidationError(f"No stock group called {ref}.")
        return group

    def clean(self) -> dict[str, Any]:
        if self.current is None and not self.cleaned_data.get("name") and "name" not in self.errors:
            self.add_error("name", "Enter the stock item's name.")
        return super().clean()

    def _openings(self, unit: Unit | None) -> tuple[tuple[OpeningDraft, ...] | None, Errors]:
        raw = _opening_rows(self.data)
        if raw is None:
            return None, self._kept_openings_check(unit)
        if not isinstance(raw, list) or not all(isinstance(row, dict) for row in raw):
            return None, {"opening": ["Send the opening as a list of {godown, quantity, rate}."]}
        if len(raw) > MAX_OPENING_ROWS:
            return None, {"opening": [f"An item opens in at most {MAX_OPENING_ROWS:,} godowns."]}
        errors: Errors = {}
        rows, seen = [], set()
        for i, row in enumerate(raw):
            row_form = OpeningForm(row, company=self.company)
            if not row_form.is_valid():
                errors.update(form_errors(row_form, prefix=f"opening.{i}."))
                continue
            opening = row_form.opening()
            if opening.godown.pk in seen:
                errors[f"opening.{i}.godown"] = [f"{opening.godown.name} is named twice."]
            if unit is not None and (why := quantity_check(unit, opening.quantity)):
                errors[f"opening.{i}.quantity"] = [why]
            seen.add(opening.godown.pk)
            rows.append(opening)
        return tuple(rows), errors

    def _kept_openings_check(self, unit: Unit | None) -> Errors:
        """A new unit for an item whose openings stay: they must fit it."""
        if self.current is None or unit is None or unit.pk == self.current.unit_id:
            return {}
        for quantity in ItemOpening.objects.filter(item=self.current).values_list(
            "quantity", flat=True
        ):
            if why := quantity_check(unit, quantity):
                return {"unit": [f"Its opening stock does not fit: {why}"]}
        return {}

    def draft(self) -> StockItemDraft:
        valid = self.is_valid()
        unit = self.cleaned_data.get("unit")
        if unit is None and self.current is not None and "unit" not in self.fields:
            unit = self.current.unit
        opening, opening_errors = self._openings(unit)
        if not valid or opening_errors:
            raise Invalid({**form_errors(self), **opening_errors})
        data = self.cleaned_data
        costing = data.get("costing_method") or None
        if self.current is None and costing is None:
            costing = StockItem.Costing.AVG_COST
        return StockItemDraft(
            name=data.get("name"),
            group=data.get("group"),
            unit=data.get("unit"),
            costing_method=costing,
            hsn_sac=data.get("hsn_sac"),
            opening=opening,
        )


def unit_draft(*, company: Company, data: dict[str, Any], current: Unit | None = None) -> UnitDraft:
    """A unit's draft from API or page input; Invalid with messages per field."""
    return UnitForm(data, company=company, current=current).draft()


def stock_group_draft(
    *, company: Company, data: dict[str, Any], current: StockGroup | None = None
) -> StockGroupDraft:
    return StockGroupForm(data, company=company, current=current).draft()


def godown_draft(
    *, company: Company, data: dict[str, Any], current: Godown | None = None
) -> GodownDraft:
    return GodownForm(data, company=company, current=current).draft()


def stock_item_draft(
    *, company: Company, data: dict[str, Any], current: StockItem | None = None
) -> StockItemDraft:
    return StockItemForm(data, company=company, current=current).draft()
