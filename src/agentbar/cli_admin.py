"""`agentbar admin`: the admin API from a shell, over HTTP to a running server.

Every subcommand is one or two REST calls, so the CLI and the API always do the same thing.
Bodies are read as YAML (JSON is YAML too) and sent as JSON; answers are printed as JSON.
Exit status: 0 done, 1 the server refused (its reason on stderr), 2 bad usage or no server.
A server that answers it did nothing now (busy, its database locked, still starting) is asked
again after its `Retry-After`, for up to `TRY_FOR` seconds, each wait said on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import yaml

from agentbar.try_again import TryAgainClient

DEFAULT_URL = "http://127.0.0.1:8080"
TRY_FOR = 30.0
"""Seconds a command goes on asking a server that answers it did nothing (agentbar.try_again)."""


@dataclass(frozen=True)
class Resource:
    path: str
    actions: tuple[str, ...]
    named: bool = True
    """Items addressed by name (`get NAME`); False for one whole list or setting."""
    help: str = ""


RESOURCES = {
    "agents": Resource("/agents", ("list", "get", "put"), help="agents and their login policy"),
    "extensions": Resource("/extensions", ("list", "get", "put", "delete"), help="extensions"),
    "campaigns": Resource("/campaigns", ("list", "get", "put"), help="campaigns"),
    "queues": Resource("/queues", ("list", "get"), help="inbound campaigns' agent queues"),
    "ivrs": Resource("/ivrs", ("list", "get", "put", "delete"), help="IVRs"),
    "webhooks": Resource("/webhooks", ("list", "get", "put", "delete"), help="webhooks"),
    "break-reasons": Resource("/break-reasons", ("get", "put"), False, "the break reasons"),
    "origins": Resource("/origins", ("get", "put"), False, "the CRM origin allow-list"),
    "sso": Resource("/sso", ("get", "put", "delete"), False, "the CRM SSO endpoint"),
}


class Refused(Exception):
    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def add_parser(commands: Any) -> None:
    """Add `admin` and its subcommands to the `agentbar` parser."""
    admin = commands.add_parser("admin", help="administer a running server over its API")
    admin.add_argument(
        "--url", help=f"the server's base URL (default $AGENTBAR_URL or {DEFAULT_URL})"
    )
    admin.add_argument("--token", help="the admin token (default $AGENTBAR_ADMIN_TOKEN)")
    resources = admin.add_subparsers(dest="resource", required=True)
    for name, resource in RESOURCES.items():
        sub = resources.add_parser(name, help=resource.help)
        actions = sub.add_subparsers(dest="action", required=True)
        for action in resource.actions:
            parser = actions.add_parser(action)
            if resource.named and action != "list":
                parser.add_argument("name")
            if action == "put":
                _body_arguments(parser)
    leads = resources.add_parser("leads", help="an outbound campaign's lead list")
    lead_actions = leads.add_subparsers(dest="action", required=True)
    listing = lead_actions.add_parser("list")
    listing.add_argument("campaign")
    listing.add_argument("--state", action="append", help="only this state (repeatable)")
    listing.add_argument("--after", type=int, default=0)
    listing.add_argument("--limit", type=int, default=100)
    adding = lead_actions.add_parser("add", help='body: {"leads": [{"phone", "name", "data"}]}')
    adding.add_argument("campaign")
    _body_arguments(adding)
    removing = lead_actions.add_parser("delete", help="remove waiting leads (or one)")
    removing.add_argument("campaign")
    removing.add_argument("lead_id", nargs="?")
    _do_not_call_parser(resources)
    export = resources.add_parser("export", help="write the whole configuration as YAML")
    export.add_argument("-o", "--output", help="file to write (default: standard output)")
    load = resources.add_parser("import", help="apply a whole configuration from YAML")
    load.add_argument("file", help="the YAML (or JSON) file; - for standard input")
    load.add_argument("--dry-run", action="store_true", help="only check it")


def _do_not_call_parser(resources: Any) -> None:
    numbers = resources.add_parser("do-not-call", help="numbers never to be dialled")
    actions = numbers.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="the listed numbers, a page at a time")
    listing.add_argument("--cursor", help="`next` of the page before")
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--all", action="store_true", help="every page, as one list")
    adding = actions.add_parser("add", help="list a number (again: change its note)")
    adding.add_argument("phone")
    adding.add_argument("--note")
    removing = actions.add_parser("remove", help="take a number off the list")
    removing.add_argument("phone")
    load = actions.add_parser(
        "import", help="list every number of a CSV file (one per line, optional note)"
    )
    load.add_argument("file", help="the CSV file; - for standard input")


def _body_arguments(parser: argparse.ArgumentParser) -> None:
    body = parser.add_mutually_exclusive_group(required=True)
    body.add_argument("-f", "--file", help="YAML or JSON file with the body; - for stdin")
    body.add_argument("-d", "--data", help="the body itself, as YAML or JSON")


def run(options: argparse.Namespace) -> int:
    url = options.url or os.environ.get("AGENTBAR_URL") or DEFAULT_URL
    token = options.token or os.environ.get("AGENTBAR_ADMIN_TOKEN")
    if not token:
        print("agentbar admin: give --token or set AGENTBAR_ADMIN_TOKEN", file=sys.stderr)
        return 2
    try:
        with TryAgainClient(
            try_for=TRY_FOR,
            told=lambda what: print(f"agentbar admin: {what}", file=sys.stderr),
            base_url=url.rstrip("/") + "/api/v1",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30.0,
        ) as client:
            _dispatch(client, options)
    except Refused as refused:
        print(f"agentbar admin: {refused.message}", file=sys.stderr)
        return refused.status
    except httpx.HTTPError as error:
        print(f"agentbar admin: cannot reach {url}: {error}", file=sys.stderr)
        return 2
    return 0


def _dispatch(client: httpx.Client, options: argparse.Namespace) -> None:
    if options.resource == "export":
        _export(client, options.output)
    elif options.resource == "import":
        text = _read(options.file)
        params = {"dryRun": "true"} if options.dry_run else {}
        _show(
            _checked(
                client.put(
                    "/config",
                    content=text.encode(),
                    params=params,
                    headers={"Content-Type": "application/yaml"},
                )
            )
        )
    elif options.resource == "leads":
        _leads(client, options)
    elif options.resource == "do-not-call":
        _do_not_call(client, options)
    else:
        _resource(client, RESOURCES[options.resource], options)


def _resource(client: httpx.Client, resource: Resource, options: argparse.Namespace) -> None:
    action = options.action
    path = resource.path
    if resource.named and action != "list":
        path = f"{path}/{quote(options.name, safe='')}"
    if action == "put":
        _show(_checked(client.put(path, json=_body(options))))
    elif action == "delete":
        _show(_checked(client.delete(path)))
    elif action == "get" and resource.path == "/webhooks":
        # Webhooks are read as a list (their secrets are never shown).
        found = [w for w in _checked(client.get(resource.path)) if w["name"] == options.name]
        if not found:
            raise Refused(f"HTTP 404: no webhook '{options.name}'")
        _show(found[0])
    else:
        _show(_checked(client.get(path)))


def _leads(client: httpx.Client, options: argparse.Namespace) -> None:
    path = f"/campaigns/{quote(options.campaign, safe='')}/leads"
    if options.action == "list":
        params: dict[str, Any] = {"after": options.after, "limit": options.limit}
        if options.state:
            params["state"] = options.state
        _show(_checked(client.get(path, params=params)))
    elif options.action == "add":
        _show(_checked(client.post(path, json=_body(options))))
    elif options.lead_id:
        _show(_checked(client.delete(f"{path}/{quote(options.lead_id, safe='')}")))
    else:
        _show(_checked(client.delete(path)))


def _do_not_call(client: httpx.Client, options: argparse.Namespace) -> None:
    path = "/do-not-call"
    if options.action == "list":
        _show(_numbers(client, options.cursor, options.limit, every_page=options.all))
    elif options.action == "add":
        body = {"note": options.note} if options.note is not None else {}
        _show(_checked(client.put(f"{path}/{quote(options.phone, safe='')}", json=body)))
    elif options.action == "remove":
        _show(_checked(client.delete(f"{path}/{quote(options.phone, safe='')}")))
    else:
        csv = _read(options.file).encode()
        headers = {"Content-Type": "text/csv; charset=utf-8"}
        _show(_checked(client.post(f"{path}/import", content=csv, headers=headers)))


def _numbers(client: httpx.Client, cursor: str | None, limit: int, *, every_page: bool) -> Any:
    """One page of the list, or (`every_page`) every page from `cursor` on, as one."""
    params: dict[str, Any] = {"limit": limit}
    if cursor:
        params["cursor"] = cursor
    page = _checked(client.get("/do-not-call", params=params))
    numbers = list(page["numbers"])
    while every_page and page["next"] is not None:
        params["cursor"] = page["next"]
        page = _checked(client.get("/do-not-call", params=params))
        numbers.extend(page["numbers"])
    return {"numbers": numbers, "next": page["next"]}


def _export(client: httpx.Client, output: str | None) -> None:
    response = client.get("/config", params={"format": "yaml"})
    _checked(response, parse=False)
    if output is None or output == "-":
        sys.stdout.write(response.text)
    else:
        Path(output).write_text(response.text, encoding="utf-8")


def _read(file: str) -> str:
    if file == "-":
        return sys.stdin.read()
    try:
        return Path(file).read_text(encoding="utf-8")
    except OSError as error:
        raise Refused(f"cannot read {file}: {error.strerror}", 2) from None


def _body(options: argparse.Namespace) -> Any:
    text = options.data if options.data is not None else _read(options.file)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise Refused(f"the body is not valid YAML or JSON: {error}", 2) from None


def _checked(response: httpx.Response, parse: bool = True) -> Any:
    if response.is_success:
        if not parse or response.status_code == 204 or not response.content:
            return None
        return response.json()
    try:
        detail = response.json().get("detail", response.text)
    except (ValueError, AttributeError):
        detail = response.text
    if not isinstance(detail, str):
        detail = json.dumps(detail)
    raise Refused(f"HTTP {response.status_code}: {detail}")


def _show(answer: Any) -> None:
    if answer is not None:
        print(json.dumps(answer, indent=2, ensure_ascii=False))
