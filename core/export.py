"""A report as a file: its table (title block, columns, rows, totals) written as CSV or as an
Excel workbook, for every page that offers `?format=csv` / `?format=xlsx`.

A report gives its `Table` once; both formats write the same columns and rows. Rows may be a
generator (a statement of a year streams: CSV row by row, the workbook in openpyxl's write-only
mode through a temporary file), so a long report is never a list in memory.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import tempfile
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from typing import Any, Literal

from asgiref.sync import sync_to_async  # noqa: TID251 (Django's async bridge; no Channels)
from django.core.handlers.asgi import ASGIRequest
from django.db import connections
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from core.errors import Invalid

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Indian grouping (1,00,000.00; 1,00,00,000.00): Excel's number formats group by thousands
# only, so crores and lakhs are conditions. A negative amount takes the last section.
INDIAN_AMOUNT = "[>=10000000]##\\,##\\,##\\,##0.00;[>=100000]##\\,##\\,##0.00;##,##0.00"
TALLY_DATE = "dd-mmm-yyyy"
INDENT = "  "  # a level of the chart in a CSV cell (the workbook indents the cell instead)

Kind = Literal["text", "amount", "date", "integer"]
Style = Literal["", "group", "detail", "total"]


@dataclass(frozen=True)
class Column:
    title: str
    kind: Kind = "text"
    width: float = 14  # in characters, the workbook's column width


@dataclass(frozen=True)
class Label:
    """A name at a depth of the chart (a sub-group or ledger under its group), in its own
    style where it differs from its row's (a group's name in bold beside another side's
    detail, in a two-sided account)."""

    text: str
    depth: int = 0
    style: Style = ""

    def __str__(self) -> str:
        return INDENT * self.depth + self.text


@dataclass(frozen=True)
class Row:
    """One line: its cells by column (None for an empty cell; amounts as Decimal, dates as
    dates, names as str or Label) and how it stands out (a group in bold, a total in bold
    under a rule, a detail in italics)."""

    cells: Sequence[Any]
    style: Style = ""


@dataclass
class Table:
    company: str
    title: str  # "Trial Balance", "Ledger: Cash"
    period: str  # "01-Apr-2026 to 30-Nov-2026", "as at 30-Nov-2026"
    columns: Sequence[Column]
    rows: Iterable[Row]

    def filename(self, fmt: str) -> str:
        """`Trial Balance 01-Apr-2026 to 30-Nov-2026.xlsx`, `Ledger - Cash …`; no character a
        file system refuses."""
        name = re.sub(r"\s*:\s*", " - ", f"{self.title} {self.period}")
        name = re.sub(r'[\\/*?"<>|\x00-\x1f]+', "-", name)
        return f"{name.strip()[:200]}.{fmt}"


def tally_date(day: dt.date) -> str:
    return day.strftime("%d-%b-%Y")


def period_text(date_from: dt.date, date_to: dt.date) -> str:
    """ "01-Apr-2026 to 30-Nov-2026" (one day: "26-Nov-2026")."""
    if date_from == date_to:
        return tally_date(date_from)
    return f"{tally_date(date_from)} to {tally_date(date_to)}"


def balance_cells(balance: Decimal) -> tuple[Decimal, str]:
    """A signed balance as Tally prints it, in two cells: the amount and "Dr" / "Cr" ("" at 0)."""
    return abs(balance), "Dr" if balance > 0 else "Cr" if balance < 0 else ""


def export_format(request: HttpRequest) -> str | None:
    """The file a report is asked for (`?format=csv` or `xlsx`), None for the page; Invalid
    (400) naming the parameter and what it may be for anything else."""
    fmt = request.GET.get("format")
    if fmt is None:
        return None
    if fmt not in FORMATS:
        allowed = " or ".join(f'"{name}"' for name in FORMATS)
        raise Invalid.field("format", f"The format may be {allowed} (or left out for the page).")
    return fmt


def export_response(request: HttpRequest, table: Table, fmt: str) -> HttpResponse:
    """The table as a download named after the report and its period. The CSV is written as
    it is sent; the workbook is written first (openpyxl cannot stream a zip), then sent."""
    if fmt == "csv":
        parts: Iterator[Any] = csv_lines(table)
    else:
        parts = _chunks(xlsx_file(table))
    response = StreamingHttpResponse(
        streamed_content(request, parts), content_type=CONTENT_TYPES[fmt]
    )
    response["Content-Disposition"] = content_disposition_header(True, table.filename(fmt))
    return response


FILE_CHUNK = 64 * 1024


def _chunks(spool: Any) -> Iterator[bytes]:
    with spool:  # closed when the answer is (Django closes a generator it was given)
        while chunk := spool.read(FILE_CHUNK):
            yield chunk


BATCH = 200  # CSV lines (or chunks of a workbook) read per hop to the file's thread


def streamed_content(request: HttpRequest, parts: Iterator[Any]) -> Any:
    """A streamed answer's content: under ASGI read a batch at a time on a thread of its own
    (`_sent_as_read`), under WSGI (tests, the live server) as it is."""
    return _sent_as_read(parts) if isinstance(request, ASGIRequest) else parts


async def _sent_as_read(parts: Iterator[Any]) -> AsyncIterator[Any]:
    """An ASGI server takes an async iterator; Django would read a plain one to its end
    first (into a list). The rows are read in batches on a thread of this file's own, so a
    statement's cursor stays open on one connection between batches, and no other work (the
    live feed's reads run on asgiref's one shared thread) waits behind a long file or closes
    its connection under it. The thread's connection is closed when the file ends or the
    client goes (the generator is closed then)."""
    reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export")
    batch = sync_to_async(
        lambda: list(islice(parts, BATCH)), thread_sensitive=False, executor=reader
    )
    try:
        while lines := await batch():
            yield "".join(lines) if isinstance(lines[0], str) else b"".join(lines)
    finally:
        await sync_to_async(_finish, thread_sensitive=False, executor=reader)(parts)
        reader.shutdown(wait=False)


def _finish(parts: Iterator[Any]) -> None:
    """On the file's thread: close the rows' generator (its cursor) and the connection."""
    close = getattr(parts, "close", None)
    if close is not None:
        close()
    connections.close_all()


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_safe(text: str) -> str:
    """A text cell for CSV as a spreadsheet cannot run it: a ledger or narration that starts
    like a formula (`=HYPERLINK(…)`, `+1`, `@SUM`) gets a leading apostrophe (OWASP's advice
    for CSV injection), also when it is indented; everything else is left as typed."""
    return "'" + text if text.lstrip(" ").startswith(FORMULA_STARTS) else text


class _Line:
    """csv.writer's file: hands back the line it was given."""

    def write(self, line: str) -> str:
        return line


