"""The `agentbar` command."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from agentbar import cli_admin, cli_conformance, cli_dialer_sim

if TYPE_CHECKING:
    from agentbar.bootstrap import Container


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="agentbar", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the agentbar server")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8080)")
    serve.add_argument("--data-dir", help="where the SQLite database lives")
    serve.add_argument(
        "--demo", action="store_true", default=None, help="seed demo agents and campaigns"
    )
    cli_admin.add_parser(commands)
    cli_dialer_sim.add_parser(commands)
    cli_conformance.add_parser(commands)
    return parser


def _announce(container: Container) -> None:
    settings = container.settings
    base = f"http://{settings.host}:{settings.port}"
    lines = [
        f"agentbar is serving on {base}",
        f"  toolbar:      {base}/ameyowebaccess/toolbar-crm.htm?origin=<CRM page URL>",
        f"  glue script:  {base}/ameyowebaccess/toolbar/js/ameyo-integration.js",
        f"  CRM origins allowed: {', '.join(container.crm_settings.allowed_origins()) or 'none'}",
    ]
    if settings.admin_token is None:
        lines.append(f"  admin token (generated for this run): {container.admin_token}")
    if container.demo_credentials:
        lines.append("  demo agents (demo only: each password is the user id):")
        lines += [
            f"    {c.user_id} / {c.password}   extension {c.extension_name} ({c.extension_phone})"
            for c in container.demo_credentials
        ]
    print("\n".join(lines), flush=True)


def serve(options: argparse.Namespace) -> int:
    # Imported here, so `agentbar admin` starts without loading the whole server.
    import uvicorn
    from pydantic import ValidationError

    from agentbar.bootstrap import build
    from agentbar.config import Settings
    from agentbar.configuration_error import ConfigurationError
    from agentbar.garbage_collection import tune_for_serving
    from agentbar.listening import listen
    from agentbar.ports import StorageInUse
    from agentbar.web.app import create_app
    from agentbar.web.frames import MAX_FRAME_BYTES

    overrides: dict[str, Any] = {
        key: value
        for key, value in (
            ("host", options.host),
            ("port", options.port),
            ("data_dir", options.data_dir),
            ("demo", options.demo),
        )
        if value is not None
    }
    try:
        settings = Settings(**overrides)
    except ValidationError as error:
        print(f"agentbar: configuration error: {error}", file=sys.stderr)
        return 2
    # The port, then the database, each taken before anything is read or written: a second
    # server started by mistake stops here and cannot end the first one's sessions.
    try:
        listening = listen(settings.host, settings.port)
    except OSError as error:
        print(f"agentbar: {error}", file=sys.stderr)
        return 4
    with listening:
        try:
            container = build(settings)
            services = container.app_services
        except (ConfigurationError, ValueError) as error:  # ValueError: a malformed host entry
            print(f"agentbar: configuration error: {error}", file=sys.stderr)
            return 2
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            container.storage.claim()
        except StorageInUse as error:
            print(f"agentbar: {error}", file=sys.stderr)
            return 3
        logging.basicConfig(
            level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
        )
        app = create_app(services, on_started=lambda: _announce(container))
        config = uvicorn.Config(
            app,
            log_level=settings.log_level,
            # The socket's own frame limit, applied by the protocol as a frame's header is read:
            # a larger frame closes the socket (1009) before its payload is buffered.
            ws_max_size=MAX_FRAME_BYTES,
            # No permessage-deflate: the frames are small JSON on a LAN, and each socket's zlib
            # state (a compressor and a decompressor, kept for the socket's life) measured
            # ~49 KiB of the ~106 KiB a connected agent cost (bench/run --memory).
            ws_per_message_deflate=False,
        )
        tune_for_serving()
        uvicorn.Server(config).run(sockets=[listening])
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    if options.command == "serve":
        return serve(options)
    if options.command == "admin":
        return cli_admin.run(options)
    if options.command == "dialer-sim":
        return cli_dialer_sim.run(options)
    if options.command == "conformance":
        return cli_conformance.run(options)
    raise AssertionError(options.command)
