"""Just enough HTML reading for the fragment tests: elements by id, and out-of-band swaps."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    outer: str
    inner: str


class _Finder(HTMLParser):
    """Collects every element carrying an id or hx-swap-oob, with its source text."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self.source = source
        self.lines = [0]
        for line in source.splitlines(keepends=True):
            self.lines.append(self.lines[-1] + len(line))
        self.open: list[tuple[str, dict[str, str], int, int]] = []
        self.found: list[Element] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.lines[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        start = self._offset()
        end = start + len(self.get_starttag_text() or "")
        if tag in VOID:
            return
        self.open.append((tag, {k: v or "" for k, v in attrs}, start, end))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i][0] == tag:
                name, attrs, start, inner_start = self.open[i]
                del self.open[i:]
                close = self._offset()
                end = close + len(f"</{tag}>")
                if "id" in attrs or "hx-swap-oob" in attrs:
                    outer = self.source[start:end]
                    self.found.append(Element(name, attrs, outer, self.source[inner_start:close]))
                return


def elements(source: str) -> list[Element]:
    finder = _Finder(source)
    finder.feed(source)
    return finder.found


def by_id(source: str, element_id: str) -> Element | None:
    return next((e for e in elements(source) if e.attrs.get("id") == element_id), None)


def squash(html: str) -> str:
    """Whitespace between tags and runs of spaces do not matter to a browser."""
    html = re.sub(r'\s*hx-swap-oob="[^"]*"', "", html)
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


def oob_swaps(frame_html: str) -> list[Element]:
    return [e for e in elements(frame_html) if "hx-swap-oob" in e.attrs]
