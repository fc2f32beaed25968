"""/healthz answers anyone whether the database and the channel layer work; staff also learn
what the server runs (its version, the database vendor, the channel layer)."""

import asyncio
import tomllib
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from django.db import OperationalError, connections
from django.test import AsyncClient

import tallysync
from config.selectors import config_get
from sync import health

pytestmark = pytest.mark.django_db


def test_all_ok_is_200_for_anyone_without_what_the_server_runs(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["channel_layer"]["ok"] is True
    assert "version" not in body
    assert "vendor" not in body["database"]
    assert "backend" not in body["channel_layer"]
    assert response["Cache-Control"].startswith("max-age=0")


def test_staff_see_the_version_the_database_and_the_channel_layer(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("root", is_staff=True))
    body = client.get("/healthz").json()
    assert body["database"]["vendor"] == connections["default"].vendor
    assert body["channel_layer"]["backend"].endswith("ChannelLayer")
    assert body["version"] == tallysync.__version__


def test_it_answers_under_asgi_too():
    """Under the server the channel layer check runs on the server's own event loop."""
    response = async_to_sync(AsyncClient().get)("/healthz")
    assert response.status_code == 200
    assert response.json()["channel_layer"]["ok"] is True


def test_a_database_failure_is_503_without_its_message(client, monkeypatch):
    def broken():
        raise OperationalError("could not connect to server at db.internal as tally_admin")

    config_get()  # cached: this test is about the view, not the user-limit middleware
    monkeypatch.setattr(connections["default"], "cursor", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"]["ok"] is False
    assert body["channel_layer"]["ok"] is True
    assert b"tally_admin" not in response.content


class SilentLayer:
    """A channel layer whose messages never arrive."""

    async def new_channel(self, prefix="specific."):
        return f"{prefix}silent"

    async def send(self, channel, message):
        pass

    async def receive(self, channel):
        await asyncio.sleep(60)


class DownLayer(SilentLayer):
    async def send(self, channel, message):
        raise ConnectionRefusedError("Redis is down")


@pytest.mark.parametrize("layer", [SilentLayer(), DownLayer()])
def test_a_channel_layer_that_fails_the_round_trip_is_not_ok(monkeypatch, layer):
    monkeypatch.setattr(health, "get_channel_layer", lambda: layer)
    result = health.channel_layer_check(timeout=0.2)
    assert result["ok"] is False
    assert result["backend"].endswith("Layer")


def test_a_channel_layer_failure_is_503(client, monkeypatch):
    monkeypatch.setattr(health, "get_channel_layer", DownLayer)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["channel_layer"]["ok"] is False


def test_the_version_is_the_projects():
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    assert tallysync.__version__ == pyproject["project"]["version"] == "0.5.0"
