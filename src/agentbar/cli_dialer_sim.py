"""`agentbar dialer-sim`: size an outbound campaign before it starts, on the real dialer."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be a share from 0 to 1 (0.3 is 30%), not {text}")
    return value


def add_parser(commands: Any) -> None:
    sim = commands.add_parser(
        "dialer-sim",
        help="simulate an outbound campaign's day on the real dialer (no server needed)",
        description=(
            "Runs the real domain, dialer and simulated network on a virtual clock and prints "
            "one JSON object with the day's figures."
        ),
    )
    sim.add_argument("--mode", choices=["progressive", "predictive"], required=True)
    sim.add_argument("--agents", type=int, required=True, help="agents with auto-call on")
    sim.add_argument("--hours", type=float, required=True, help="simulated hours")
    sim.add_argument("--answer-rate", type=_share, required=True, help="share a person answers")
    sim.add_argument("--machine-rate", type=_share, required=True, help="share machines answer")
    sim.add_argument("--talk-mean", type=float, required=True, help="mean talk seconds")
    sim.add_argument("--wrap-mean", type=float, required=True, help="mean wrap-up seconds")
    sim.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    sim.add_argument(
        "--abandon-limit", type=_share, default=0.03, help="share of live answers (default 0.03)"
    )
    sim.add_argument("--abandon-window", choices=["30d", "24h"], default="30d")
    sim.add_argument(
        "--min-ring", type=int, default=15, help="seconds before a no-answer (15-120, default 15)"
    )
    sim.add_argument(
        "--busy-rate", type=_share, default=0.1, help="share of dials busy (default 0.1)"
    )
    sim.add_argument(
        "--amd-false-positive",
        type=_share,
        default=0.0,
        help="share of people answering-machine detection hangs up on (counted as abandoned)",
    )


def run(options: argparse.Namespace) -> int:
    # Imported here: `agentbar admin` and `serve` need none of it.
    from agentbar.dialer_sim import PlanSettings, simulate

    try:
        settings = PlanSettings(
            mode=options.mode,
            agents=options.agents,
            hours=options.hours,
            answer_rate=options.answer_rate,
            machine_rate=options.machine_rate,
            talk_mean=options.talk_mean,
            wrap_mean=options.wrap_mean,
            seed=options.seed,
            abandon_limit=options.abandon_limit,
            abandon_window=options.abandon_window,
            busy_rate=options.busy_rate,
            min_ring_seconds=options.min_ring,
            amd_false_positive=options.amd_false_positive,
        )
    except ValueError as error:
        print(f"agentbar dialer-sim: {error}", file=sys.stderr)
        return 2
    print(json.dumps(simulate(settings).summary()), flush=True)
    return 0
