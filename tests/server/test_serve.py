"""`manage.py serve` builds the server's (uvicorn's) command line from the saved configuration,
the environment and its flags (in that rising order), and tells the office which address to
open."""

import ipaddress
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from config.models import ServerConfig
from server.launch import fallbacks
from server.management.commands import serve
from server.management.commands.serve import launch_build, open_lines
from server.network import machine_addresses

ROOT = Path(__file__).resolve().parents[2]
HOSTS = ["localhost", "127.0.0.1", "192.168.1.10", "tally.lan"]


def build(config=None, environ=None, **flags):
    config = config or ServerConfig(address="0.0.0.0", port=9000)
    return launch_build(config=config, environ=environ or {}, hosts=HOSTS, **flags)


def ips(*texts):
    return [ipaddress.ip_address(text) for text in texts]


def test_the_saved_configuration_is_the_default():
    launch = build(ServerConfig(address="192.168.1.10", port=9100))
    assert launch.argv[:8] == [
        sys.executable,
        "-m",
        "uvicorn",
        "tallysync.asgi:application",
        "--host",
        "192.168.1.10",
        "--port",
        "9100",
    ]
    assert launch.argv[8:10] == ["--app-dir", str(ROOT)]
    # Clients connect directly: a local process's X-Forwarded-For must not pick the address
    # that the event log and the sign-in lockout see.
    assert "--no-proxy-headers" in launch.argv
    assert launch.env["ALLOWED_HOSTS"] == "localhost,127.0.0.1,192.168.1.10,tally.lan"
    assert launch.env["TALLYSYNC_SERVING_ADDRESS"] == "192.168.1.10"
    assert launch.env["TALLYSYNC_SERVING_PORT"] == "9100"


def test_the_connection_limits_reach_the_server_in_its_environment():
    config = ServerConfig(max_connections=400, max_connections_per_address=150, header_timeout=5)
    env = build(config).env
    assert env["TALLYSYNC_MAX_CONNECTIONS"] == "400"
    assert env["TALLYSYNC_MAX_CONNECTIONS_PER_ADDRESS"] == "150"
    assert env["TALLYSYNC_HEADER_TIMEOUT"] == "5"
    environ = {"TALLYSYNC_MAX_CONNECTIONS": "0"}  # as the address and port: env beats saved
    assert build(config, environ=environ).env["TALLYSYNC_MAX_CONNECTIONS"] == "0"


def test_the_server_speaks_http_through_the_limited_protocol(monkeypatch):
    """uvicorn imports server.protocol by name; keep-alive is named rather than defaulted.
    Where uvloop and httptools are installed, they are what it runs on."""
    monkeypatch.setattr(serve, "_found", lambda module: True)
    argv = build().argv
    assert argv[argv.index("--http") + 1] == "server.protocol:LimitedHttpToolsProtocol"
    assert argv[argv.index("--loop") + 1] == "uvloop"
    assert argv[argv.index("--timeout-keep-alive") + 1] == "5"


def test_the_environment_overrides_the_configuration():
    launch = build(environ={"TALLYSYNC_ADDRESS": "127.0.0.1", "TALLYSYNC_PORT": "9200"})
    assert (launch.address, launch.port) == ("127.0.0.1", 9200)
    assert launch.argv[4:8] == ["--host", "127.0.0.1", "--port", "9200"]


def test_flags_override_the_environment():
    environ = {"TALLYSYNC_ADDRESS": "127.0.0.1", "TALLYSYNC_PORT": "9200"}
    launch = build(environ=environ, port="9300")
    assert (launch.address, launch.port) == ("127.0.0.1", 9300)
    launch = build(environ=environ, address="::")
    assert (launch.address, launch.port) == ("::", 9200)


def test_the_child_keeps_the_environment_and_an_operators_allowed_hosts():
    launch = build(environ={"PATH": "/usr/bin", "ALLOWED_HOSTS": "*"})
    assert launch.env["PATH"] == "/usr/bin"
    assert launch.env["ALLOWED_HOSTS"] == "*"


def test_an_empty_allowed_hosts_keeps_the_configured_names():
    """settings.py treats ALLOWED_HOSTS= as unset; serve must too, or the names set in the
    admin (tally.lan) would silently stop being served."""
    assert build(environ={"ALLOWED_HOSTS": ""}).env["ALLOWED_HOSTS"] == ",".join(HOSTS)


