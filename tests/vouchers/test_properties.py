"""Property: whatever sequence of voucher saves (create, alter, cancel, delete, refused alters)
and opening-balance alters is run on a company, its kept totals agree with its entries.

After every step we check, against a plain recomputation from Entry rows and opening balances:

(a) the Trial Balance (now, and as of a few days — drawn ones and the days the last
    save touched) has exactly the non-zero ledger balances the entries give;
(b) its Debit and Credit columns agree (with the difference-in-opening-balances line);
(c) every Ledger's total_debit / total_credit (and every LedgerDay row) is the naive sum;
(d) the Edit Log's seqs are 1..company.last_seq without gaps, one per successful save.

Entries are also compared with a shadow model of what each voucher should hold, so a service
that wrote the wrong rows cannot pass by being consistent with itself.

Each Hypothesis example runs in its own transaction (hypothesis.extra.django.TestCase), on the
company seeded once in setUpTestData.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from hypothesis import HealthCheck, Phase, event, given, note, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from books.services import company_create
from companies.models import Company, Membership
from core.errors import Invalid, StaleVersion
from core.money import ZERO, format_amount
from editlog.models import Change
from ledgers.models import Ledger, LedgerDay
from ledgers.services import ledger_alter
from reports.selectors import trial_balance_get
from tests.conftest import FY_START, make_ledger
from vouchers.models import Entry, Voucher
from vouchers.services import voucher_alter, voucher_cancel, voucher_create, voucher_delete

FY_END = dt.date(2027, 3, 31)
ONE_DAY = dt.timedelta(days=1)

CASH_BANK = ("cash", "bank")
OTHERS = ("party", "supplier", "sales", "purchase", "rent")
EVERY = CASH_BANK + OTHERS
# Which ledgers each voucher type may draw its debit and its credit lines from (Tally's rules,
# vouchers/drafts.py): a Payment credits only cash or bank and debits neither, a Receipt the
# mirror, a Journal uses neither, a Contra only them.
POOLS = {
    "Sales": (EVERY, EVERY),
    "Purchase": (EVERY, EVERY),
    "Credit Note": (EVERY, EVERY),
    "Debit Note": (EVERY, EVERY),
    "Payment": (OTHERS, CASH_BANK),
    "Receipt": (CASH_BANK, OTHERS),
    "Journal": (OTHERS, OTHERS),
    "Contra": (CASH_BANK, CASH_BANK),
}

amounts = st.decimals(
    min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2, allow_nan=False
)
voucher_dates = st.dates(min_value=FY_START, max_value=FY_END)
# As-of days reach a little outside the year: before the books begin and after the last entry.
as_of_dates = st.dates(min_value=FY_START - dt.timedelta(days=20), max_value=FY_END + ONE_DAY * 20)
narrations = st.sampled_from(["", "Invoice 17", "  Rent for May  ", "Cash deposited\nat HDFC"])
actors = st.sampled_from(["alice", "bob"])
# How a line names its ledger and writes its amount: the API accepts all of these.
ref_styles = st.sampled_from(["name", "UPPER", "id", "id-text"])
amount_styles = st.sampled_from(["plain", "indian"])


@dataclass(frozen=True)
class LineSpec:
    ledger: str  # key into the seeded ledgers
    amount: Decimal  # signed, positive = Dr
    ref_style: str
    amount_style: str


@dataclass(frozen=True)
class VoucherSpec:
    type: str
    date: dt.date
    narration: str
    lines: tuple[LineSpec, ...]


@st.composite
def voucher_specs(draw: Any) -> VoucherSpec:
    """A balanced voucher that obeys its type's ledger rules: 1-3 debits, 1-3 credits and a
    balancing line on the short side; lines in any order, a ledger may repeat."""
    vtype = draw(st.sampled_from(list(POOLS)))
    debit_pool, credit_pool = POOLS[vtype]
    debits = draw(st.lists(st.tuples(st.sampled_from(debit_pool), amounts), min_size=1, max_size=3))
    credits = draw(
        st.lists(st.tuples(st.sampled_from(credit_pool), amounts), min_size=1, max_size=3)
    )
    difference = sum(a for _, a in debits) - sum(a for _, a in credits)
    if difference > 0:
        credits.append((draw(st.sampled_from(credit_pool)), difference))
    elif difference < 0:
        debits.append((draw(st.sampled_from(debit_pool)), -difference))
    signed = [(key, a) for key, a in debits] + [(key, -a) for key, a in credits]
    signed = draw(st.permutations(signed))
    lines = tuple(
        LineSpec(key, amount, draw(ref_styles), draw(amount_styles)) for key, amount in signed
    )
    return VoucherSpec(vtype, draw(voucher_dates), draw(narrations), lines)


# An alteration: a whole new voucher, the new voucher keeping its date, or only a new date or
# narration (the entries stay, and must move to the new date).
alterations = st.one_of(
    st.tuples(st.just("full"), voucher_specs()),
    st.tuples(st.just("keep-date"), voucher_specs()),
    st.tuples(st.just("date-only"), voucher_dates),
    st.tuples(st.just("narration-only"), narrations),
)
picks = st.integers(min_value=0, max_value=40)  # which existing voucher (modulo their count)
creations = st.tuples(st.just("create"), voucher_specs(), actors)
operations = st.one_of(
    creations,
    creations,  # twice: the other operations need vouchers to work on
    st.tuples(st.just("alter"), picks, alterations, actors),
    st.tuples(st.just("cancel"), picks, actors),
    st.tuples(st.just("delete"), picks, actors),
    st.tuples(
        st.just("opening"),
        st.sampled_from(EVERY),
        st.decimals(min_value=ZERO, max_value=Decimal("99999999.99"), places=2, allow_nan=False),
        st.sampled_from(["opening_debit", "opening_credit"]),
    ),
    st.tuples(
        st.just("stale"),
        picks,
        st.sampled_from(["alter", "cancel", "delete"]),
        st.sampled_from([-1, 1]),
    ),
)


@dataclass
class Shadow:
    """What the books should hold, kept apart from the database."""

    vouchers: dict[int, dict[str, Any]] = field(default_factory=dict)  # id → date, lines, cancelled
    openings: dict[int, Decimal] = field(default_factory=dict)  # ledger id → signed opening


class Books:
    """One example's run: applies operations through the services and checks the books."""

    def __init__(self, case: VoucherProperties) -> None:
        self.company = Company.objects.get(pk=case.company_id)
        self.users = {"alice": case.alice, "bob": case.bob}
        self.ledgers = {key: Ledger.objects.get(pk=pk) for key, pk in case.ledger_ids.items()}
        self.shadow = Shadow(
            openings=dict.fromkeys(
                Ledger.objects.filter(company=self.company).values_list("pk", flat=True), ZERO
            )
        )
        self.recent: list[dt.date] = []
        self.last_seq = self.company.last_seq

    # -- input ------------------------------------------------------------------------------

    def _render(self, spec: VoucherSpec, *, keep_date: bool = False) -> dict[str, Any]:
        entries = []
        for line in spec.lines:
            ledger = self.ledgers[line.ledger]
            ref: Any = {
                "name": ledger.name,
                "UPPER": f"  {ledger.name.upper()} ",
                "id": ledger.pk,
                "id-text": str(ledger.pk),
            }[line.ref_style]
            magnitude = abs(line.amount)
            text = format_amount(magnitude) if line.amount_style == "indian" else f"{magnitude:.2f}"
            entries.append({"ledger": ref, "debit" if line.amount > 0 else "credit": text})
        data: dict[str, Any] = {"type": spec.type, "narration": spec.narration, "entries": entries}
        if not keep_date:
            data["date"] = spec.date.isoformat()
        return data

    def _lines(self, spec: VoucherSpec) -> list[tuple[int, Decimal]]:
        return [(self.ledgers[line.ledger].pk, line.amount) for line in spec.lines]

    def _pick(self, index: int) -> Voucher | None:
        ids = sorted(self.shadow.vouchers)
        if not ids:
            return None
        return Voucher.objects.get(pk=ids[index % len(ids)])

    # -- operations -------------------------------------------------------------------------

    def apply(self, op: tuple[Any, ...]) -> bool:
        """Run one operation; True if it saved (a refusal is checked to have written nothing)."""
        note(f"step: {op!r}")
        self.recent = []
        saved = getattr(self, f"_op_{op[0]}")(*op[1:])
        event(f"{op[0]}: {'saved' if saved else 'refused or nothing to pick'}")
        self._check_seq_moved(by=1 if saved else 0)
        return saved

    def _op_create(self, spec: VoucherSpec, actor: str) -> bool:
        voucher = voucher_create(
            company=self.company, actor=self.users[actor], data=self._render(spec)
        )
        self.shadow.vouchers[voucher.pk] = {
            "date": spec.date,
            "lines": self._lines(spec),
            "cancelled": False,
        }
        self.recent = [spec.date]
        return True

    def _op_alter(self, index: int, alteration: tuple[str, Any], actor: str) -> bool:
        voucher = self._pick(index)
        if voucher is None:
            return False
        kind, value = alteration
        kept = self.shadow.vouchers[voucher.pk]
        if kind == "full":
            data, date, lines = self._render(value), value.date, self._lines(value)
        elif kind == "keep-date":
            data, date, lines = (
                self._render(value, keep_date=True),
                kept["date"],
                self._lines(value),
            )
        elif kind == "date-only":
            data, date, lines = {"date": value.isoformat()}, value, kept["lines"]
        else:
            data, date, lines = {"narration": value}, kept["date"], kept["lines"]
        if kept["cancelled"]:
            with self._refused(Invalid):
                voucher_alter(
                    company=self.company,
                    voucher=voucher,
                    actor=self.users[actor],
                    data=data,
                    version=voucher.version,
                )
            return False
        voucher_alter(
            company=self.company,
            voucher=voucher,
            actor=self.users[actor],
            data=data,
            version=voucher.version,
        )
        self.recent = [kept["date"], date]
        kept.update(date=date, lines=lines)
        return True

    def _op_cancel(self, index: int, actor: str) -> bool:
        voucher = self._pick(index)
        if voucher is None:
            return False
        kept = self.shadow.vouchers[voucher.pk]
        cancel = {"company": self.company, "voucher": voucher, "actor": self.users[actor]}
        if kept["cancelled"]:
            with self._refused(Invalid):
                voucher_cancel(**cancel, version=voucher.version)
            return False
        voucher_cancel(**cancel, version=voucher.version)
        kept.update(lines=[], cancelled=True)
        self.recent = [kept["date"]]
        return True

    def _op_delete(self, index: int, actor: str) -> bool:
        voucher = self._pick(index)
        if voucher is None:
            return False
        voucher_delete(
            company=self.company, voucher=voucher, actor=self.users[actor], version=voucher.version
        )
        self.recent = [self.shadow.vouchers.pop(voucher.pk)["date"]]
        return True

    def _op_opening(self, key: str, amount: Decimal, side: str) -> bool:
        ledger = Ledger.objects.get(pk=self.ledgers[key].pk)
        other = "opening_credit" if side == "opening_debit" else "opening_debit"
        ledger_alter(
            company=self.company,
            ledger=ledger,
            actor=self.users["alice"],
            data={side: f"{amount:.2f}", other: ""},
            version=ledger.version,
        )
        self.shadow.openings[ledger.pk] = amount if side == "opening_debit" else -amount
        return True

    def _op_stale(self, index: int, verb: str, offset: int) -> bool:
        """A save from someone who read an older (or a made-up) version is refused whole."""
        voucher = self._pick(index)
        if voucher is None:
            return False
        common = {
            "company": self.company,
            "voucher": voucher,
            "actor": self.users["bob"],
            "version": voucher.version + offset,
        }
        with self._refused(StaleVersion):
            if verb == "alter":
                voucher_alter(**common, data={"date": FY_END.isoformat()})
            elif verb == "cancel":
                voucher_cancel(**common)
            else:
                voucher_delete(**common)
        return False

    def _refused(self, error: type[Exception]) -> Any:
        return _Refused(error, self)

    # -- checks -----------------------------------------------------------------------------

    def _check_seq_moved(self, *, by: int) -> None:
        company = Company.objects.get(pk=self.company.pk)
        assert company.last_seq == self.last_seq + by, "one Change per save, none per refusal"
        self.last_seq = company.last_seq

    def snapshot(self) -> tuple[Any, ...]:
        company = self.company
        return (
            list(Voucher.objects.filter(company=company).order_by("pk").values_list()),
            list(Entry.objects.filter(voucher__company=company).order_by("pk").values_list()),
            list(
                Ledger.objects.filter(company=company)
                .order_by("pk")
                .values_list("pk", "opening_balance", "total_debit", "total_credit", "version")
            ),
            list(LedgerDay.objects.filter(ledger__company=company).order_by("pk").values_list()),
            Change.objects.filter(company=company).count(),
        )

    def check(self, as_of: list[dt.date]) -> None:
        company = Company.objects.get(pk=self.company.pk)
        ledgers = {
            ledger.pk: ledger
            for ledger in Ledger.objects.filter(company=company).select_related("group")
        }
        entries = list(
            Entry.objects.filter(voucher__company=company).values_list(
                "voucher_id", "ledger_id", "date", "amount"
            )
        )
        self._check_against_shadow(ledgers, entries)
        self._check_totals(ledgers, entries)
        # The days the last save touched hit the "on or before" boundary of every way
        # trial_balance_get reads its day totals; the drawn days hit the rest.
        days = {*self.recent, *as_of}
        for day in [None, *sorted(days)]:
            self._check_trial_balance(company, ledgers, entries, day)
        seqs = list(Change.objects.filter(company=company).values_list("seq", flat=True))
        assert sorted(seqs) == list(range(1, company.last_seq + 1)), "Edit Log seqs have gaps"

    def _check_against_shadow(self, ledgers: dict[int, Ledger], entries: list[tuple]) -> None:
        vouchers = {
            v.pk: v
            for v in Voucher.objects.filter(company=self.company).only("date", "is_cancelled")
        }
        assert set(vouchers) == set(self.shadow.vouchers), "vouchers differ from the model"
        by_voucher: dict[int, Counter] = defaultdict(Counter)
        for voucher_id, ledger_id, day, amount in entries:
            by_voucher[voucher_id][(ledger_id, day, amount)] += 1
        for pk, kept in self.shadow.vouchers.items():
            assert vouchers[pk].date == kept["date"]
            assert vouchers[pk].is_cancelled == kept["cancelled"]
            expected = Counter((lid, kept["date"], amount) for lid, amount in kept["lines"])
            assert by_voucher.get(pk, Counter()) == expected, f"entries of voucher {pk}"
        for pk, ledger in ledgers.items():
            assert ledger.opening_balance == self.shadow.openings[pk], ledger.name

    def _check_totals(self, ledgers: dict[int, Ledger], entries: list[tuple]) -> None:
        debit: dict[int, Decimal] = defaultdict(lambda: ZERO)
        credit: dict[int, Decimal] = defaultdict(lambda: ZERO)
        day_sums: dict[tuple[int, dt.date], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
        for _, ledger_id, day, amount in entries:
            if amount > 0:
                debit[ledger_id] += amount
                day_sums[(ledger_id, day)][0] += amount
            else:
                credit[ledger_id] -= amount
                day_sums[(ledger_id, day)][1] -= amount
        for pk, ledger in ledgers.items():
            assert (ledger.total_debit, ledger.total_credit) == (debit[pk], credit[pk]), (
                f"kept totals of {ledger.name}"
            )
        kept_days = {
            (row.ledger_id, row.date): [row.debit, row.credit]
            for row in LedgerDay.objects.filter(ledger__company=self.company)
            if row.debit or row.credit
        }
        assert kept_days == dict(day_sums), "per-day totals differ from the entries"

    def _check_trial_balance(
        self,
        company: Company,
        ledgers: dict[int, Ledger],
        entries: list[tuple],
        as_of: dt.date | None,
    ) -> None:
        balances = {pk: ledger.opening_balance for pk, ledger in ledgers.items()}
        for _, ledger_id, day, amount in entries:
            if as_of is None or day <= as_of:
                balances[ledger_id] += amount
        # Tally's financial year: income and expense ledgers start it at zero, and what they
        # held before it sits in Profit & Loss A/c.
        year_start = company.financial_year_begins(as_of or timezone.localdate())
        if company.carries_results(year_start):
            profit_and_loss = next(pk for pk, lg in ledgers.items() if lg.group is None)
            for pk, ledger in ledgers.items():
                if ledger.group is not None and ledger.group.is_revenue:
                    earlier = ledger.opening_balance + sum(
                        (a for _, lid, day, a in entries if lid == pk and day < year_start), ZERO
                    )
                    balances[pk] -= earlier
                    balances[profit_and_loss] += earlier
        expected = {pk: b for pk, b in balances.items() if b}
        tb = trial_balance_get(company=company, as_of=as_of)
        got = {row.ledger.pk: row.balance for row in tb.rows}
        assert got == expected, f"Trial Balance as of {as_of}"
        openings = sum((ledger.opening_balance for ledger in ledgers.values()), ZERO)
        assert tb.opening_difference == -openings
        naive_debit = sum((b for b in expected.values() if b > 0), ZERO) + max(-openings, ZERO)
        naive_credit = -sum((b for b in expected.values() if b < 0), ZERO) + max(openings, ZERO)
        assert (tb.total_debit, tb.total_credit) == (naive_debit, naive_credit)
        assert tb.total_debit == tb.total_credit, f"Trial Balance as of {as_of} does not agree"


class _Refused:
    """`with books._refused(Error):` the save must raise Error and leave the books untouched."""

    def __init__(self, error: type[Exception], books: Books) -> None:
        self.error, self.books = error, books

    def __enter__(self) -> None:
        self.before = self.books.snapshot()

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> bool:
        assert kind is not None and issubclass(kind, self.error), f"expected {self.error}"
        assert self.books.snapshot() == self.before, "a refused save wrote something"
        return True


class VoucherProperties(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        # No password: no hashing. Staff: only staff create companies by default.
        cls.alice = User.objects.create_user("alice", is_staff=True)
        cls.bob = User.objects.create_user("bob")
        company = company_create(
            actor=cls.alice,
            name="Sharma Traders",
            state="Maharashtra",
            financial_year_start=FY_START,
        )
        Membership.objects.create(user=cls.bob, company=company, role="accountant")
        cls.company_id = company.pk
        cls.ledger_ids = {
            "cash": Ledger.objects.get(company=company, name="Cash").pk,
            "bank": make_ledger(company, cls.alice, "HDFC Bank", "Bank Accounts").pk,
            "party": make_ledger(company, cls.alice, "Sharma Enterprises", "Sundry Debtors").pk,
            "supplier": make_ledger(company, cls.alice, "Gupta Suppliers", "Sundry Creditors").pk,
            "sales": make_ledger(company, cls.alice, "Sales", "Sales Accounts").pk,
            "purchase": make_ledger(company, cls.alice, "Purchase", "Purchase Accounts").pk,
            "rent": make_ledger(company, cls.alice, "Rent", "Indirect Expenses").pk,
        }

    # Passing takes seconds; a failure's shrinking can take minutes on a busy machine, and the
    # suite's 300 s timeout would cut off the report with the falsifying example.
    @pytest.mark.timeout(600)
    @settings(
        max_examples=50,
        deadline=None,
        database=None,  # no .hypothesis/ directory in the working tree
        report_multiple_bugs=False,  # shrink one failure, not each assertion that broke
        # No "explain" phase: replaying a failure many times over costs minutes here.
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        prelude=st.lists(creations, min_size=1, max_size=4),
        ops=st.lists(operations, min_size=2, max_size=12),
        as_of=st.lists(as_of_dates, min_size=1, max_size=3),
    )
    def test_kept_totals_agree_with_entries(
        self,
        prelude: list[tuple[Any, ...]],
        ops: list[tuple[Any, ...]],
        as_of: list[dt.date],
    ) -> None:
        books = Books(self)
        books.check(as_of)
        for op in prelude + ops:
            if books.apply(op):
                books.check(as_of)
