"""`manage.py check --deploy` passes for the production settings: a plain-HTTP office LAN (the
TLS-only checks silenced, as docs/security.md explains) and TALLYSYNC_HTTPS=1 behind TLS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TLS_ONLY_CHECKS = {"security.W004", "security.W008", "security.W012", "security.W016"}
SHOW_SETTINGS = (
    "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k, None) "
    "for k in ('DEBUG', 'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
    "'SECURE_HSTS_SECONDS', 'SECURE_PROXY_SSL_HEADER', 'SILENCED_SYSTEM_CHECKS', "
    "'CSRF_COOKIE_HTTPONLY', 'SESSION_COOKIE_HTTPONLY', 'X_FRAME_OPTIONS', "
    "'SECURE_CONTENT_TYPE_NOSNIFF', 'SECURE_REFERRER_POLICY')}))"
)


def manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """manage.py as a production server runs it: its own var/ folder, nothing from this run."""
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "TALLYSYNC_HTTPS"}}
    clean.pop("DATABASE_URL", None)
    clean.pop("SECRET_KEY", None)  # manage.py makes the data folder's own, as on a fresh clone
    clean.update(TALLYSYNC_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="tallysync.settings")
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_of(tmp_path: Path, **env: str) -> dict:
    done = manage(tmp_path, "shell", "-v0", "-c", SHOW_SETTINGS, **env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_check_deploy_is_clean_on_the_office_lan(tmp_path: Path) -> None:
    done = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_check_deploy_is_clean_behind_tls(tmp_path: Path) -> None:
    done = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", TALLYSYNC_HTTPS="1")
    assert done.returncode == 0, done.stdout + done.stderr


def test_check_deploy_still_catches_a_debug_server(tmp_path: Path) -> None:
    """The check is live: a server started with DEBUG=1 fails it."""
    done = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", DEBUG="1")
    assert done.returncode != 0
    assert "security.W018" in done.stdout + done.stderr


def test_behind_tls_the_secure_settings_are_on(tmp_path: Path) -> None:
    values = settings_of(tmp_path, TALLYSYNC_HTTPS="1")
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert not TLS_ONLY_CHECKS & set(values["SILENCED_SYSTEM_CHECKS"])


def test_on_plain_http_only_the_tls_checks_are_silenced(tmp_path: Path) -> None:
    values = settings_of(tmp_path)
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is False and values["SESSION_COOKIE_SECURE"] is False
    assert set(values["SILENCED_SYSTEM_CHECKS"]) == TLS_ONLY_CHECKS | {
        "security.W005",
        "security.W021",
    }


@pytest.mark.parametrize("https", ["", "1"])
def test_headers_and_cookies_hold_either_way(tmp_path: Path, https: str) -> None:
    values = settings_of(tmp_path, TALLYSYNC_HTTPS=https)
    assert values["CSRF_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"


@pytest.mark.django_db
def test_pages_send_the_headers_and_an_unreadable_csrf_cookie() -> None:
    from django.test import Client

    answer = Client().get("/login/")
    assert answer["X-Frame-Options"] == "DENY"
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert answer["Referrer-Policy"] == "same-origin"
    assert answer.cookies["csrftoken"]["httponly"] is True
    # Scripts never need the cookie: the page carries the token for htmx and the forms.
    assert 'hx-headers=\'{"X-CSRFToken": "' in answer.content.decode()
    assert 'name="csrfmiddlewaretoken"' in answer.content.decode()
