"""PDFs as an office sends them (fpdf2): A4, 10 mm margins, a footer "Page 1 of 3", and fonts
embedded (subset to the characters used, so a statement stays a few tens of kilobytes) that
print what people type: DejaVu Sans for Latin, Greek, Cyrillic and the rupee sign, Noto Sans
Devanagari where DejaVu has no glyph (a party named in Hindi or Marathi), with HarfBuzz text
shaping placing vowel signs and conjuncts. Other Indian scripts (Tamil, Bengali …) would each
need a font of theirs added as a fallback here; until then they print as empty boxes.

    pdf = Pdf(title="Statement of Account: Mehta Stores", author="Sharma Traders Pvt Ltd")
    pdf.add_page()
    pdf.set_font(FONT, style="B", size=13)
    ...
    return pdf.bytes()
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

FONT = "DejaVu"
FONTS = Path(__file__).resolve().parent / "fonts"  # with their licences
RUPEE = "₹"
_FALLBACK = "NotoSansDevanagari"


class Pdf(FPDF):
    """An A4 document in FONT (regular and bold), its fallback for Devanagari, shaped text and
    numbered pages. `compress` off leaves the page streams uncompressed (for tests)."""

    def __init__(self, *, title: str, author: str, compress: bool = True) -> None:
        super().__init__(format="A4")
        self.add_font(FONT, style="", fname=FONTS / "DejaVuSans.ttf")
        self.add_font(FONT, style="B", fname=FONTS / "DejaVuSans-Bold.ttf")
        self.add_font(_FALLBACK, style="", fname=FONTS / "NotoSansDevanagari.ttf")
        self.add_font(_FALLBACK, style="B", fname=FONTS / "NotoSansDevanagari-Bold.ttf")
        self.set_fallback_fonts([_FALLBACK])
        self.set_text_shaping(True)
        self.set_compression(compress)
        self.set_margins(10, 10, 10)
        self.set_auto_page_break(auto=True, margin=15)
        self.set_title(title)
        self.set_author(author)
        self.set_creator("TallySync")
        self.set_font(FONT, size=8)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=7)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")

    def bytes(self) -> bytes:
        return bytes(self.output())