def _csv_cell(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if value is None:
        return ""
    return str(value) if isinstance(value, int | float) else text_safe(str(value))


def csv_lines(table: Table) -> Iterator[str]:
    """UTF-8 with a byte-order mark (Excel reads it as UTF-8), the header row, then a line per
    row: amounts plain (`100000.00`, no grouping, minus for a negative), dates ISO
    (`2026-11-26`: read as a date in any locale). The title and period are in the file name."""
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow([column.title for column in table.columns])
    for row in table.rows:
        yield writer.writerow([_csv_cell(value) for value in row.cells])


BOLD = Font(bold=True)
RULE = Border(top=Side(style="thin"), bottom=Side(style="thin"))
FONTS = {"": None, "group": BOLD, "detail": Font(italic=True), "total": BOLD}


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Any, kind: Kind, style: Style) -> Any:
    alignment = None
    if isinstance(value, Label):
        style = value.style or style
        alignment = Alignment(indent=value.depth) if value.depth else None
        value = value.text
        if not style and not alignment and not _formula_like(value):
            return value
    elif value is None or (kind == "text" and not style and not _formula_like(value)):
        return value  # a plain cell needs no style of its own (fast for a long statement)
    cell = _text_cell(sheet, value)
    if alignment:
        cell.alignment = alignment
    if kind == "amount":
        cell.number_format = INDIAN_AMOUNT
    elif kind == "date":
        cell.number_format = TALLY_DATE
    if font := FONTS[style]:
        cell.font = font
    if style == "total":
        cell.border = RULE
    return cell


def _formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("=")


def _text_cell(sheet: WriteOnlyWorksheet, value: Any) -> WriteOnlyCell:
    """A cell of `value`; text that starts with "=" stays text (openpyxl would store it as a
    formula, which Excel runs when the file is opened)."""
    cell = WriteOnlyCell(sheet, value)
    if _formula_like(value):
        cell.data_type = "s"
    return cell


def _title_block(sheet: WriteOnlyWorksheet, table: Table) -> None:
    company = _text_cell(sheet, table.company)
    company.font = Font(bold=True, size=14)
    title = _text_cell(sheet, table.title)
    title.font = Font(bold=True, size=12)
    sheet.append([company])
    sheet.append([title])
    sheet.append([table.period])
    sheet.append([])


HEAD_ROWS = 5  # company, title, period, a blank row, the column titles


def xlsx_file(table: Table) -> Any:
    """The workbook: the title block (company, report, period), the column titles frozen
    under it and repeated on every printed page, then the rows — numbers as numbers in Indian
    grouping, dates as dates (dd-Mon-yyyy), groups and totals in bold. Written in write-only
    mode to a temporary file that is spooled to disk past 8 MB; the answer reads it back."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=re.sub(r"[\\/*?:\[\]]", "-", table.title)[:31])
    for index, column in enumerate(table.columns, 1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = f"A{HEAD_ROWS + 1}"
    sheet.print_title_rows = f"1:{HEAD_ROWS}"
    _title_block(sheet, table)
    heads = []
    for column in table.columns:
        head = WriteOnlyCell(sheet, column.title)
        head.font = BOLD
        head.border = Border(bottom=Side(style="thin"))
        if column.kind != "text":
            head.alignment = Alignment(horizontal="right")
        heads.append(head)
    sheet.append(heads)
    kinds = [column.kind for column in table.columns]
    for row in table.rows:
        sheet.append(
            [
                _xlsx_cell(sheet, v, kind, row.style)
                for v, kind in zip(row.cells, kinds, strict=True)
            ]
        )
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (_chunks closes it)
    book.save(spool)
    spool.seek(0)
    return spool