@pytest.mark.parametrize(
    ("environ", "flags", "message"),
    [
        ({}, {"port": "80"}, "--port: Use a port from 1024 to 65535 (lower ones need root)."),
        ({}, {"port": "nine"}, "--port: “nine” value must be an integer."),
        ({}, {"address": "192.168.1"}, "--address: Enter a valid IPv4 or IPv6 address."),
        ({"TALLYSYNC_PORT": "70000"}, {}, "TALLYSYNC_PORT: Use a port from 1024 to 65535."),
        ({"TALLYSYNC_ADDRESS": "x"}, {}, "TALLYSYNC_ADDRESS: Enter a valid IPv4 or IPv6 address."),
        ({"TALLYSYNC_HEADER_TIMEOUT": "0"}, {}, "TALLYSYNC_HEADER_TIMEOUT: Use at least 1 second."),
    ],
)
def test_bad_values_are_refused_with_the_admins_messages(environ, flags, message):
    with pytest.raises(CommandError) as caught:
        build(environ=environ, **flags)
    assert str(caught.value) == message


def test_a_bad_environment_value_does_not_matter_when_a_flag_wins():
    assert build(environ={"TALLYSYNC_PORT": "80"}, port="9400").port == 9400


def test_each_lan_address_gets_a_line_and_loopback_none():
    machine = ips("127.0.0.1", "192.168.1.10", "10.0.0.5", "::1", "fd00::2")
    assert open_lines(address="0.0.0.0", port=9000, machine=machine) == [
        "Open http://192.168.1.10:9000 on each computer",
        "Open http://10.0.0.5:9000 on each computer",
    ]
    assert open_lines(address="::", port=9000, machine=machine)[-1] == (
        "Open http://[fd00::2]:9000 on each computer"
    )


def test_a_specific_address_is_the_only_one_shown():
    machine = ips("127.0.0.1", "192.168.1.10", "10.0.0.5")
    assert open_lines(address="10.0.0.5", port=9100, machine=machine) == [
        "Open http://10.0.0.5:9100 on each computer"
    ]


def test_loopback_says_it_serves_only_this_computer():
    machine = ips("127.0.0.1", "192.168.1.10")
    assert open_lines(address="127.0.0.1", port=9000, machine=machine) == [
        "Open http://127.0.0.1:9000 on this computer only: "
        "the listen address 127.0.0.1 serves only this computer."
    ]
    assert open_lines(address="0.0.0.0", port=9000, machine=ips("127.0.0.1")) == [
        "Open http://127.0.0.1:9000 on this computer only: "
        "this computer has no network address yet."
    ]


