"""Tally XML read as a stream of objects: the encoding found by its BOM, the control characters
Tally writes (`&#4; Primary`) taken out, and one TALLYMESSAGE child at a time handed over and
then dropped, so memory stays flat however large the file (FORMAT.md §1, §4 "Parsing gotchas").

defusedxml's ElementTree: the files come from other machines, so no DTD, no entity expansion,
nothing fetched (XXE); the standard library's expat does the parsing.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import BinaryIO
from xml.etree.ElementTree import Element, XMLPullParser

from defusedxml.ElementTree import DefusedXMLParser

CHUNK = 64 * 1024

# Character references to code points XML 1.0 forbids (0-8, 11, 12, 14-31), decimal or hex,
# and the raw control characters themselves.
_BAD_REFERENCE = re.compile(
    r"&#(?:0*(?:[0-8]|1[124-9]|2[0-9]|3[01])|[xX]0*(?:[0-8]|[bBcC]|1[0-9a-fA-F]));"
)
_BAD_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
# A reference is at most this long (`&#x0000001f;` padded): a chunk's tail that could be the
# start of one waits for the next chunk.
_LONGEST_REFERENCE = 16


def encoding_of(head: bytes) -> tuple[str, int]:
    """The file's encoding told by its byte-order mark, and the mark's length: UTF-16LE/BE or
    UTF-8 with one; without, UTF-16 when the first character has a zero byte beside it, else
    UTF-8 (Tally's HTTP answers and re-saved files)."""
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if head.startswith(bom):
            return name, len(bom)
    if len(head) >= 2 and head[0] == 0 and head[1] != 0:
        return "utf-16-be", 0
    if len(head) >= 2 and head[0] != 0 and head[1] == 0:
        return "utf-16-le", 0
    return "utf-8", 0


def clean_text(text: str) -> str:
    """XML text without what XML 1.0 forbids: Tally's `&#4;` references and control bytes."""
    return _BAD_CHARACTER.sub("", _BAD_REFERENCE.sub("", text))


def text_chunks(stream: BinaryIO, *, size: int = CHUNK) -> Iterator[str]:
    """The stream decoded and cleaned, chunk by chunk, without its XML declaration (it names
    the file's encoding; the parser is fed the text re-encoded as UTF-8)."""
    head = stream.read(4)
    encoding, skip = encoding_of(head)
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    pending = decoder.decode(head[skip:])
    first = True
    while True:
        raw = stream.read(size)
        pending += decoder.decode(raw, final=not raw)
        if first and (len(pending) >= 200 or not raw):
            pending = _DECLARATION.sub("", pending, count=1)
            first = False
        if first:
            continue
        cut = len(pending) if not raw else _safe_cut(pending)
        yield clean_text(pending[:cut])
        pending = pending[cut:]
        if not raw:
            return


def _safe_cut(text: str) -> int:
    """Where a chunk may end without splitting a character reference."""
    amp = text.rfind("&", max(0, len(text) - _LONGEST_REFERENCE))
    return amp if amp >= 0 and ";" not in text[amp:] else len(text)


def objects(stream: BinaryIO) -> Iterator[Element]:
    """Each object of a Tally XML stream (the element inside a TALLYMESSAGE: GROUP, LEDGER,
    VOUCHERTYPE, VOUCHER, ...), whole, in file order. An element is cleared once the caller
    has taken the next one: read what you need before asking for more."""
    parser = DefusedXMLParser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
    pull = _Pull(parser)
    open_elements: list[Element] = []  # from the root down to the one being read
    message_depth: int | None = None
    for chunk in text_chunks(stream):
        for event, element in pull.feed(chunk.encode("utf-8")):
            if event == "start":
                open_elements.append(element)
                if element.tag == "TALLYMESSAGE":
                    message_depth = len(open_elements)
                continue
            depth = len(open_elements)
            open_elements.pop()
            if message_depth is not None and depth == message_depth + 1:
                yield element
                element.clear()
            elif depth == message_depth:
                message_depth = None
                # Dropped from its parent too, or the tree keeps one husk per object.
                if open_elements:
                    open_elements[-1].remove(element)
    pull.close()


class _Pull:
    """ElementTree's XMLPullParser over the defused parser: start and end events, chunk by
    chunk (`_parser` is the hook defusedxml's own iterparse uses)."""

    def __init__(self, parser: DefusedXMLParser) -> None:
        self._pull = XMLPullParser(events=("start", "end"), _parser=parser)

    def feed(self, data: bytes) -> Iterator[tuple[str, Element]]:
        self._pull.feed(data)
        yield from self._pull.read_events()

    def close(self) -> None:
        self._pull.close()


# -- values ----------------------------------------------------------------------------------

_NUMBER = re.compile(r"^\s*(-?[\d.,]+)\s*(\S.*)?$")


def value(element: Element | None, tag: str) -> str:
    """The stripped text of `tag` under `element` ("" when absent): Tally pads numbers with a
    leading space and ends some values (a GSTIN) with CR/LF."""
    if element is None:
        return ""
    child = element.find(tag)
    if child is None or child.text is None:
        return ""
    return child.text.strip()


def flag(element: Element | None, tag: str) -> bool:
    return value(element, tag).lower() == "yes"


def amount(text: str) -> Decimal | None:
    """A Tally amount as a Decimal (Tally's sign: negative = Dr), or None for an empty one.
    A forex amount (`-$100.00 @ ₹ 80.00/$ = -₹ 8000.00`) is taken in the base currency, the
    figure after `=`. ValueError for what is not a number."""
    text = text.strip()
    if not text:
        return None
    if "=" in text:
        text = text.rsplit("=", 1)[1]
    negative = "-" in text.split(next((c for c in text if c.isdigit()), "0"), 1)[0]
    digits = re.sub(r"[^\d.]", "", text.split("@", 1)[0])
    if not digits:
        raise ValueError(f"not an amount: {text!r}")
    try:
        number = Decimal(digits).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValueError(f"not an amount: {text!r}") from None
    return -number if negative else number


def quantity(text: str) -> tuple[Decimal, str] | None:
    """A quantity or rate with its unit (`" 11 nos"`, `"22.00/nos"`), or None when empty."""
    match = _NUMBER.match(text.replace("/", " "))
    if not match:
        return None
    return Decimal(match.group(1).replace(",", "")), (match.group(2) or "").strip()


def date(text: str) -> dt.date | None:
    """A YYYYMMDD date, or None when empty. ValueError for what is not a day."""
    text = text.strip()
    if not text:
        return None
    if not re.fullmatch(r"\d{8}", text):
        raise ValueError(f"not a date: {text!r}")
    return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
