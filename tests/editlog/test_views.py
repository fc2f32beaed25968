"""/c/<cid>/editlog/: the Edit Log page for members (newest first, filters, one object's
history, before/after diff) and the change feed as JSON for scripts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from books.services import member_set
from editlog.models import Change
from editlog.selectors import ChangeFilters, change_page
from ledgers.services import ledger_alter
from tests.conftest import client_for, make_ledger, sale
from vouchers.services import voucher_alter, voucher_create, voucher_delete


def browser(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(company, query: str = "") -> str:
    return f"/c/{company.pk}/editlog/{query}"


def seqs(page) -> list[int]:
    """The seqs of the rows a page shows, top to bottom."""
    return [int(s) for s in re.findall(r'data-seq="(\d+)"', page.content.decode())]


def row(page, change: Change) -> str:
    html = page.content.decode()
    start = html.index(f'<tr id="change-{change.pk}"')
    return html[start : html.index("</tr>", start)]


@pytest.fixture
def log(company, alice, bob, ledgers, voucher):
    """Sharma Traders' log: alice set up the books and a sale; bob altered the sale."""
    altered = voucher_alter(
        company=company,
        voucher=voucher,
        actor=bob,
        data={"narration": "Invoice 18, corrected"},
        version=voucher.version,
    )
    return altered.change


# -- who sees it ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "bob", "charlie"])
def test_members_see_the_edit_log_viewers_too(log, company, who, request):
    page = browser(request.getfixturevalue(who)).get(url(company))
    assert page.status_code == 200
    assert page.templates[0].name == "editlog/list.html"
    assert seqs(page) == list(range(log.seq, 0, -1))  # newest first


def test_strangers_get_not_found(log, company, dave):
    assert browser(dave).get(url(company)).status_code == 404
    assert client_for(dave).get(url(company)).status_code == 404
    assert Client().get(url(company)).url.startswith("/login/?next=")


def test_the_menu_links_to_the_edit_log(company, alice):
    page = browser(alice).get(f"/c/{company.pk}/")
    assert f'href="{url(company)}">Edit Log</a>' in page.content.decode()


# -- what a row shows ------------------------------------------------------------------------


def test_a_row_shows_seq_time_user_action_object_and_history_link(log, company, voucher):
    html = row(browser(User.objects.get(username="charlie")).get(url(company)), log)
    at = timezone.localtime(log.at)
    assert f'<td class="num">{log.seq}</td>' in html
    assert at.strftime("%d-%b-%Y %H:%M") in html
    assert "<td><bdi>bob</bdi></td>" in html
    assert "<td>Altered</td>" in html
    assert f'<a href="/c/{company.pk}/vouchers/{voucher.pk}/"><bdi>Sales No. 1</bdi></a>' in html
    assert f'href="/c/{company.pk}/editlog/?object=voucher:{voucher.pk}">History</a>' in html


def test_an_alteration_shows_only_the_changed_fields(log, company, alice):
    html = row(browser(alice).get(url(company)), log)
    assert "Narration:" in html
    before = "<del><bdi>Invoice for Sharma Enterprises</bdi></del>"
    assert f"{before} → <ins><bdi>Invoice 18, corrected</bdi></ins>" in html
    for unchanged in ("Type:", "Date:", "Number:", "Line 1:", "Version"):
        assert unchanged not in html


def test_altered_amounts_show_line_by_line_in_indian_grouping(company, alice, voucher):
    altered = voucher_alter(
        company=company, voucher=voucher, actor=alice, data=sale("250000.00"), version=1
    )
    html = row(browser(alice).get(url(company)), altered.change)
    # the party keeps bills: its line names the invoice's New Ref, and the bill's amount moves too
    assert "<del><bdi>Sharma Enterprises 1,00,000.00 Dr — New Ref" in html
    assert "1,00,000.00 Dr due 26-Nov-2026</bdi></del> → " in html
    assert "<ins><bdi>Sharma Enterprises 2,50,000.00 Dr — New Ref" in html
    assert "<ins><bdi>Sales 2,50,000.00 Cr</bdi></ins>" in html
    assert "Narration:" not in html


def test_a_creation_shows_the_new_values(company, alice, voucher):
    html = row(browser(alice).get(url(company)), voucher.change)
    assert "<ins><bdi>Sales</bdi></ins>" in html
    assert "<ins><bdi>26-Nov-2026</bdi></ins>" in html
    assert "<ins><bdi>Sharma Enterprises 1,00,000.00 Dr — New Ref" in html
    assert "<del>" not in html