@pytest.mark.django_db
def test_serve_replaces_itself_with_uvicorn(monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(serve.os, "execve", lambda *args: calls.append(args))
    monkeypatch.setattr(serve, "descriptors_raise", lambda: calls.append("descriptors raised"))
    monkeypatch.delenv("ALLOWED_HOSTS", raising=False)
    call_command("serve", port="9123")

    raised, (path, argv, env) = calls  # the soft limit first: uvicorn inherits it
    assert raised == "descriptors raised"
    assert path == sys.executable
    assert argv[1:8] == ["-m", "uvicorn", "tallysync.asgi:application"] + [
        "--host",
        "0.0.0.0",
        "--port",
        "9123",
    ]
    assert "127.0.0.1" in env["ALLOWED_HOSTS"].split(",")
    assert env["TALLYSYNC_SERVING_PORT"] == "9123"
    assert ":9123 on " in capsys.readouterr().out


@pytest.mark.django_db
def test_serve_names_a_missing_server_package(monkeypatch):
    """Without websockets uvicorn could not serve the live sockets: serve refuses and says why."""
    monkeypatch.setattr(serve, "_found", lambda module: module != "websockets")
    monkeypatch.setattr(serve.os, "execve", lambda *args: pytest.fail("started anyway"))
    with pytest.raises(CommandError, match="^websockets not installed in this Python: run make"):
        call_command("serve", port="9123")


@pytest.mark.django_db
def test_serve_without_uvloop_and_httptools_serves_on_asyncio_and_h11_and_says_so(
    monkeypatch, capsys
):
    """Where uvloop and httptools are not (uvloop is not made for Windows), the server runs on
    asyncio's loop and h11's parser, with the same connection limits, and the console says so."""
    monkeypatch.setattr(serve, "_found", lambda module: module not in {"uvloop", "httptools"})
    calls = []
    monkeypatch.setattr(serve.os, "execve", lambda *args: calls.append(args))
    monkeypatch.setattr(serve, "descriptors_raise", lambda: None)
    call_command("serve", port="9123")
    ((_, argv, _),) = calls
    assert argv[argv.index("--loop") + 1] == "asyncio"
    assert argv[argv.index("--http") + 1] == "server.protocol:LimitedH11Protocol"
    out = capsys.readouterr().out
    assert "uvloop not installed: serving on asyncio's own event loop" in out
    assert "httptools not installed: parsing HTTP with h11" in out


@pytest.mark.django_db
def test_where_exec_does_not_replace_the_process_serve_runs_the_server_and_ends_with_it(
    monkeypatch,
):
    """Windows has no exec that keeps the process: serve runs the server as a child and ends
    with its exit status, so a console or the Task Scheduler sees the server's life."""
    monkeypatch.setattr(serve, "REPLACES_PROCESS", False)
    monkeypatch.setattr(serve.os, "execve", lambda *args: pytest.fail("exec on Windows"))
    monkeypatch.setattr(serve, "descriptors_raise", lambda: None)
    ran = []

    def run(argv, env, check):
        ran.append(argv)
        return subprocess.CompletedProcess(argv, 3)

    monkeypatch.setattr(serve.subprocess, "run", run)
    with pytest.raises(SystemExit) as ended:
        call_command("serve", port="9123")
    assert ended.value.code == 3
    assert ran[0][1:3] == ["-m", "uvicorn"]


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_dry_run_prints_where_to_open_and_the_command(tmp_path):
    """A fresh data folder: serve asks for migrate first, then prints the lines and command."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TALLYSYNC_", "PYTEST"))}
    for name in ("ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    env["TALLYSYNC_VAR_DIR"] = str(tmp_path)

    fresh = manage("serve", "--dry-run", env=env)
    assert fresh.returncode == 1
    assert "A new database needs python manage.py migrate first." in fresh.stderr

    assert manage("migrate", "--noinput", env=env).returncode == 0
    result = manage("serve", "--dry-run", "--port", "9123", env=env)
    assert result.returncode == 0, result.stderr
    *lines, command = result.stdout.splitlines()
    opened = open_lines(address="0.0.0.0", port=9123, machine=machine_addresses())
    assert lines == opened + fallbacks()  # and what runs slower here, if anything
    assert all(line.startswith("Open http://") and ":9123 on " in line for line in opened)
    assert "-m uvicorn tallysync.asgi:application --host 0.0.0.0 --port 9123 " in command


def test_daphne_serves_the_same_application_when_asked():
    """The brief's server stays a choice: the same app, the same address and port."""
    launch = build(ServerConfig(address="192.168.1.10", port=9100), server="daphne")
    assert launch.argv == [
        sys.executable,
        "-m",
        "daphne",
        "-b",
        "192.168.1.10",
        "-p",
        "9100",
        "--websocket-max-message-size",
        "65536",
        "--application-close-timeout",
        "5",
        "tallysync.asgi:application",
    ]
    assert launch.env["TALLYSYNC_SERVING_PORT"] == "9100"


@pytest.mark.django_db
def test_serve_starts_daphne_from_the_project_folder(monkeypatch, tmp_path):
    """daphne imports the application from the current directory, wherever serve was run."""
    calls = []
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(serve.os, "execve", lambda *args: calls.append((os.getcwd(), args)))
    monkeypatch.setattr(serve, "descriptors_raise", lambda: None)
    call_command("serve", port="9123", server="daphne")
    [(cwd, (path, argv, _))] = calls
    assert (cwd, path, argv[1:3]) == (str(ROOT), sys.executable, ["-m", "daphne"])


def test_several_workers_share_the_port_over_redis(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer"}}
    assert build(workers=3).argv[-2:] == ["--workers", "3"]
    assert "--workers" not in build(workers=1).argv


@pytest.mark.parametrize(
    ("server", "workers", "message"),
    [
        ("uvicorn", 2, "--workers 2 needs REDIS_URL: without Redis each process keeps its live"),
        ("uvicorn", 0, "--workers: at least 1."),
        ("daphne", 2, "--workers 2: daphne serves in one process; use uvicorn."),
    ],
)
def test_workers_that_could_not_keep_the_live_updates_are_refused(server, workers, message):
    """On the in-memory layer a save in one process would never reach another's screens."""
    with pytest.raises(CommandError) as refused:
        build(server=server, workers=workers)
    assert str(refused.value).startswith(message)
