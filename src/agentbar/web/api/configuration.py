"""The whole configuration through the admin API, as JSON or YAML: what `agentbar admin
export` writes and `agentbar admin import` applies."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Coroutine
from dataclasses import asdict
from typing import Annotated, Any, Literal

import yaml
from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel

from agentbar.services.configuration import Document, counts_of
from agentbar.services.provisioning import InvalidConfiguration
from agentbar.web.api.answers import ERRORS, refused
from agentbar.web.deps import ClientDep, ConfigurationDep, require_admin

YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
YAML_MEDIA_TYPE = "application/yaml"


def _is_yaml(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() in YAML_TYPES


class _YamlAsJson(Request):
    """A YAML body read as the JSON it stands for, so the route validates it like JSON."""

    async def body(self) -> bytes:
        if not hasattr(self, "_body"):
            raw = await super().body()
            try:
                data = yaml.safe_load(raw) if raw.strip() else None
            except yaml.YAMLError as error:
                raise HTTPException(422, f"the body is not valid YAML: {error}") from None
            # default=str: YAML dates and the like become strings, which validation then judges.
            self._body = json.dumps(data, default=str).encode()
        return self._body


class YamlBodyRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handler(request: Request) -> Response:
            if _is_yaml(request.headers.get("content-type", "")):
                scope = dict(request.scope)
                scope["headers"] = [
                    (k, b"application/json" if k == b"content-type" else v)
                    for k, v in request.scope["headers"]
                ]
                request = _YamlAsJson(scope, request.receive)
            return await handle(request)

        return handler


router = APIRouter(
    prefix="/api/v1/config",
    tags=["configuration"],
    dependencies=[Depends(require_admin)],
    responses=ERRORS,
    route_class=YamlBodyRoute,
)


class Applied(BaseModel):
    applied: bool
    """False for a dry run: the document was only checked."""
    campaigns: int
    agents: int
    extensions: int
    ivrs: int
    breakReasons: int
    allowedOrigins: int
    sso: int
    webhooks: int


# What a YAML 1.2 reader (the core schema) takes for a number, a boolean or null. PyYAML
# quotes only what YAML 1.1 would misread, so a phone such as `0e0` or `-.0` went out bare and
# came back as a number to a 1.2 reader.
_NOT_A_STRING_IN_YAML_12 = re.compile(
    r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
    r"|0o[0-7]+|0x[0-9a-fA-F]+|true|True|TRUE|false|False|FALSE|null|Null|NULL|~|"
)


class _Dumper(yaml.SafeDumper):
    """Quotes every string a YAML 1.1 or 1.2 reader would take for something else."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "'" if _NOT_A_STRING_IN_YAML_12.fullmatch(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _as_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True)


_DOCUMENT = {"$ref": "#/components/schemas/Document"}
_YAML_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {"content": {YAML_MEDIA_TYPE: {"schema": _DOCUMENT}}}
}


@router.get("", responses=_YAML_ANSWER)
async def export_configuration(
    request: Request,
    configuration: ConfigurationDep,
    format: Annotated[Literal["json", "yaml"] | None, Query()] = None,
) -> Document:
    """The whole configuration: JSON, or YAML with `format=yaml` or `Accept: application/yaml`.

    Holds password hashes and webhook secrets: keep the file as safe as the database."""
    doc = await configuration.export()
    wants_yaml = format == "yaml" or (
        format is None and _is_yaml(request.headers.get("accept", ""))
    )
    if wants_yaml:
        text = _as_yaml(doc.model_dump(mode="json", exclude_none=True))
        return Response(text, media_type=YAML_MEDIA_TYPE)  # type: ignore[return-value]
    return doc


@router.put(
    "",
    response_model=Applied,
    openapi_extra={"requestBody": {"content": {YAML_MEDIA_TYPE: {"schema": _DOCUMENT}}}},
)
async def import_configuration(
    document: Document,
    configuration: ConfigurationDep,
    client: ClientDep,
    dry_run: Annotated[bool, Query(alias="dryRun")] = False,
) -> Applied:
    """Apply a whole configuration (JSON, or YAML with `Content-Type: application/yaml`).

    The whole document is checked first; if any part is refused nothing changes (422 with
    what is wrong). Sections left out are left alone; each entry creates or replaces its
    resource; break reasons and allowed origins, when given, replace the lists whole.
    `dryRun=true` only checks."""
    try:
        if dry_run:
            await configuration.check(document)
        else:
            await configuration.apply(document, client=client)
    except InvalidConfiguration as error:
        raise refused(error) from None
    return Applied(applied=not dry_run, **asdict(counts_of(document)))
