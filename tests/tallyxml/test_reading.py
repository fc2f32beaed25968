"""The stream reader and Tally's values: encodings by BOM, `&#4;`, padded numbers, CR/LF in
values, forex amounts; flat memory in the file's size."""

from __future__ import annotations

import codecs
import datetime as dt
import io
import tracemalloc
from decimal import Decimal

import pytest

from tallyxml.reading import amount, date, objects, quantity, value

MASTER = """<?xml version="1.0" encoding="{encoding}"?>
<ENVELOPE><HEADER><TALLYREQUEST>Import Data</TALLYREQUEST></HEADER><BODY><IMPORTDATA>
<REQUESTDATA>
<TALLYMESSAGE xmlns:UDF="TallyUDF"><GROUP NAME="Debtors North" ACTION="Create">
<PARENT>&#4; Primary</PARENT><ALTERID> 5</ALTERID></GROUP></TALLYMESSAGE>
<TALLYMESSAGE xmlns:UDF="TallyUDF"><LEDGER NAME="Käse &amp; Co ₹"><PARTYGSTIN>27AAPFU0939F1ZV\r
</PARTYGSTIN></LEDGER></TALLYMESSAGE>
</REQUESTDATA></IMPORTDATA></BODY></ENVELOPE>"""


def read_all(data: bytes) -> list[tuple[str, str, str, str]]:
    return [
        (e.tag, e.get("NAME", ""), value(e, "PARENT"), value(e, "PARTYGSTIN") + value(e, "ALTERID"))
        for e in objects(io.BytesIO(data))
    ]


EXPECTED = [
    ("GROUP", "Debtors North", "Primary", "5"),
    ("LEDGER", "Käse & Co ₹", "", "27AAPFU0939F1ZV"),
]


@pytest.mark.parametrize(
    ("bom", "codec", "declared"),
    [
        (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
        (codecs.BOM_UTF8, "utf-8", "UTF-8"),
        (b"", "utf-8", "UTF-8"),
        (b"", "utf-16-le", "UTF-16"),
    ],
)
def test_encodings_are_found_by_their_bom(bom: bytes, codec: str, declared: str) -> None:
    """Tally's file exports are UTF-16LE with a BOM; HTTP answers UTF-8: never assumed."""
    data = bom + MASTER.format(encoding=declared).encode(codec)
    assert read_all(data) == EXPECTED


def test_control_references_are_stripped_even_across_chunks() -> None:
    """`&#4;` is illegal XML 1.0: stripped wherever the reader's chunks happen to cut it."""
    data = MASTER.format(encoding="UTF-8").encode()
    from tallyxml import reading

    for size in range(1, 40):
        chunks = "".join(reading.text_chunks(io.BytesIO(data), size=size))
        assert "&#4;" not in chunks and "\x04" not in chunks
        assert "Primary</PARENT>" in chunks


def test_raw_control_characters_are_stripped() -> None:
    data = MASTER.format(encoding="UTF-8").replace("Debtors", "Deb\x04tors").encode()
    assert read_all(data) == EXPECTED


def test_entities_are_not_expanded() -> None:
    """Files come from other machines: a DTD (entity expansion, XXE) is refused."""
    evil = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><ENVELOPE>&a;</ENVELOPE>'
    with pytest.raises(Exception, match="(?i)dtd|entit"):
        list(objects(io.BytesIO(evil)))


@pytest.mark.parametrize("size", [1, 5, 64])
def test_a_dtd_is_refused_wherever_the_chunks_cut_the_prolog(size: int) -> None:
    """A DOCTYPE behind a comment holding a `<`, cut anywhere by the reader's chunks, is still
    refused before the parser sees it (the parser itself is not the defused one)."""
    from defusedxml import DTDForbidden

    from tallyxml import reading

    evil = '<?xml version="1.0"?>\n<!-- <a> --><?pi x?>\n<!DOCTYPE x SYSTEM "http://x/y"><E/>'
    chunks = reading.text_chunks(io.BytesIO(evil.encode()), size=size)
    with pytest.raises(DTDForbidden):
        list(reading._prolog_checked(chunks))


def test_an_undeclared_entity_is_not_well_formed() -> None:
    from xml.etree.ElementTree import ParseError

    with pytest.raises(ParseError, match="undefined entity"):
        list(objects(io.BytesIO(b"<ENVELOPE><TALLYMESSAGE><A>&a;</A></TALLYMESSAGE></ENVELOPE>")))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (" 5.00", Decimal("5.00")),
        ("-41139.00", Decimal("-41139.00")),
        ("1,00,000", Decimal("100000.00")),
        ("-$100.00 @ ₹ 80.00/$ = -₹ 8000.00", Decimal("-8000.00")),
        ("$100.00 @ ? 80.00/$ = ? 8000.00", Decimal("8000.00")),
        ("", None),
    ],
)
def test_amounts(text: str, expected: Decimal | None) -> None:
    assert amount(text) == expected


def test_bad_amount_and_date_are_refused() -> None:
    with pytest.raises(ValueError):
        amount("abc")
    with pytest.raises(ValueError):
        date("2022-04-07")
    with pytest.raises(ValueError):
        date("20221307")
    assert date(" 20220407") == dt.date(2022, 4, 7)


def test_quantities_keep_their_units() -> None:
    assert quantity(" 11 nos") == (Decimal("11"), "nos")
    assert quantity("22.00/nos") == (Decimal("22.00"), "nos")
    assert quantity("") is None


def _file(vouchers: int) -> bytes:
    one = (
        '<TALLYMESSAGE><VOUCHER VCHTYPE="Journal"><DATE>20220407</DATE>'
        + "<NARRATION>"
        + "x" * 200
        + "</NARRATION>"
        + "<ALLLEDGERENTRIES.LIST><LEDGERNAME>A</LEDGERNAME><AMOUNT>-1.00</AMOUNT>"
        + "</ALLLEDGERENTRIES.LIST></VOUCHER></TALLYMESSAGE>"
    )
    body = one * vouchers
    text = f"<ENVELOPE><BODY><DATA>{body}</DATA></BODY></ENVELOPE>"
    return codecs.BOM_UTF16_LE + text.encode("utf-16-le")


def _peak(data: bytes) -> int:
    tracemalloc.start()
    count = sum(1 for _ in objects(io.BytesIO(data)))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count
    return peak


def test_memory_is_flat_in_the_files_size() -> None:
    """Reading ten times the vouchers takes nowhere near ten times the memory: each object is
    cleared once handed over (the file's bytes are the test's own, outside the count)."""
    small, large = _file(1_000), _file(10_000)
    assert _peak(large) < 2 * _peak(small)
