"""``supportops serve``: the web dashboard and its JSON API, on this machine by default."""

from __future__ import annotations

import ipaddress
import socket
from typing import Annotated

import typer

from supportops.cli.app import app, settings_of
from supportops.cli.output import err_console
from supportops.cli.sla_cmds import AsOfOption, PolicyOption, _as_of
from supportops.errors import ConfigError
from supportops.policy import find_policy
from supportops.web.app import LOCAL_HOSTS


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _listen(host: str, port: int) -> socket.socket:
    """The server's socket, bound here so that a taken address is a message (uvicorn would
    exit 3) and ``--port 0`` can say which port the system chose."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise ConfigError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc} "
            "(is another server there? choose another --port)"
        ) from None
    return sock


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[
        str,
        typer.Option(help="Address to bind. Anything but 127.0.0.1 exposes the dashboard."),
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="Port to listen on (0: any free port).")
    ] = 8000,
    policy: PolicyOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Serve the dashboard: scorecard, SLA queue, tickets, the escalation review, JSON API.

    Read-only; it binds to 127.0.0.1 unless --host says otherwise. Open
    http://127.0.0.1:8000/ in a browser; the API is described at /openapi.json.
    """
    import uvicorn

    from supportops.review.service import latest_review
    from supportops.web import create_app

    settings = settings_of(ctx)
    sock = _listen(host, port)
    try:
        web_app = create_app(
            settings.db,
            find_policy(policy),
            as_of=_as_of(as_of),
            allowed_hosts=(*LOCAL_HOSTS, host.strip("[]")) if _loopback(host) else None,
            review=latest_review,
        )
        shown = f"[{host}]" if ":" in host else host
        err_console().print(
            f"supportops dashboard on http://{shown}:{sock.getsockname()[1]}/ "
            "(read-only; Ctrl+C stops it)",
            markup=False,
        )
        config = uvicorn.Config(web_app, log_level="warning", access_log=False)
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
