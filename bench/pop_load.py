"""The screen pop against its floor at several background loads (`bench/run --pop`).

The suite's browser run measures the pop at one background: 1,000 agents at 50 calls/s. This
run measures it, and the floor of its path, at each background rate of the plan in turn
(the same agents logged in each time), so the table shows what the pop costs with the server
idle — the two stored moves, the socket, the glue — and what the background adds.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.load import LoadPoint, run_point
from bench.screenpop import crm_page_server, measure
from bench.server import BenchServer


@dataclass(frozen=True)
class PopPlan:
    agents: int
    rates: tuple[float, ...]
    """Background calls/s, one point each; 0: the agents connected, no other call."""
    calls: int
    """Measured calls per point, one at a time."""
    talk_s: float = 1.0


FULL_POP = PopPlan(1000, (0.0, 25.0, 50.0), 200)
QUICK_POP = PopPlan(10, (0.0, 5.0), 5, 0.2)

POINT_SECONDS = 600.0
"""An upper bound of a point's background: its calls stop when the browser is done."""


def run_pop(plan: PopPlan, work: Path) -> dict[str, Any]:
    points = []
    with crm_page_server() as (crm, set_base):

        def in_browser(server: BenchServer) -> dict[str, Any]:
            set_base(server.base_url)
            return measure(server, crm, plan.calls)

        for rate in plan.rates:
            background = LoadPoint(plan.agents, rate, plan.talk_s, POINT_SECONDS)
            print(f"bench: pop, {plan.calls} calls over {background}", file=sys.stderr, flush=True)
            point = run_point(background, work / f"pop-{rate:g}", [crm.origin], during=in_browser)
            points.append(point)
    return {"agents": plan.agents, "calls": plan.calls, "points": points}
