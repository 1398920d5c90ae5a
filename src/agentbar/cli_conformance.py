"""`agentbar conformance`: score a CRM page's integration with the toolbar in real Chromium
(docs/conformance.md). Exit status 0 when every required check passes, 1 when one fails, 2 on
bad input (said in one line on stderr)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

EXIT_PASSED = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


def add_parser(commands: Any) -> None:
    kit = commands.add_parser(
        "conformance",
        help="score a CRM page's toolbar integration in Chromium against a sandbox agentbar",
        description=(
            "Opens the CRM page in Chromium against a sandbox agentbar it starts (or --server), "
            "drives the integration and prints a scorecard of every integration point."
        ),
    )
    kit.add_argument("--crm-url", required=True, help="the CRM page that embeds the toolbar")
    kit.add_argument(
        "--port",
        type=int,
        default=8080,
        help="where the sandbox agentbar listens (the page's glue and iframe point there; "
        "default 8080)",
    )
    kit.add_argument("--server", help="use this running agentbar instead of a sandbox")
    kit.add_argument("--admin-token", help="the --server's admin token (for its simulator API)")
    kit.add_argument(
        "--username", help="log in with this agent in the toolbar if the page does not"
    )
    kit.add_argument("--password", help="that agent's password")
    kit.add_argument(
        "--journey", type=Path, help="YAML: the CRM's own steps (sign in, dial, wrap-up)"
    )
    kit.add_argument("--json", type=Path, dest="json_path", help="write the scorecard as JSON")
    kit.add_argument("--html", type=Path, dest="html_path", help="write the scorecard as HTML")
    kit.add_argument("--headed", action="store_true", help="show the browser")


def run(options: argparse.Namespace) -> int:
    try:
        # Playwright is an optional extra: `pip install 'agentbar[conformance]'`.
        from agentbar.conformance import report_html
        from agentbar.conformance.errors import BadInput
        from agentbar.conformance.runner import Options, run_conformance
    except ImportError as error:
        print(
            f"agentbar conformance: {error.name} is missing: pip install 'agentbar[conformance]'",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    if (options.username is None) != (options.password is None):
        print("agentbar conformance: --username and --password go together", file=sys.stderr)
        return EXIT_BAD_INPUT
    if options.server is None and not 0 < options.port < 65536:
        print(f"agentbar conformance: --port {options.port} is no TCP port", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        card = run_conformance(
            Options(
                crm_url=options.crm_url,
                port=options.port,
                server=options.server,
                admin_token=options.admin_token,
                username=options.username,
                password=options.password,
                journey=options.journey,
                headed=options.headed,
            )
        )
    except BadInput as error:
        print(f"agentbar conformance: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(card.table())
    try:
        if options.json_path is not None:
            card.write_json(options.json_path)
        if options.html_path is not None:
            report_html.write(card, options.html_path)
    except OSError as error:
        print(
            f"agentbar conformance: cannot write {error.filename}: {error.strerror}",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    return EXIT_PASSED if card.ok else EXIT_FAILED
