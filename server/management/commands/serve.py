"""`manage.py serve [--server uvicorn|daphne] [--workers N]`: start the server (server.launch) on
the configured address and port, and say where to open it."""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import shlex
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connections

from books.setup_code import setup_code_display, setup_code_issue, setup_code_remove
from config.models import ServerConfig
from config.selectors import config_get
from server.launch import ROOT, SERVERS, fallbacks, server_argv
from server.limits import (
    ENV_HEADER_TIMEOUT,
    ENV_MAX_CONNECTIONS,
    ENV_MAX_CONNECTIONS_PER_ADDRESS,
    descriptors_raise,
)
from server.network import Address, allowed_hosts, machine_addresses, open_addresses, url_host

ENV_ADDRESS = "TALLYSYNC_ADDRESS"
ENV_PORT = "TALLYSYNC_PORT"
DEFAULT_PORT = ServerConfig._meta.get_field("port").default
# The connection limits reach the server process in its environment (server.limits reads them).
LIMIT_ENV = {
    "max_connections": ENV_MAX_CONNECTIONS,
    "max_connections_per_address": ENV_MAX_CONNECTIONS_PER_ADDRESS,
    "header_timeout": ENV_HEADER_TIMEOUT,
}


@dataclass(frozen=True)
class Launch:
    """What to run: the server's argv and the environment it gets."""

    address: str
    port: int
    argv: list[str]
    env: dict[str, str]


def field_clean(name: str, value: str, source: str) -> Any:
    """`value` checked by the ServerConfig field, with the admin's messages, naming `source`."""
    try:
        return ServerConfig._meta.get_field(name).clean(value, None)
    except ValidationError as exc:
        raise CommandError(f"{source}: {' '.join(exc.messages)}") from None


def setting_pick(
    name: str, *, saved: Any, environ: Mapping[str, str], env_name: str, flag: str | None
) -> Any:
    """A flag beats the environment, which beats the saved configuration."""
    if flag is not None:
        return field_clean(name, flag, f"--{name}")
    if environ.get(env_name):
        return field_clean(name, environ[env_name], env_name)
    return saved


def launch_build(
    *,
    config: ServerConfig,
    environ: Mapping[str, str],
    hosts: list[str],
    address: str | None = None,
    port: str | None = None,
    server: str = "uvicorn",
    workers: int = 1,
) -> Launch:
    """The server's command line and environment for `config`, overridden by env and flags."""
    workers_check(server=server, workers=workers)
    address = setting_pick(
        "address", saved=config.address, environ=environ, env_name=ENV_ADDRESS, flag=address
    )
    port = setting_pick("port", saved=config.port, environ=environ, env_name=ENV_PORT, flag=port)
    limits = {
        env_name: str(
            setting_pick(
                name, saved=getattr(config, name), environ=environ, env_name=env_name, flag=None
            )
        )
        for name, env_name in LIMIT_ENV.items()
    }
    env = {
        **environ,
        **limits,
        # An operator's own ALLOWED_HOSTS (e.g. behind a reverse proxy) wins over ours; an empty
        # one counts as unset, as settings.py reads it (else the configured names would go).
        "ALLOWED_HOSTS": environ.get("ALLOWED_HOSTS") or ",".join(hosts),
        # So that settings (and the admin) know what this process actually serves.
        "TALLYSYNC_SERVING_ADDRESS": address,
        "TALLYSYNC_SERVING_PORT": str(port),
    }
    argv = server_argv(address, port, server=server, workers=workers, found=_found)
    return Launch(address=address, port=port, argv=argv, env=env)


def open_lines(*, address: str, port: int, machine: list[Address]) -> list[str]:
    """What to tell the office: one "Open http://…" line per address other computers can use."""
    ips = open_addresses(address, machine)
    if not all(ip.is_loopback for ip in ips):
        return [f"Open http://{url_host(ip)}:{port} on each computer" for ip in ips]
    if ipaddress.ip_address(address).is_unspecified:
        why = "this computer has no network address yet"
    else:
        why = f"the listen address {address} serves only this computer"
    return [f"Open http://{url_host(ips[0])}:{port} on this computer only: {why}."]


def setup_lines() -> list[str]:
    """On a fresh install, the one-time code `/setup/` asks for (so that only someone at this
    console can make themselves the owner); once set up, none, and a leftover code removed."""
    if get_user_model().objects.exists():
        setup_code_remove()
        return []
    code = setup_code_display(setup_code_issue())
    return [
        f"First run: open /setup/ at one of those addresses and enter the set-up code {code}",
        "(shown only on this console; it stops working once set-up is done)",
    ]


