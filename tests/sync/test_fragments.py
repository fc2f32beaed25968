"""Zulip's verify_action idea: what a broadcast puts on a screen equals what a fresh GET of that
screen shows. Every kind of Change, every region it patches."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from editlog.models import Change
from ledgers.services import ledger_alter
from sync.fragments import change_patch
from tests.conftest import sale
from tests.sync.html import Element, by_id, oob_swaps, squash
from vouchers.services import voucher_alter, voucher_cancel, voucher_create, voucher_delete

pytestmark = pytest.mark.django_db


def last_patch(company):
    change = Change.objects.filter(company=company).select_related("company").last()
    return change_patch(change)


def pages(client, company, *days):
    cid = company.pk
    urls = [f"/c/{cid}/", f"/c/{cid}/ledgers/"] + [f"/c/{cid}/vouchers/?date={d}" for d in days]
    return {url: client.get(url).content.decode() for url in urls}


def check_patch_matches_pages(patch, rendered: dict[str, str]) -> int:
    """Apply each out-of-band swap the way htmx would and compare with the fresh pages."""
    checked = 0
    swaps = oob_swaps("".join(patch.html))
    # A row deleted from one day and appended to another (a voucher moved in time).
    moved = {
        swap.attrs["hx-swap-oob"].split(":", 1)[1].lstrip("#"): swap.inner
        for swap in swaps
        if swap.attrs["hx-swap-oob"].startswith("beforeend:")
    }
    for swap in swaps:
        how, _, target = swap.attrs["hx-swap-oob"].partition(":")
        element_id = swap.attrs.get("id") if not target else target.lstrip("#")
        for html in rendered.values():
            fresh = by_id(html, element_id)
            readded = any(
                f'id="{element_id}"' in rows and by_id(html, container)
                for container, rows in moved.items()
            )
            if how == "delete" and readded:
                continue
            if how == "delete":
                assert fresh is None, f"{element_id} should be gone"
            elif fresh is None:
                continue
            elif how == "outerHTML":
                assert squash(swap.outer) == squash(fresh.outer)
            elif how == "innerHTML":
                assert squash(swap.inner) == squash(fresh.inner), element_id
            elif how == "beforeend":
                assert squash(swap.inner) in squash(fresh.inner)
            elif how == "afterbegin":
                assert squash(fresh.inner).startswith(squash(swap.inner))
            else:
                raise AssertionError(f"unexpected swap {how}")
            checked += 1
    return checked


@pytest.fixture
def browser(alice):
    client = Client()
    client.force_login(alice)
    return client


def test_a_new_voucher(company, alice, ledgers, browser):
    voucher_create(company=company, actor=alice, data=sale("1,25,000"))
    checked = check_patch_matches_pages(last_patch(company), pages(browser, company, "2026-11-26"))
    assert checked >= 6  # the Day Book row, balances on two pages, group totals, activity


def test_an_altered_voucher(company, alice, ledgers, voucher, browser):
    voucher_alter(company=company, voucher=voucher, actor=alice, data=sale("300"), version=1)
    patch = last_patch(company)
    assert f"voucher-{voucher.pk}-view" in patch.refresh
    assert check_patch_matches_pages(patch, pages(browser, company, "2026-11-26")) >= 5


def test_a_voucher_moved_to_another_day(company, alice, ledgers, voucher, browser):
    voucher_alter(
        company=company, voucher=voucher, actor=alice, data={"date": "2026-11-20"}, version=1
    )
    rendered = pages(browser, company, "2026-11-26", "2026-11-20")
    assert check_patch_matches_pages(last_patch(company), rendered) >= 4


def text(html: str) -> str:
    return squash(re.sub(r"<[^>]+>", "", html))


def gone_notice(patch, voucher) -> Element:
    """The out-of-band notice that takes the place of the voucher's write buttons."""
    swaps = oob_swaps("".join(patch.html))
    [notice] = [s for s in swaps if s.attrs.get("id") == f"voucher-{voucher.pk}-actions"]
    assert notice.attrs["hx-swap-oob"] == "outerHTML" and "data-record-gone" in notice.attrs
    return notice


def test_a_cancelled_voucher(company, alice, ledgers, voucher, browser):
    voucher_cancel(company=company, voucher=voucher, actor=alice, version=1)
    patch = last_patch(company)
    assert check_patch_matches_pages(patch, pages(browser, company, "2026-11-26"))
    at = Change.objects.filter(company=company).last().at
    clock = timezone.localtime(at).strftime("%H:%M")
    notice = text(gone_notice(patch, voucher).inner)
    assert f"Cancelled by alice at {clock}" in notice
    assert "keeps its number" in notice and "Delete" not in notice
    assert f"voucher-{voucher.pk}-view" in patch.refresh  # the view shows it cancelled