def test_a_deleted_voucher_is_shown_without_a_link(company, alice, voucher):
    first = voucher.change
    voucher_delete(company=company, voucher=voucher, actor=alice, version=voucher.version)
    deletion = Change.objects.get(company=company, verb="delete")
    page = browser(alice).get(url(company))
    for change in (first, deletion):
        html = row(page, change)
        assert f"/vouchers/{voucher.pk}/" not in html
        assert f"?object=voucher:{voucher.pk}" in html
    assert "<del><bdi>Sharma Enterprises 1,00,000.00 Dr — New Ref" in row(page, deletion)


def test_ledgers_link_to_their_statement(company, alice, ledgers):
    html = row(browser(alice).get(url(company)), ledgers["rent"].change)
    assert f'<a href="/c/{company.pk}/ledgers/{ledgers["rent"].pk}/"><bdi>Rent</bdi></a>' in html


def test_the_row_renders_alone_the_same_for_live_updates(log, company, alice):
    """One template, two uses: the page's row is the partial a broadcast can render."""
    page = browser(alice).get(url(company))
    [shown] = change_page(
        company=company, filters=ChangeFilters(object_type="voucher", object_id=log.object_id)
    ).rows[:1]
    alone = render_to_string("editlog/list.html#row", {"row": shown, "company": company})
    assert alone.strip().startswith(f'<tr id="change-{log.pk}"')
    assert row(page, log) in alone


# -- filters ---------------------------------------------------------------------------------


def test_filter_by_user(log, company, alice):
    assert seqs(browser(alice).get(url(company, "?user=bob"))) == [log.seq]
    assert log.seq not in seqs(browser(alice).get(url(company, "?user=alice")))
    assert seqs(browser(alice).get(url(company, "?user=nobody"))) == []


def test_filter_by_object_type(log, company, alice):
    ledger_seqs = seqs(browser(alice).get(url(company, "?type=ledger")))
    expected = Change.objects.filter(company=company, object_type="ledger").order_by("-seq")
    assert ledger_seqs == [c.seq for c in expected]
    assert len(ledger_seqs) == 6


def test_one_objects_history(log, company, alice, voucher):
    page = browser(alice).get(url(company, f"?object=voucher:{voucher.pk}"))
    assert seqs(page) == [log.seq, voucher.change.seq]
    assert "History of <bdi>Sales No. 1</bdi>" in page.content.decode()


def test_filter_by_local_date(company, alice, ledgers, monkeypatch):
    """from/to are days in the office's time zone (Asia/Kolkata here), not UTC."""
    late_evening_utc = dt.datetime(2025, 6, 10, 20, 0, tzinfo=dt.UTC)  # 11-Jun 01:30 IST
    monkeypatch.setattr(timezone, "now", lambda: late_evening_utc)
    change = make_ledger(company, alice, "Night Sales", "Sales Accounts").change
    monkeypatch.undo()
    client = browser(alice)
    assert seqs(client.get(url(company, "?from=2025-06-11&to=2025-06-11"))) == [change.seq]
    assert seqs(client.get(url(company, "?from=2025-06-10&to=2025-06-10"))) == []
    assert seqs(client.get(url(company, "?to=2025-06-10"))) == []
    assert seqs(client.get(url(company, "?to=11-Jun-2025"))) == [change.seq]
    assert change.seq not in seqs(client.get(url(company, "?from=2025-06-12")))


@pytest.mark.parametrize(
    "query",
    ["?type=invoice", "?from=yesterday", "?to=2026-13-01", "?before=x", "?object=voucher",
     "?object=voucher:abc", "?object=voucher:²", "?before=99999999999999999999"],
)  # fmt: skip
def test_bad_filters_are_refused(company, alice, query):
    page = browser(alice).get(url(company, query))
    assert page.status_code == 400
    answer = client_for(alice).get(url(company, query.replace("before", "since")))
    assert answer.status_code == 400
    assert answer.json()["errors"]


# -- pages -----------------------------------------------------------------------------------


