"""A GST document — an invoice, a credit or a debit note — as the returns read it: the one
shape between the books (the `gst` app's tables, filled by every tax invoice's save) and what
is built from them (GSTR-1, GSTR-3B, the liability, the printed invoice). Plain values, so the
returns are pure functions of a list of documents and their worked examples
(../shared/gst/NOTES.md §9) are tested without a database.

Money is Decimal rupees to the paisa, rates are percentages (18 = 18 %); dates are dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

ZERO = Decimal("0.00")


class DocKind(StrEnum):
    INVOICE = "INVOICE"
    CREDIT_NOTE = "CREDIT_NOTE"
    DEBIT_NOTE = "DEBIT_NOTE"
    BILL_OF_SUPPLY = "BILL_OF_SUPPLY"


class Direction(StrEnum):
    OUTWARD = "OUTWARD"  # sales and the notes on them
    INWARD = "INWARD"  # purchases and the notes on them


class Taxability(StrEnum):
    TAXABLE = "TAXABLE"
    NIL = "NIL"
    EXEMPT = "EXEMPT"
    NON_GST = "NON_GST"


class ItcEligibility(StrEnum):
    ELIGIBLE = "ELIGIBLE"
    BLOCKED_17_5 = "BLOCKED_17_5"
    INELIGIBLE_OTHER = "INELIGIBLE_OTHER"


@dataclass(frozen=True)
class DocLine:
    """One taxable line: its HSN/SAC, unit (GST UQC, "NA" for services), quantity, taxable
    value and the tax on it per head."""

    hsn: str
    taxable_value: Decimal
    rate: Decimal
    taxability: Taxability = Taxability.TAXABLE
    uqc: str = "NA"
    quantity: Decimal = ZERO
    igst: Decimal = ZERO
    cgst: Decimal = ZERO
    sgst: Decimal = ZERO  # SGST, or UTGST in a Union Territory without a legislature
    cess: Decimal = ZERO
    is_service: bool = False
    # Purchases: may its tax be taken as input credit; the ITC type of GSTR-3B table 4.
    itc: ItcEligibility = ItcEligibility.ELIGIBLE
    itc_type: str = "OTH"  # IMPG, IMPS, ISRC, ISD, OTH


@dataclass(frozen=True)
class Document:
    """One voucher with GST: who, where, what, and its lines. `registration_gstin`: the
    company's registration it falls under; `party_gstin` "" for an unregistered party."""

    voucher_id: int | None
    number: str  # the Voucher No. as issued: "S/001", "INV/26-27/0001"
    date: dt.date
    kind: DocKind
    direction: Direction
    registration_gstin: str
    registration_state: str  # two-digit state code
    party_name: str
    party_gstin: str
    party_reg_type: str  # core.gst / Ledger.gst_registration_type: Regular, Composition, …
    party_state: str  # two-digit code, "97" Other Territory, "96" foreign
    place_of_supply: str  # two-digit state code
    is_inter_state: bool
    value: Decimal  # the invoice value: taxable + tax + round-off
    lines: tuple[DocLine, ...] = field(default_factory=tuple)
    reverse_charge: bool = False
    inv_type: str = "R"  # R, SEWP, SEWOP, DE, EXPWP, EXPWOP
    cancelled: bool = False
    # A note's original invoice: its number and date (and value, for the B2CL test of a note).
    original_number: str = ""
    original_date: dt.date | None = None
    original_value: Decimal | None = None
    original_is_b2cl: bool = False
    # Posted tax differing from computed (an override): the uncertain list names it.
    overridden: bool = False
    port_code: str = ""
    shipping_bill_no: str = ""
    shipping_bill_date: dt.date | None = None
    # The voucher type's name, for the Documents Issued series.
    series: str = ""

    @property
    def taxable_value(self) -> Decimal:
        return sum((line.taxable_value for line in self.lines), ZERO)

    @property
    def tax(self) -> Decimal:
        return sum((ln.igst + ln.cgst + ln.sgst + ln.cess for ln in self.lines), ZERO)
