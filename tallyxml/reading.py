"""Tally XML read as a stream of objects: the encoding found by its BOM, the control characters
Tally writes (`&#4; Primary`) taken out, and one TALLYMESSAGE child at a time handed over and
then dropped, so memory stays flat however large the file (FORMAT.md §1, §4 "Parsing gotchas").

The files come from other machines, so a document type declaration is refused before the
parser sees it (defusedxml's DTDForbidden): without a DTD there is no entity to expand and no
external entity to fetch (XXE), and a reference to one is not well-formed. The parsing is the
standard library's expat behind ElementTree's C parser and tree builder: defusedxml's own parser
is the pure-Python one, whose callbacks per element cost most of a large file's reading.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from typing import BinaryIO
from xml.etree.ElementTree import Element, XMLParser

from defusedxml import DTDForbidden

CHUNK = 64 * 1024

# Character references to code points XML 1.0 forbids (0-8, 11, 12, 14-31), decimal or hex,
# and the raw control characters themselves.
_BAD_REFERENCE = re.compile(
    r"&#(?:0*(?:[0-8]|1[124-9]|2[0-9]|3[01])|[xX]0*(?:[0-8]|[bBcC]|1[0-9a-fA-F]));"
)
_BAD_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
# What may come before the root element besides a DTD: blanks, comments, processing
# instructions (a `<` inside a comment is not yet the root).
_PROLOG = re.compile(r"(?:\s+|<!--.*?-->|<\?.*?\?>)*", re.DOTALL)
_DOCTYPE = re.compile(r"<!DOCTYPE\s*([^\s\[>]*)", re.IGNORECASE)
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
    the file's encoding; the parser is fed the text as text)."""
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


def parse_events(chunks: Iterable[str]) -> Iterator[list[tuple[str, Element]]]:
    """The ("start" | "end", element) events of an XML text fed chunk by chunk, a batch per
    chunk (one list, emptied before the next batch: read it before asking for more), once the
    prolog is known to hold no document type declaration. Every reader of XML from another
    machine goes through here: DTDForbidden for a DTD (so no entity to expand, nothing to fetch),
    ParseError for what is not well-formed."""
    parser = XMLParser()
    events: list[tuple[str, Element]] = []
    # What XMLPullParser does, less its generator's step per event: the C parser appends
    # (event, element) pairs to `events` as it goes.
    parser._setevents(events, ("start", "end"))  # type: ignore[attr-defined]
    for chunk in _prolog_checked(iter(chunks)):
        parser.feed(chunk)
        yield events
        events.clear()
    parser.close()
    yield events


def objects(stream: BinaryIO) -> Iterator[Element]:
    """Each object of a Tally XML stream (the element inside a TALLYMESSAGE: GROUP, LEDGER,
    VOUCHERTYPE, VOUCHER, ...), whole, in file order. An element is cleared once the caller
    has taken the next one: read what you need before asking for more. DTDForbidden for a
    document type declaration; ParseError for what is not well-formed."""
    above: list[Element] = []  # the open elements outside any TALLYMESSAGE, root first
    depth, message_depth = 0, 0  # 0: not inside a TALLYMESSAGE
    for events in parse_events(text_chunks(stream)):
        for event, element in events:
            if event == "start":
                depth += 1
                if message_depth:
                    continue
                if element.tag == "TALLYMESSAGE":
                    message_depth = depth
                else:
                    above.append(element)
                continue
            if not message_depth:
                above.pop()
            elif depth == message_depth + 1:
                yield element
                element.clear()
            elif depth == message_depth:
                message_depth = 0
                # Dropped from its parent too, or the tree keeps one husk per object.
                if above:
                    above[-1].remove(element)
            depth -= 1


def _prolog_checked(chunks: Iterator[str]) -> Iterator[str]:
    """The chunks as they come, once what stands before the root element is known to hold no
    document type declaration (a DTD can stand nowhere else): DTDForbidden if it does."""
    head = ""
    for chunk in chunks:
        head += chunk
        prolog = _PROLOG.match(head)
        rest = head[prolog.end() if prolog else 0 :]
        if rest.startswith(("<!--", "<?")) or "<!DOCTYPE".startswith(rest.upper()):
            continue  # a comment, an instruction or the prolog goes on in the next chunk
        if doctype := _DOCTYPE.match(rest):
            raise DTDForbidden(doctype.group(1), None, None)
        yield head
        yield from chunks
        return
    if head:
        yield head


# -- values ----------------------------------------------------------------------------------

_NUMBER = re.compile(r"^\s*(-?[\d.,]+)\s*(\S.*)?$")
_PLAIN_AMOUNT = re.compile(r"-?\d+(?:\.\d*)?")
CENTS = Decimal("0.01")


def value(element: Element | None, tag: str) -> str:
    """The stripped text of `tag` under `element` ("" when absent): Tally pads numbers with a
    leading space and ends some values (a GSTIN) with CR/LF."""
    if element is None:
        return ""
    child = element.find(tag)
    if child is None or child.text is None:
        return ""
    return child.text.strip()


def children(element: Element) -> tuple[dict[str, str], dict[str, list[Element]]]:
    """One pass over `element`'s children: the stripped text of each tag's first (what
    `value` reads), and the children of each list tag (`*.LIST`, what `listed` reads). A real
    voucher has a hundred children and its lines thirty: ten `find`s would walk them ten
    times."""
    texts: dict[str, str] = {}
    lists: dict[str, list[Element]] = {}
    for child in element:
        tag = child.tag
        if tag.endswith(".LIST"):
            lists.setdefault(tag, []).append(child)
        elif tag not in texts:
            texts[tag] = (child.text or "").strip()
    return texts, lists


def listed(element: Element, tag: str) -> list[Element]:
    """The children of `element` named `tag`, in order: `findall` without its path language,
    which a dot in Tally's list tags (`ALLLEDGERENTRIES.LIST`) would otherwise send through
    ElementPath, a generator in Python, for every line of every voucher."""
    return [child for child in element if child.tag == tag]


def flag(element: Element | None, tag: str) -> bool:
    return value(element, tag).lower() == "yes"


def amount(text: str) -> Decimal | None:
    """A Tally amount as a Decimal (Tally's sign: negative = Dr), or None for an empty one.
    A forex amount (`-$100.00 @ ₹ 80.00/$ = -₹ 8000.00`) is taken in the base currency, the
    figure after `=`. ValueError for what is not a number."""
    text = text.strip()
    if not text:
        return None
    if _PLAIN_AMOUNT.fullmatch(text):  # nearly all of them: no currency, forex or grouping
        return Decimal(text).quantize(CENTS)
    if "=" in text:
        text = text.rsplit("=", 1)[1]
    negative = "-" in text.split(next((c for c in text if c.isdigit()), "0"), 1)[0]
    digits = re.sub(r"[^\d.]", "", text.split("@", 1)[0])
    if not digits:
        raise ValueError(f"not an amount: {text!r}")
    try:
        number = Decimal(digits).quantize(CENTS)
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
