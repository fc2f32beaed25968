from django.utils.html import format_html

from core.records import Patch
from core.templatetags.tally import dom_id


def note_live(patch: Patch, change, state) -> None:
    text = (change.after or {}).get("text", "")
    note = dom_id("note", change.object_id)
    patch.oob(format_html('<p id="{}" hx-swap-oob="outerHTML">{}</p>', note, text))
