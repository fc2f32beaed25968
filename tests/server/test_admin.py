"""The server configuration in the admin: staff only, one row, plain messages, and a warning
naming the fields that wait for a restart."""

import pytest
from django.contrib.auth.models import User
from django.test import override_settings

from config.models import ServerConfig
from server import admin
from server.admin import restart_message
from server.limits import limits_read

CHANGE = "/admin/config/serverconfig/1/change/"
RESTART = "take effect when the server is restarted"


@pytest.fixture
def staff_client(client, db):
    client.force_login(User.objects.create_superuser("root", password="root-secret-1"))
    return client


def form(**changes):
    values = {
        "address": "0.0.0.0",
        "port": 9000,
        "host_names": "",
        "lock_timeout": 30,
        "resume_retention": 1000,
        "resume_retention_hours": 24,
        "max_users": 0,
        "max_sockets_per_user": 30,
        "max_sockets_per_address": 100,
        "max_connections": 1000,
        "max_connections_per_address": 200,
        "header_timeout": 10,
        "company_creation": "staff",
        "backup_enabled": "on",
        "backup_time": "02:00",
        "backup_folder": "",
        "backup_keep_daily": 7,
        "backup_keep_weekly": 4,
        "backup_keep_monthly": 12,
        "backup_recipient": "",
    }
    return {**values, **changes}


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_anonymous_users_and_non_staff_are_sent_to_the_admin_login(client, alice):
    assert client.get(CHANGE)["Location"].startswith("/admin/login/")
    client.force_login(alice)
    assert client.get(CHANGE)["Location"].startswith("/admin/login/")
    assert client.post(CHANGE, form(port=9001))["Location"].startswith("/admin/login/")
    assert not ServerConfig.objects.filter(port=9001).exists()


def test_the_list_opens_the_one_row_creating_it(staff_client):
    assert not ServerConfig.objects.exists()
    response = staff_client.get("/admin/config/serverconfig/")
    assert response.status_code == 302
    assert response["Location"] == CHANGE
    assert ServerConfig.objects.get().pk == 1


def test_the_row_is_never_added_or_deleted(staff_client):
    staff_client.get("/admin/config/serverconfig/")
    assert staff_client.get("/admin/config/serverconfig/add/").status_code == 403
    assert staff_client.get("/admin/config/serverconfig/1/delete/").status_code == 403
    page = staff_client.get(CHANGE)
    assert page.status_code == 200
    assert b"deletelink" not in page.content


def test_a_port_change_warns_that_it_needs_a_restart(staff_client):
    response = staff_client.post(CHANGE, form(port=9001), follow=True)
    assert ServerConfig.objects.get().port == 9001
    assert (
        "Saved. The port takes effect when the server is restarted (python manage.py serve)."
        in messages_of(response)
    )


def test_the_warning_names_every_changed_network_field(staff_client):
    changes = form(address="192.168.1.10", port=9001, host_names="tally.lan")
    response = staff_client.post(CHANGE, changes, follow=True)
    assert (
        "Saved. The listen address, port and host names take effect when the server is "
        "restarted (python manage.py serve)." in messages_of(response)
    )


def test_a_connection_limit_change_warns_that_it_needs_a_restart(staff_client):
    """The server process reads the limits once, at start (server.limits)."""
    changes = form(max_connections=500, header_timeout=5)
    response = staff_client.post(CHANGE, changes, follow=True)
    config = ServerConfig.objects.get()
    assert (config.max_connections, config.header_timeout) == (500, 5)
    assert (
        "Saved. The maximum connections and request timeout take effect when the server is "
        "restarted (python manage.py serve)." in messages_of(response)
    )


def test_the_connection_limits_have_a_section_saying_when_they_apply(staff_client):
    page = staff_client.get(CHANGE).content.decode()
    assert "Connections (take effect when the server is restarted)" in page
    for label in ("Maximum connections:", "Maximum connections per computer:", "Request timeout"):
        assert label in page


