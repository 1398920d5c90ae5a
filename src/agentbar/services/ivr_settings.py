"""An IVR's digit collection as the admin API and the configuration file spell it
(`collectDigits`), and its conversions to and from the model's DigitCollection."""

from __future__ import annotations

from typing import Annotated, Any, Literal, cast

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    SerializerFunctionWrapHandler,
    model_serializer,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from agentbar.domain.model.ivr import DigitCollection

Terminator = Literal["#", "*"]


class DigitCollectionEntry(BaseModel):
    """The digits an IVR asks a caller for."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    maxDigits: Annotated[int, Field(ge=1, le=32)]
    terminator: Terminator | None = "#"
    """The key that ends the collection early (not one of the digits); null: no key does."""
    timeoutSeconds: Annotated[float, Field(ge=1, le=120)] = 5.0
    """How long without a key (from the prompt's start, then from each key) ends it."""

    @model_serializer(mode="wrap")
    def _with_terminator(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # A null terminator (none) is written even where nulls are left out (the YAML export):
        # left out, it would read back as the default '#'.
        written: dict[str, Any] = handler(self)
        if self.terminator is None:
            written["terminator"] = None
        return written

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # The serializer above would hide the fields from the answers' schema: it is the body's.
        if handler.mode == "validation":
            return handler(core_schema)
        return cls.model_json_schema(mode="validation")


def digit_collection_of(entry: DigitCollectionEntry | None) -> DigitCollection | None:
    if entry is None:
        return None
    return DigitCollection(entry.maxDigits, entry.terminator, entry.timeoutSeconds)


def digit_collection_entry(collect: DigitCollection | None) -> DigitCollectionEntry | None:
    if collect is None:
        return None
    return DigitCollectionEntry(
        maxDigits=collect.max_digits,
        terminator=cast(Terminator | None, collect.terminator),  # the model checked it
        timeoutSeconds=collect.timeout_seconds,
    )
