"""The scorecard: one result per check, as a terminal table and as JSON for CI."""

from __future__ import annotations

import json
import shutil
import textwrap
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from agentbar.conformance.catalog import BY_ID, CHECKS, Check


class Result(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_USED = "not_used"


@dataclass
class CheckResult:
    check: Check
    result: Result
    reason: str
    # The check that failed first and kept this one from being made (its own failure says why).
    blocked_by: str | None = None
    screenshot: bytes | None = field(default=None, repr=False)

    @property
    def failed_required(self) -> bool:
        return self.check.required and self.result is not Result.PASS

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.check.check_id,
            "spec": self.check.spec,
            "required": self.check.required,
            "result": self.result.value,
            "reason": self.reason,
            "blockedBy": self.blocked_by,
            "screenshot": self.screenshot is not None,
        }


@dataclass
class Scorecard:
    crm_url: str
    server_url: str
    seconds: float = 0.0
    results: dict[str, CheckResult] = field(default_factory=dict)

    def record(
        self,
        check_id: str,
        result: Result,
        reason: str,
        *,
        blocked_by: str | None = None,
        screenshot: bytes | None = None,
    ) -> None:
        """The check's result; the first word on a check is the one kept."""
        if check_id not in self.results:
            self.results[check_id] = CheckResult(
                BY_ID[check_id], result, reason, blocked_by, screenshot
            )

    def passed(self, check_id: str) -> bool:
        found = self.results.get(check_id)
        return found is not None and found.result is Result.PASS

    def failed(self, check_id: str) -> bool:
        found = self.results.get(check_id)
        return found is not None and found.result is Result.FAIL

    def ordered(self) -> list[CheckResult]:
        return [self.results[check.check_id] for check in CHECKS if check.check_id in self.results]

    @property
    def ok(self) -> bool:
        """Every required check passed (and none is missing)."""
        return all(
            check.check_id in self.results and not self.results[check.check_id].failed_required
            for check in CHECKS
            if check.required
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "crmUrl": self.crm_url,
            "server": self.server_url,
            "seconds": round(self.seconds, 1),
            "passed": self.ok,
            "checks": [result.as_json() for result in self.ordered()],
        }

    def write_json(self, path: Path) -> None:
        path.write_text(json.dumps(self.as_json(), indent=2) + "\n", encoding="utf-8")

    def table(self, width: int | None = None) -> str:
        """Each check on a line (result, required or optional, id, SPEC item), its reason
        wrapped under it; then the verdict."""
        width = width or shutil.get_terminal_size((120, 24)).columns
        results = self.ordered()
        id_width = max((len(r.check.check_id) for r in results), default=0)
        lines = []
        for r in results:
            lines.append(
                f"{_mark(r):<8}  {_need(r):<8}  {r.check.check_id:<{id_width}}  {r.check.spec}"
            )
            lines += textwrap.wrap(
                _reason(r), max(40, width - 10), initial_indent=" " * 10, subsequent_indent=" " * 10
            )
        verdict = "PASSED" if self.ok else "FAILED"
        failing = [r.check.check_id for r in results if r.failed_required and not r.blocked_by]
        summary = f"{verdict}: {self.crm_url} against {self.server_url} in {self.seconds:.1f} s"
        if failing:
            summary += f"; failing: {', '.join(failing)}"
        return "\n".join([*lines, "", summary])


def _mark(result: CheckResult) -> str:
    return {Result.PASS: "pass", Result.FAIL: "FAIL", Result.NOT_USED: "not used"}[result.result]


def _need(result: CheckResult) -> str:
    return "required" if result.check.required else "optional"


def _reason(result: CheckResult) -> str:
    if result.blocked_by:
        return f"not checked: {result.blocked_by} failed ({result.reason})"
    return result.reason
