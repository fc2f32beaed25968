"""Tally's XML-over-HTTP API (FORMAT.md §5): a request's body read into a typed `TallyRequest`,
the company it names, and Tally's answer to it, written in the request's own encoding.

What is answered: legacy `Export Data` (REPORTNAME) and new-style `Export` (TYPE Data, ID the
same report names; TYPE Collection of Ledger, Group or Voucher honouring FETCH) through
`tallyxml.answers`, and `Import Data` / `Import` through the ordinary importer
(`tallyxml.importing`). A request that cannot be answered is a `Refused`: Tally's
`<RESPONSE><LINEERROR>…</LINEERROR></RESPONSE>`.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, SubElement, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from companies.access import writer_require
from companies.models import Company
from companies.selectors import memberships_of_user
from core.errors import NotAllowed
from tallyxml.reading import CHUNK, clean_text, encoding_of, parse_events

_CHARSET = re.compile(r"charset\s*=\s*\"?([\w.:-]+)", re.IGNORECASE)
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_TALLY_DATE = re.compile(r"^(\d{1,2})[-/ ]([A-Za-z]{3,9}|\d{1,2})[-/ ](\d{2}|\d{4})$")


MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


class Refused(Exception):
    """A request Tally would refuse with a LINEERROR (the message is the line's text)."""


# -- encodings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Encoding:
    """How a request came, so that its answer goes back the same way: the codec, the charset
    said in the answer's Content-Type, and whether a byte-order mark leads."""

    codec: str
    charset: str
    bom: bytes = b""


TEXT_CHARSETS = frozenset(
    ("utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "windows-1252")
)


def encoding_detect(body: bytes, content_type: str) -> Encoding:
    """A byte-order mark first, then the charset in the Content-Type (a UTF-16 one without a
    mark in the byte order its zero bytes show: Tally's clients send UTF-16LE), else UTF-8."""
    codec, bom_length = encoding_of(body[:4])
    bom = body[:bom_length]
    if bom_length:
        return Encoding(codec, "utf-8" if codec == "utf-8" else "utf-16", bom)
    said = _CHARSET.search(content_type or "")
    charset = said[1].lower() if said else "utf-8"
    if charset.replace("-", "").startswith("utf16") or codec.startswith("utf-16"):
        codec = codec if codec.startswith("utf-16") else "utf-16-le"
        return Encoding(codec, "utf-16")
    # Text encodings only: Python's codecs also hold bytes-to-bytes ones (hex, base64, zlib) and
    # UTF-7, which no Tally client sends and an answer must never be written in.
    if charset not in TEXT_CHARSETS:
        charset = "utf-8"
    return Encoding(charset, charset)


# -- requests --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CollectionAsked:
    """A TDL collection a new-style request defines: its object type and the fields to fetch
    (lower case; "*" for all)."""

    name: str
    type: str
    fetch: tuple[str, ...]


@dataclass(frozen=True)
class TallyRequest:
    """What a request asks: `verb` export or import, `new_style` for VERSION 1 requests,
    `type` Data / Collection / Object (legacy: Data), `name` the report or collection,
    `variables` the STATICVARIABLES (upper-case names) and the body, for an import."""

    verb: str
    new_style: bool
    type: str
    name: str
    variables: dict[str, str] = field(default_factory=dict)
    collection: CollectionAsked | None = None
    body: bytes = b""  # the request as UTF-8 XML (imports read their objects from it)

    def variable(self, name: str) -> str:
        return self.variables.get(name.upper(), "").strip()

    @property
    def company_name(self) -> str:
        return self.variable("SVCURRENTCOMPANY")

    def period(self, company: Company) -> tuple[dt.date, dt.date]:
        """SVFROMDATE..SVTODATE; by default the financial year of SVTODATE (or of today) from
        its first day, as Tally's reports open."""
        today = timezone.localdate()
        date_to = date_read(self.variable("SVTODATE"), "SVTODATE") or today
        year_start = max(company.financial_year_begins(date_to), company.books_beginning)
        date_from = date_read(self.variable("SVFROMDATE"), "SVFROMDATE") or year_start
        if date_from > date_to:
            raise Refused(f"SVFROMDATE {date_from:%Y%m%d} is after SVTODATE {date_to:%Y%m%d}")
        return date_from, date_to

    def flag(self, name: str) -> bool:
        return self.variable(name).lower() in ("yes", "true", "1")


def date_read(text: str, name: str) -> dt.date | None:
    """A date as Tally's clients send it: YYYYMMDD, or 1-Apr-2026 / 01/04/2026 (day first);
    Refused naming the variable for anything else."""
    text = text.strip().strip("'\"")
    if not text:
        return None
    try:
        if re.fullmatch(r"\d{8}", text):
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        match = _TALLY_DATE.match(text)
        if match:
            day, month, year = match.groups()
            year = f"20{year}" if len(year) == 2 else year
            if month.isdigit():
                return dt.date(int(year), int(month), int(day))
            number = MONTHS.index(month[:3].lower()) + 1 if month[:3].lower() in MONTHS else 0
            return dt.date(int(year), number, int(day))
    except ValueError:
        pass
    raise Refused(f"{name} '{text}' is not a date (use YYYYMMDD, e.g. 20260401)")


def request_read(body: bytes, encoding: Encoding) -> TallyRequest:
    """The request a body makes; Refused for what is not a Tally request."""
    text = body[len(encoding.bom) :].decode(encoding.codec, errors="replace")
    text = clean_text(_DECLARATION.sub("", text, count=1))
    try:
        root = _skeleton(text)
    except ParseError as exc:
        raise Refused(f"The request is not well-formed XML ({exc})") from None
    except DefusedXmlException:
        raise Refused("The request declares a DTD or an entity; Tally XML has neither") from None
    data = text.encode("utf-8")  # what an import reads again, streaming (tallyxml.importing)
    del text
    header = root.find("HEADER")
    said = _text(header, "TALLYREQUEST").lower()
    new_style = _text(header, "VERSION") == "1" or said in ("export", "import")
    verb = said.split(" ")[0] if said else ""
    if root.tag != "ENVELOPE" or verb not in ("export", "import"):
        raise Refused("Unknown Request, cannot be processed")
    variables = {
        child.tag.upper(): (child.text or "")
        for statics in root.iter("STATICVARIABLES")
        for child in statics
    }
    if new_style:
        kind, name = _text(header, "TYPE").title() or "Data", _text(header, "ID")
    else:
        kind, name = "Data", _text(root.find(".//REQUESTDESC"), "REPORTNAME")
    collection = _collection_read(root, name) if kind == "Collection" else None
    return TallyRequest(verb, new_style, kind, name, variables, collection, data)


def _skeleton(text: str) -> Element:
    """The request's tree without its objects (each TALLYMESSAGE dropped as it ends): the
    header and variables of an import read in memory that does not grow with its vouchers
    (the importer reads the objects again, streaming). Read by tallyxml.reading's guarded
    parser: ParseError for what is not XML, DTDForbidden for a DTD."""
    open_elements: list[Element] = []
    root = Element("EMPTY")
    chunks = (text[start : start + CHUNK] for start in range(0, len(text), CHUNK))
    for events in parse_events(chunks):
        for event, element in events:
            if event == "start":
                root = element if not open_elements else root
                open_elements.append(element)
                continue
            open_elements.pop()
            if element.tag == "TALLYMESSAGE" and open_elements:
                open_elements[-1].remove(element)
    return root


def _text(element: Element | None, tag: str) -> str:
    child = element.find(tag) if element is not None else None
    return (child.text or "").strip() if child is not None else ""


def _collection_read(root: Element, name: str) -> CollectionAsked:
    """The collection the request's TDL defines under the ID's name (else its first one), or
    the ID taken as the type (`ID Ledger`, a collection of ledgers with every field)."""
    found = [c for c in root.iter("COLLECTION") if c.find("TYPE") is not None]
    chosen = next((c for c in found if c.get("NAME", "").lower() == name.lower()), None)
    chosen = chosen if chosen is not None else (found[0] if found else None)
    if chosen is None:
        return CollectionAsked(name, name, ("*",))
    fetch = [
        item.strip().lower()
        for element in chosen.iter()
        if element.tag in ("FETCH", "NATIVEMETHOD") and element.text
        for item in element.text.split(",")
        if item.strip()
    ]
    return CollectionAsked(chosen.get("NAME", name), _text(chosen, "TYPE"), tuple(fetch or ["*"]))


# -- companies and rights --------------------------------------------------------------------


def company_for(*, request: TallyRequest, user: AbstractBaseUser) -> Company:
    """The company SVCURRENTCOMPANY names among the user's own (by name, as Tally matches it),
    or the user's only company when none is named; Refused otherwise. A company the user is
    not a member of is "not found", as one that does not exist."""
    memberships = list(memberships_of_user(user=user))
    name = request.company_name
    if name:
        company = next(
            (m.company for m in memberships if m.company.name.lower() == name.lower()), None
        )
        if company is None:
            raise Refused(f"Could not find Company '{name}'")
        return company
    if len(memberships) == 1:
        return memberships[0].company
    if not memberships:
        raise Refused("No company is open: you are not a member of any company")
    raise Refused("Several companies are open: name one in SVCURRENTCOMPANY")


def import_allowed(*, company: Company, user: AbstractBaseUser) -> None:
    """Refused unless the user writes this company's books (an owner or an accountant)."""
    try:
        writer_require(company=company, actor=user)
    except NotAllowed as refusal:
        raise Refused(str(refusal)) from None


# -- answers ---------------------------------------------------------------------------------


def line_error(message: str) -> Element:
    """Tally's refusal: `<RESPONSE><LINEERROR>…</LINEERROR></RESPONSE>`."""
    response = Element("RESPONSE")
    SubElement(response, "LINEERROR").text = message
    return response


def answer_text(element: Element) -> str:
    return tostring(element, encoding="unicode", short_empty_elements=False)


@dataclass
class Answer:
    """An answer: its envelope, and the objects that go into its `slot` (an element of the
    envelope), written one by one as they are read (a year's Day Book is never all in
    memory at once)."""

    envelope: Element
    slot: Element | None = None
    items: Iterable[Element] = ()

    @classmethod
    def whole(cls, envelope: Element) -> Answer:
        return cls(envelope)

    @property
    def streamed(self) -> bool:
        return not isinstance(self.items, list | tuple)


SLOT = "TALLYSYNCSLOT"
BATCH = 200  # objects written per chunk of the answer


def answer_chunks(answer: Answer, encoding: Encoding) -> Iterator[bytes]:
    """The answer in the request's encoding (characters it cannot carry as references), in
    chunks: the envelope's head, the objects a batch at a time, its tail."""
    slot = answer.slot if answer.slot is not None else answer.envelope
    marker = SubElement(slot, SLOT)
    head, tail = answer_text(answer.envelope).split(f"<{SLOT}></{SLOT}>")
    slot.remove(marker)
    encoder = codecs.getincrementalencoder(encoding.codec)(errors="xmlcharrefreplace")
    yield encoding.bom + encoder.encode(head)
    batch: list[str] = []
    for item in answer.items:
        batch.append(answer_text(item))
        if len(batch) >= BATCH:
            yield encoder.encode("".join(batch))
            batch = []
    yield encoder.encode("".join(batch) + tail, final=True)


def answer_bytes(element: Element, encoding: Encoding) -> bytes:
    """A whole answer in the request's encoding."""
    return b"".join(answer_chunks(Answer.whole(element), encoding))


def body_stream(request: TallyRequest) -> io.BytesIO:
    return io.BytesIO(request.body)