def test_older_changes_are_a_page_further(log, company, alice, monkeypatch):
    monkeypatch.setattr("editlog.views.HTML_PAGE", 4)
    client = browser(alice)
    first = client.get(url(company, "?type=ledger"))
    assert len(seqs(first)) == 4
    older = re.search(r'id="editlog-older" href="\?([^"]+)"', first.content.decode()).group(1)
    assert "type=ledger" in older
    assert f"before={seqs(first)[-1]}" in older
    second = client.get(url(company, "?" + older.replace("&amp;", "&")))
    assert len(seqs(second)) == 2
    assert 'id="editlog-older"' not in second.content.decode()
    assert 'id="editlog-newest"' in second.content.decode()
    all_ledger_changes = Change.objects.filter(company=company, object_type="ledger")
    assert sorted(seqs(first) + seqs(second)) == sorted(c.seq for c in all_ledger_changes)


def test_the_page_reads_in_a_fixed_number_of_queries(config_cached, company, alice, bob, ledgers):
    client = browser(alice)

    def count(query: str = "") -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(company, query)).status_code == 200
        return len(queries)

    for i in range(5):
        voucher_create(company=company, actor=alice, data=sale(f"{i + 1}.00"))
    assert Change.objects.filter(company=company).count() < 30
    few, few_filtered = count(), count("?user=alice&type=voucher&from=2026-01-01")
    for i in range(30):
        party = make_ledger(company, alice, f"Party {i}", "Sundry Debtors")
        voucher = voucher_create(company=company, actor=bob, data=sale("10", party=party.name))
        if i % 3 == 0:
            voucher_delete(company=company, voucher=voucher, actor=alice, version=1)
    member_set(company=company, actor=alice, username="charlie", role="accountant")
    ledger_alter(
        company=company, ledger=ledgers["rent"], actor=alice, data={"gstin": ""}, version=1
    )
    assert Change.objects.filter(company=company).count() > 60
    assert count() == few
    assert count("?user=alice&type=voucher&from=2026-01-01") == few_filtered


# -- JSON for scripts ------------------------------------------------------------------------


def test_json_lists_changes_after_since_in_seq_order(log, company, alice):
    answer = client_for(alice).get(url(company, "?since=2"))
    assert answer.status_code == 200
    rows = answer.json()
    assert [r["seq"] for r in rows] == list(range(3, log.seq + 1))
    newest = rows[-1]
    assert newest["actor"] == "bob"
    assert newest["verb"] == "alter"
    assert newest["object"] == f"voucher:{log.object_id}"
    assert newest["after"]["narration"] == "Invoice 18, corrected"
    assert newest["hash"] == Change.objects.get(pk=log.pk).hash


def test_json_for_one_object_and_with_filters(log, company, charlie, voucher):
    api = client_for(charlie)
    history = api.get(url(company, f"?object=voucher:{voucher.pk}")).json()
    assert [r["verb"] for r in history] == ["create", "alter"]
    assert [r["seq"] for r in api.get(url(company, "?user=bob")).json()] == [log.seq]
    ledgers = api.get(url(company, "?type=ledger&since=3")).json()
    assert {r["object"].split(":")[0] for r in ledgers} == {"ledger"}
    assert min(r["seq"] for r in ledgers) > 3


def test_json_answers_at_most_a_page(company, alice, ledgers, monkeypatch):
    monkeypatch.setattr("editlog.views.PAGE", 3)
    assert [r["seq"] for r in client_for(alice).get(url(company)).json()] == [1, 2, 3]


def test_json_accept_header_from_a_browser_session(log, company, alice):
    answer = browser(alice).get(url(company), headers={"Accept": "application/json"})
    assert answer["Content-Type"] == "application/json"
    assert len(answer.json()) == log.seq


# -- the History link for other templates ---------------------------------------------------


def test_history_url_names_one_objects_log(company, ledgers, voucher):
    template = Template("{% load editlog %}{% history_url obj %}")
    cid = company.pk
    assert template.render(Context({"obj": voucher})) == (
        f"/c/{cid}/editlog/?object=voucher:{voucher.pk}"
    )
    assert template.render(Context({"obj": ledgers["party"]})) == (
        f"/c/{cid}/editlog/?object=ledger:{ledgers['party'].pk}"
    )
    assert template.render(Context({"obj": company})) == f"/c/{cid}/editlog/?object=company:{cid}"


def test_the_type_filter_names_kinds_as_a_user_reads_them(company, alice):
    page = browser(alice).get(url(company)).content.decode()
    assert '<option value="stock_item">Stock Item</option>' in page
    assert '<option value="voucher">Voucher</option>' in page
