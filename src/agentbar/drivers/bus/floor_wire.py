"""The floor link's messages as JSON, and back: moves, asks and answers.

pydantic reads and writes the domain's own dataclasses (as the stored floor does), so a new
field crosses the link without a line here. Commands and events are tagged with their class
name: several share a shape (`GoReady` and `HangUp` are both just an agent id).
"""

from __future__ import annotations

import json
from dataclasses import is_dataclass
from typing import Any, get_args

from pydantic import TypeAdapter

from agentbar.domain.model import events as ev
from agentbar.domain.model.commands import Command
from agentbar.domain.model.durable import FloorChanges
from agentbar.domain.model.errors import DomainError
from agentbar.domain.model.lead_book import Lead
from agentbar.drivers.bus.redis import decode as decode_envelope
from agentbar.drivers.bus.redis import encode as encode_envelope
from agentbar.ports.floor_link import (
    CommandAsk,
    FloorAnswer,
    FloorAsk,
    FloorMove,
    NoteAsk,
    ServiceAsk,
)

_COMMANDS: dict[str, TypeAdapter[Any]] = {c.__name__: TypeAdapter(c) for c in get_args(Command)}


def _subclasses(base: type) -> list[type]:
    found: list[type] = []
    sub: type
    for sub in base.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


_EVENTS: dict[str, TypeAdapter[Any]] = {
    e.__name__: TypeAdapter(e) for e in _subclasses(ev.Event) if is_dataclass(e)
}
_CHANGES = TypeAdapter(FloorChanges)
_LEADS = TypeAdapter(list[Lead])


def _tagged(adapters: dict[str, TypeAdapter[Any]], value: object) -> dict[str, Any]:
    name = type(value).__name__
    return {"type": name, "body": adapters[name].dump_python(value, mode="json")}


def _untagged(adapters: dict[str, TypeAdapter[Any]], doc: dict[str, Any]) -> Any:
    return adapters[doc["type"]].validate_python(doc["body"])


def move_doc(move: FloorMove) -> str:
    return json.dumps(
        {
            "epoch": move.epoch,
            "number": move.number,
            "changes": _CHANGES.dump_python(move.changes, mode="json"),
            "leads": _LEADS.dump_python(move.leads, mode="json"),
            "events": [encode_envelope(e) for e in move.events],
            "reconfigured": move.reconfigured,
        },
        separators=(",", ":"),
    )


def move_of(raw: bytes | str) -> FloorMove:
    doc = json.loads(raw)
    return FloorMove(
        epoch=int(doc["epoch"]),
        number=int(doc["number"]),
        changes=_CHANGES.validate_python(doc["changes"]),
        leads=_LEADS.validate_python(doc["leads"]),
        events=[decode_envelope(e) for e in doc["events"]],
        reconfigured=bool(doc["reconfigured"]),
    )


def ask_doc(ask: FloorAsk) -> dict[str, Any]:
    if isinstance(ask, CommandAsk):
        return {"command": _tagged(_COMMANDS, ask.command)}
    if isinstance(ask, NoteAsk):
        return {"note": {"kind": ask.kind, "agentId": ask.agent_id, "data": ask.data}}
    service: dict[str, Any] = {"name": ask.name, "args": ask.args}
    if ask.new_work:
        service["newWork"] = True
    return {"service": service}


def ask_of(doc: dict[str, Any]) -> FloorAsk:
    if "command" in doc:
        return CommandAsk(_untagged(_COMMANDS, doc["command"]))
    if "note" in doc:
        note = doc["note"]
        return NoteAsk(str(note["kind"]), str(note["agentId"]), dict(note["data"]))
    service = doc["service"]
    return ServiceAsk(
        str(service["name"]), dict(service["args"]), new_work=service.get("newWork") is True
    )


def _error_types() -> dict[str, type[DomainError]]:
    return {t.__name__: t for t in _subclasses(DomainError) if issubclass(t, DomainError)}


def answer_doc(answer: FloorAnswer) -> dict[str, Any]:
    doc: dict[str, Any] = {"epoch": answer.epoch, "movedTo": answer.moved_to}
    if answer.events is not None:
        doc["events"] = [_tagged(_EVENTS, e) for e in answer.events]
    if answer.leads:
        doc["leads"] = _LEADS.dump_python(answer.leads, mode="json")
    if answer.envelope is not None:
        doc["envelope"] = encode_envelope(answer.envelope)
    if answer.result is not None:
        doc["result"] = answer.result
    if answer.refusal is not None:
        refusal = answer.refusal
        doc["refusal"] = {
            "type": type(refusal).__name__,
            "code": refusal.code,
            "message": refusal.message,
        }
    return doc


def answer_of(doc: dict[str, Any]) -> FloorAnswer:
    events = None
    if "events" in doc:
        events = [_untagged(_EVENTS, e) for e in doc["events"]]
    refusal = None
    if "refusal" in doc:
        found = doc["refusal"]
        kind = _error_types().get(found["type"], DomainError)
        try:
            refusal = kind(str(found["message"]))
        except TypeError:  # an error that takes more than its message: keep code and message
            refusal = DomainError(str(found["message"]))
        refusal.code = str(found["code"])
    return FloorAnswer(
        epoch=int(doc["epoch"]),
        moved_to=int(doc["movedTo"]),
        events=events,
        leads=_LEADS.validate_python(doc.get("leads", [])),
        envelope=decode_envelope(doc["envelope"]) if "envelope" in doc else None,
        result=doc.get("result"),
        refusal=refusal,
    )
