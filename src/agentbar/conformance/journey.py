"""The journey file: what the kit cannot guess about a CRM page, in YAML.

Named step lists (`sign_in`, `click_to_dial`, `submit_wrap_up`, `force_login`), each step one
action on a CSS selector (`{fill: "#phone", value: "+14155550123"}`, `{click: "#dial"}`), and a
few settings: the campaign and caller of the test call, the sandbox's single sign-on endpoint,
how long to wait.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from agentbar.conformance.errors import BadInput

ACTIONS = ("fill", "click", "select", "check", "press", "wait_for", "goto")
NEEDS_VALUE = ("fill", "select", "press")


class Step(BaseModel):
    """One action: `fill`, `select` (an option's value or label) and `press` (a key) take a
    `value`; `click`, `check` and `wait_for` (until it is visible) a selector alone; `goto` a
    URL or a path on the CRM page's origin."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    fill: str | None = None
    click: str | None = None
    select: str | None = None
    check: str | None = None
    press: str | None = None
    wait_for: str | None = None
    goto: str | None = None
    value: str | None = None

    @model_validator(mode="after")
    def _one_action(self) -> Step:
        given = [name for name in ACTIONS if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                f"a step has exactly one of {', '.join(ACTIONS)} (this one has "
                f"{', '.join(given) or 'none'})"
            )
        if given[0] in NEEDS_VALUE and self.value is None:
            raise ValueError(f"a '{given[0]}' step needs a 'value'")
        if given[0] not in NEEDS_VALUE and self.value is not None:
            raise ValueError(f"a '{given[0]}' step takes no 'value'")
        return self

    @property
    def action(self) -> str:
        return next(name for name in ACTIONS if getattr(self, name) is not None)

    @property
    def target(self) -> str:
        target: str = getattr(self, self.action)
        return target

    def describe(self) -> str:
        value = f" {self.value!r}" if self.value is not None else ""
        return f"{self.action} {self.target!r}{value}"


class SandboxSettings(BaseModel):
    """For the sandbox the kit starts (not for --server): the CRM's single sign-on endpoint,
    when the page logs its toolbar in with AUTH_TYPE_CRM_HTTP (SPEC §5)."""

    model_config = ConfigDict(extra="forbid")

    sso_url: str | None = Field(
        default=None, description="absolute, or a path on the CRM page's origin"
    )
    sso_format: Literal["json", "form", "xml"] = "json"


class Journey(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    sandbox: SandboxSettings = SandboxSettings()
    campaign: str = Field(default="Inbound Support", min_length=1)
    caller: str = Field(default="+14155550123", min_length=1)
    extension: str | None = Field(
        default=None, description="bound in the toolbar when the page has no getExtensionInfo()"
    )
    timeout: float = Field(default=10.0, gt=0, le=120, description="seconds for each wait")
    sign_in: list[Step] = []
    click_to_dial: list[Step] = []
    submit_wrap_up: list[Step] = []
    force_login: list[Step] = []


def load_journey(path: Path) -> Journey:
    """The journey in `path`; anything wrong with it is bad input, said in one line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise BadInput(f"cannot read the journey file {path}: {error.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "not YAML"
        raise BadInput(f"the journey file {path}{where}: {problem}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise BadInput(f"the journey file {path}: a mapping of settings and steps, not a list")
    try:
        return Journey.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        more = error.error_count() - 1
        also = f" (and {more} more)" if more else ""
        raise BadInput(f"the journey file {path}: {where}: {first['msg']}{also}") from None