def test_the_page_says_which_connection_limits_the_running_server_applies(
    staff_client, monkeypatch, settings
):
    """Under serve, the server runs with the limits it read at start; the admin says so when
    they differ from the saved row, and when the descriptor limit held the cap lower."""
    settings.SERVING_ADDRESS, settings.SERVING_PORT = "0.0.0.0", 9000
    running = limits_read({}, descriptors=1024)
    monkeypatch.setattr(admin, "limits_running", lambda: running)
    staff_client.post(CHANGE, form(max_connections_per_address=150))
    page = staff_client.get(CHANGE).content.decode()
    assert (
        "Until restarted, the server runs with at most 768 connections at once (200 per "
        "address), request heads within 10 s." in page
    )
    assert (
        "The descriptor limit (1024) holds the server to 768 connections at once, under the 1000 "
        "configured: raise LimitNOFILE (docs/operations.md)." in page
    )
    staff_client.post(CHANGE, form())
    assert "Until restarted" not in staff_client.get(CHANGE).content.decode()


def test_a_lock_timeout_change_needs_no_restart(staff_client):
    response = staff_client.post(CHANGE, form(lock_timeout=60), follow=True)
    assert ServerConfig.objects.get().lock_timeout == 60
    assert not [m for m in messages_of(response) if RESTART in m]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"port": 80}, "Use a port from 1024 to 65535 (lower ones need root)."),
        ({"address": "192.168.1"}, "Enter a valid IPv4 or IPv6 address."),
        ({"host_names": "bad_name"}, "Not a host name: bad_name."),
        ({"lock_timeout": 4000}, "Use at most 3600 seconds (one hour)."),
        ({"header_timeout": 0}, "Use at least 1 second."),
        (
            {"max_connections_per_address": 100},
            "Allow more connections per computer than open pages per computer (100): each "
            "open page holds a connection, and loading pages needs more.",
        ),
    ],
)
def test_invalid_values_are_shown_and_not_saved(staff_client, changes, message):
    response = staff_client.post(CHANGE, form(**changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert ServerConfig.objects.get().port == 9000


@override_settings(SERVING_ADDRESS="0.0.0.0", SERVING_PORT=9000)
def test_the_page_says_what_the_running_server_still_uses(staff_client):
    staff_client.post(CHANGE, form(port=9001))
    assert "Running on 0.0.0.0:9000 until restarted." in staff_client.get(CHANGE).content.decode()
    staff_client.post(CHANGE, form(port=9000))
    assert "until restarted" not in staff_client.get(CHANGE).content.decode()


@override_settings(ALLOWED_HOSTS=["testserver", "old.lan"])
def test_the_page_names_host_names_not_accepted_yet(staff_client):
    staff_client.post(CHANGE, form(host_names="old.lan\nnew.lan"))
    page = staff_client.get(CHANGE).content.decode()
    assert (
        "Not accepted until the server is restarted with python manage.py serve: new.lan." in page
    )


def test_the_admin_index_links_the_server_configuration(staff_client):
    assert b"/admin/config/serverconfig/" in staff_client.get("/admin/").content


def test_restart_message_grammar():
    assert restart_message(["host_names"]).startswith("Saved. The host names take effect")
    assert restart_message(["address"]).startswith("Saved. The listen address takes effect")


def test_the_backup_settings_are_checked_and_saved(staff_client):
    bad = staff_client.post(CHANGE, form(backup_keep_daily=0, backup_recipient="age1oops"))
    assert bad.status_code == 200
    errors = bad.context["adminform"].form.errors
    assert errors["backup_keep_daily"] == ["Keep at least 1 daily backup."]
    assert "Not an age public key" in errors["backup_recipient"][0]
    key = "age1" + "q" * 58
    staff_client.post(
        CHANGE, form(backup_time="13:30", backup_recipient=key, backup_folder="/srv/tally")
    )
    saved = ServerConfig.objects.get()
    assert (str(saved.backup_time), saved.backup_recipient, saved.backup_folder) == (
        "13:30:00",
        key,
        "/srv/tally",
    )
