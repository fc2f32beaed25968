"""The Server Monitor (staff only) and the user limit on pages, read from the registry rows that
every server process writes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from config.models import ServerConfig
from config.selectors import config_forget
from server.selectors import browser_name
from sync.models import Connection, ConnectionEvent, TrafficSample

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0.0.0 Safari/537.36"
)


@pytest.fixture
def staff(db) -> Client:
    client = Client()
    client.force_login(User.objects.create_user("ravi", is_staff=True))
    return client


def connect(user, company, *, pk: str, ping_age: float | None = 3, **fields) -> Connection:
    now = timezone.now()
    return Connection.objects.create(
        id=pk,
        process=fields.pop("process", "office-pc:4242"),
        user=user,
        company=company,
        ip=fields.pop("ip", "192.168.1.23"),
        browser=CHROME,
        connected_at=now - dt.timedelta(minutes=20),
        seen_at=now,
        last_ping_at=now - dt.timedelta(seconds=ping_age) if ping_age is not None else None,
        **fields,
    )


def test_the_monitor_is_for_staff_only(client, company, alice):
    answer = client.get("/monitor/")
    assert answer.status_code == 302 and answer["Location"].startswith("/admin/login/")
    client.force_login(alice)  # owns a company, but is not staff
    assert client.get("/monitor/").status_code == 302


def test_the_admin_links_to_the_monitor(staff):
    User.objects.filter(username="ravi").update(is_superuser=True)
    assert b'href="/monitor/"' in staff.get("/admin/").content


def test_connected_clients_with_lag_skew_counters_and_silence(staff, company, bob, charlie):
    company.last_seq = 40
    company.save(update_fields=["last_seq"])
    connect(bob, company, pk="b", ack_seq=37, clock_skew_ms=-6200, messages_in=12, bytes_out=9000)
    connect(charlie, company, pk="c", ping_age=45, ack_seq=40)  # two pings missed
    page = staff.get("/monitor/").content.decode()
    bob_row = page[page.index('id="client-b"') : page.index("</tr>", page.index('id="client-b"'))]
    assert "Sharma Traders" in bob_row and "192.168.1.23" in bob_row
    assert "Chrome 131 on Windows" in bob_row and "office-pc:4242" in bob_row
    assert '<td class="num">3</td>' in bob_row  # lag: 40 - 37
    assert "-6200 ms" in bob_row and "12 / 0" in bob_row and "8.8\xa0KB" in bob_row
    assert "3 s ago" in bob_row
    charlie_row = page[page.index('id="client-c"') :]
    assert 'class="silent"' in page and "not responding" in charlie_row[:2000]
    assert "<b><bdi>Sharma Traders</bdi></b>: <bdi>bob</bdi>, <bdi>charlie</bdi>" in page
    assert "Connected clients (2, 1 not responding)" in page


def test_names_cannot_reorder_the_lines_around_them(staff, company, bob):
    """A company or user name with an RLO (U+202E) is isolated wherever the monitor shows it,
    as on every other page (tests/test_escaping.py)."""
    company.name = "Sharma \u202eTraders"
    company.save(update_fields=["name"])
    connect(bob, company, pk="b")
    ConnectionEvent.objects.create(
        at=timezone.now(), kind="connect", process="p", username="bob", company_id=company.pk
    )
    page = staff.get("/monitor/").content.decode()
    assert page.count("<bdi>Sharma \u202eTraders</bdi>") == 4  # per company, client, event, backup
    assert "\u202eTraders<" not in page.replace("\u202eTraders</bdi>", "")


def test_a_long_list_shows_the_longest_connected_and_counts_the_rest(
    staff, company, bob, monkeypatch
):
    monkeypatch.setattr("server.selectors.CLIENTS_SHOWN", 2)
    for pk in "abc":
        connect(bob, company, pk=pk, ping_age=60 if pk == "c" else 3)
    page = staff.get("/monitor/").content.decode()
    assert "Connected clients (3, 1 not responding)" in page
    assert 'id="client-a"' in page and 'id="client-b"' in page and 'id="client-c"' not in page
    assert "… and 1 more (the 2 connected longest are shown)." in page


def test_rows_of_a_dead_process_are_not_listed(staff, company, bob):
    connect(bob, company, pk="old")
    Connection.objects.filter(pk="old").update(seen_at=timezone.now() - dt.timedelta(minutes=5))
    assert "No one is connected." in staff.get("/monitor/").content.decode()


def test_transfer_rates_now_and_over_the_last_minute(staff, db):
    now = timezone.now()
    sample = {"process": "office-pc:4242", "seconds": 2.0, "messages_in": 6, "bytes_in": 600}
    TrafficSample.objects.create(
        at=now - dt.timedelta(seconds=1), messages_out=120, bytes_out=60_000, **sample
    )
    TrafficSample.objects.create(
        at=now - dt.timedelta(seconds=40), messages_out=480, bytes_out=240_000, **sample
    )
    TrafficSample.objects.create(  # older than a minute: off the chart
        at=now - dt.timedelta(seconds=90), messages_out=9999, bytes_out=1, **sample
    )
    page = staff.get("/monitor/").content.decode()
    rates = page[page.index('id="rates"') : page.index("</table>", page.index('id="rates"'))]
    assert "<th>Messages out</th><td>20.0/s</td><td>10.0/s</td>" in rates  # 120/6 s; 600/60 s
    assert "<th>Messages in</th><td>1.0/s</td><td>0.2/s</td>" in rates
    assert "<polyline" in page and "office-pc:4242" in page  # the process is listed


def test_the_event_log_newest_first_and_filtered_by_kind(staff, db):
    now = timezone.now()
    ConnectionEvent.objects.create(at=now, kind="refused_origin", process="p", detail="Origin x")
    ConnectionEvent.objects.create(
        at=now - dt.timedelta(seconds=5), kind="disconnect", process="p", username="bob", code=1006
    )
    page = staff.get("/monitor/").content.decode()
    events = page[page.index('id="events"') :]
    assert events.index("Refused: foreign origin") < events.index("Disconnected")
    filtered = staff.get("/monitor/?kind=disconnect").content.decode()
    events = filtered[filtered.index('id="events"') :]
    assert "Disconnected" in events and "Origin x" not in events
    assert "1006" in events


def test_htmx_polls_get_only_the_part_that_asked(staff, company):
    ConnectionEvent.objects.create(
        at=timezone.now(), kind="connect", process="p", company_id=company.pk
    )
    live = staff.get("/monitor/", headers={"HX-Request": "true", "HX-Target": "monitor-live"})
    html = live.content.decode()
    assert html.lstrip().startswith('<div id="monitor-live"')
    assert "<html" not in html and 'hx-trigger="every 2s"' in html and 'id="events"' not in html
    events = staff.get("/monitor/", headers={"HX-Request": "true", "HX-Target": "monitor-events"})
    html = events.content.decode()
    assert html.lstrip().startswith('<div id="monitor-events"')
    assert "<td><bdi>Sharma Traders</bdi></td>" in html and "Transfer rates" not in html


@pytest.mark.parametrize(
    ("agent", "name"),
    [
        (CHROME, "Chrome 131 on Windows"),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            "Firefox 133 on Linux",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/131.0 Safari/537.36 Edg/131.0",
            "Edge 131 on Windows",
        ),
        ("python-requests/2.32", "python-requests/2.32"),
        ("", "—"),
    ],
)
def test_browser_names(agent, name):
    assert browser_name(agent) == name


def test_a_user_beyond_the_limit_is_told_who_holds_the_seat(client, company, alice, bob):
    ServerConfig.objects.update_or_create(pk=1, defaults={"max_users": 1})
    config_forget()
    connect(alice, company, pk="a")
    since = timezone.localtime(timezone.now() - dt.timedelta(minutes=20)).strftime("%H:%M")
    client.force_login(bob)
    answer = client.get(f"/c/{company.pk}/")
    assert answer.status_code == 503
    message = f"This server allows 1 user at a time; alice is connected since {since}."
    assert message in answer.content.decode()
    json = client.get(f"/c/{company.pk}/", headers={"Accept": "application/json"})
    assert json.status_code == 503 and json.json() == {"detail": message}
    assert client.get("/").status_code == 200  # the gateway and sign-out still work
    client.force_login(alice)
    assert client.get(f"/c/{company.pk}/").status_code == 200  # the seat holder works on


def test_without_a_limit_everyone_works(client, company, alice, bob):
    connect(alice, company, pk="a")
    client.force_login(bob)
    assert client.get(f"/c/{company.pk}/").status_code == 200