def workers_check(*, server: str, workers: int) -> None:
    """Several processes only where they can share the port and the live updates: uvicorn's
    workers, over Redis (the in-memory layer lives in one process, so a save made in one would
    never reach the screens served by another)."""
    if workers < 1:
        raise CommandError("--workers: at least 1.")
    if workers == 1:
        return
    if server != "uvicorn":
        raise CommandError(f"--workers {workers}: {server} serves in one process; use uvicorn.")
    if "Redis" not in settings.CHANNEL_LAYERS["default"]["BACKEND"]:
        raise CommandError(
            f"--workers {workers} needs REDIS_URL: without Redis each process keeps its live "
            "updates to itself, and a save would not reach the screens another one serves."
        )


def server_installed(server: str = "uvicorn") -> None:
    """The server and the packages `server.launch` names for it, in this Python, or a plain
    message."""
    missing = [module for module in SERVERS[server] if not _found(module)]
    if missing:
        raise CommandError(f"{', '.join(missing)} not installed in this Python: run make install.")


def _found(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


# POSIX replaces this process with the server, so a service manager's signals reach it. Windows
# has no such exec (os.execve there starts another process and ends this one, which a console or
# the Task Scheduler takes for the server having stopped): serve waits for the server instead.
REPLACES_PROCESS = os.name != "nt"


def server_run(launch: Launch) -> None:
    """Become the server (POSIX), or run it and end with its exit status (Windows)."""
    if REPLACES_PROCESS:
        os.execve(launch.argv[0], launch.argv, launch.env)
        return  # not reached, but for a test's stand-in
    try:
        status = subprocess.run(launch.argv, env=launch.env, check=False).returncode
    except KeyboardInterrupt:  # Ctrl+C reached the server too, which stops on it
        status = 0
    raise SystemExit(status)


def shell_command(launch: Launch) -> str:
    """The launch as one shell line: `env` with the variables serve adds, then the server."""
    added = [f"{k}={v}" for k, v in launch.env.items() if os.environ.get(k) != v]
    return shlex.join(["env", *added, *launch.argv])


def saved_config() -> ServerConfig:
    try:
        return config_get()
    except DatabaseError as exc:
        raise CommandError(
            f"Cannot read the server configuration ({exc}). "
            "A new database needs python manage.py migrate first."
        ) from None


class Command(BaseCommand):
    help = (
        "Serve TallySync (uvicorn, or daphne) on the configured address and port: every "
        f"address (0.0.0.0), port {DEFAULT_PORT}, unless the admin's Server configuration, "
        "the environment or the flags below say otherwise."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--address", help=f"listen address (else ${ENV_ADDRESS}, else saved)")
        parser.add_argument(
            "--port",
            help=f"port (else ${ENV_PORT}, else the saved one; {DEFAULT_PORT} unless changed in "
            "the admin's Server configuration)",
        )
        parser.add_argument("--dry-run", action="store_true", help="print the server command")
        parser.add_argument(
            "--server",
            choices=sorted(SERVERS),
            default="uvicorn",
            help="uvicorn (the default: faster at many sockets, with connection caps) or daphne",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="server processes sharing the port (uvicorn, with REDIS_URL); default 1",
        )

    def handle(self, *args: Any, address: str | None, port: str | None, **options: Any) -> None:
        config = saved_config()
        server = options["server"]
        server_installed(server)
        launch = launch_build(
            config=config,
            environ=os.environ,
            hosts=allowed_hosts(config.host_name_list),
            address=address,
            port=port,
            server=server,
            workers=options["workers"],
        )
        lines = open_lines(address=launch.address, port=launch.port, machine=machine_addresses())
        if server == "uvicorn":
            lines += fallbacks(_found)
        self.stdout.write("\n".join(lines))
        if options["dry_run"]:
            self.stdout.write(shell_command(launch))
            return
        for line in setup_lines():
            self.stdout.write(line)
        self.stdout.flush()
        # The server inherits it: room for the connections it may hold (server.limits).
        descriptors_raise()
        # The server must not inherit this process's database connection.
        connections.close_all()
        if options["server"] == "daphne":
            os.chdir(ROOT)  # daphne imports the application from the current directory
        server_run(launch)