def test_a_cancelled_voucher_view_says_who_cancelled_it(company, alice, ledgers, voucher, browser):
    voucher_cancel(company=company, voucher=voucher, actor=alice, version=1)
    html = browser.get(f"/c/{company.pk}/vouchers/{voucher.pk}/").content.decode()
    voucher.refresh_from_db()
    clock = timezone.localtime(voucher.altered_at).strftime("%H:%M")
    assert f"Cancelled by alice at {clock}" in text(by_id(html, f"voucher-{voucher.pk}-view").inner)
    assert 'id="alter"' not in html and 'id="cancel-voucher"' not in html


def test_a_deleted_voucher(company, alice, ledgers, voucher, browser):
    voucher_delete(company=company, voucher=voucher, actor=alice, version=1)
    patch = last_patch(company)
    assert f'id="voucher-{voucher.pk}" hx-swap-oob="delete"' in "".join(patch.html)
    assert check_patch_matches_pages(patch, pages(browser, company, "2026-11-26"))
    at = Change.objects.filter(company=company).last().at
    notice = text(gone_notice(patch, voucher).inner)
    assert f"Deleted by alice at {timezone.localtime(at):%H:%M}" in notice
    assert f"{voucher} is no longer in the books" in notice
    # Its view is not fetched again (it would answer 404): the notice is all it gets.
    assert f"voucher-{voucher.pk}-view" not in patch.refresh


def test_the_notice_replaces_the_write_buttons_of_the_view_and_the_alteration_screen(
    company, alice, ledgers, voucher, browser
):
    view = browser.get(f"/c/{company.pk}/vouchers/{voucher.pk}/").content.decode()
    edit = browser.get(f"/c/{company.pk}/vouchers/{voucher.pk}/edit/").content.decode()
    actions = f"voucher-{voucher.pk}-actions"
    assert 'id="alter"' in by_id(view, actions).inner
    assert 'id="delete-voucher"' in by_id(view, actions).inner
    assert 'id="save-voucher"' in by_id(edit, actions).inner


def test_a_ledgers_new_opening_balance(company, alice, ledgers, voucher, browser):
    party = ledgers["party"]
    ledger_alter(
        company=company, ledger=party, actor=alice, data={"opening_debit": "50"}, version=1
    )
    patch = last_patch(company)
    assert "ledger-list" in patch.refresh
    assert check_patch_matches_pages(patch, pages(browser, company)) >= 3


def test_fragments_are_the_same_for_every_viewer(company, alice, charlie, ledgers):
    """Viewer-neutral: rendered once, with no request and no user, so a viewer's page and an
    owner's page show the same row."""
    voucher = voucher_create(company=company, actor=alice, data=sale("10"))
    row = f"voucher-{voucher.pk}"
    owner, viewer = Client(), Client()
    owner.force_login(alice)
    viewer.force_login(charlie)
    url = f"/c/{company.pk}/vouchers/?date=2026-11-26"
    assert (
        by_id(owner.get(url).content.decode(), row).outer
        == by_id(viewer.get(url).content.decode(), row).outer
    )


def test_a_new_voucher_reaches_a_periods_day_book_whichever_day_it_is_dated(
    company, alice, ledgers, browser
):
    """A Day Book over a period has a region per day: a save dated its fifth day is added live
    there too (it used to have one for its first day only)."""
    period = f"/c/{company.pk}/vouchers/?from=2026-11-22&to=2026-11-28"
    on_screen = browser.get(period).content.decode()
    voucher_create(company=company, actor=alice, data=sale("1,25,000"))  # dated 26-Nov
    patch = last_patch(company)
    [target] = [
        swap.attrs["hx-swap-oob"].partition(":")[2].lstrip("#")
        for swap in oob_swaps("".join(patch.html))
        if swap.attrs["hx-swap-oob"].startswith("beforeend:")
    ]
    assert target == "day-book-2026-11-26-rows"
    assert by_id(on_screen, target) is not None
    # The row appended there, as the fresh page has it (the broadcast no longer carries an
    # "empty" row's delete: the page's CSS hides that line once a row is in).
    assert check_patch_matches_pages(patch, {period: browser.get(period).content.decode()}) >= 1
