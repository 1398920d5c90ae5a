"""The memory bench's part of docs/BENCHMARKS.md, and its splicing into the page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

HEADING = "## Memory per connected agent"
PLACED_BEFORE = "## Targets"
"""Where the section goes the first time: beside the load figures, before the targets."""

CUTS = [
    "The cuts (issue 21): no permessage-deflate (`ws_per_message_deflate=False` in "
    "`agentbar serve`'s uvicorn config; each socket held a zlib compressor and decompressor "
    "for its whole life); the toolbar socket's table of frame handlers made once for the class "
    "instead of a dict of bound methods and closures per socket; the socket's queue of waiting "
    "frames and its login deadline wait on one future instead of holding an `asyncio.Event` "
    "(and a deque) each for the socket's life; the bus subscription each socket reads from "
    "likewise (a list and one reader's future instead of an `asyncio.Queue`); the edge's parsed "
    "request headers no longer kept alive for as long as the socket is open.",
]

GOAL_KIB = 50.0
"""Issue 21's goal: at most this much server memory per connected agent at 5,000 agents."""


def memory_lines(d: dict[str, Any]) -> list[str]:
    m = d["machine"]
    plan = d["plan"]
    lines = [
        HEADING,
        "",
        f"{plan['agents']:,} socket agents (bench/agents.py's workers) log in with login tokens, "
        "pick their extensions, go ready and stay connected, idle; the server is bench/server.py's "
        "(`bench/memory.py`). *RSS per agent* is the server's VmRSS after the logins (and 1 s to "
        "settle) less before, divided by the agents, as in the load table. The same run is then "
        "made with the server started under tracemalloc (a launcher in `bench/memory.py` runs "
        "`agentbar serve` after `tracemalloc.start()` and writes snapshots when the bench asks): "
        "*Python heap per agent* is what Python's allocators gained over the logins, which in "
        "CPython includes zlib's state (the zlib module allocates it with `PyMem_RawMalloc`); "
        "*outside Python's allocators* is the untraced RSS per agent less that.",
        "",
        "Measured by:",
        "",
        "```sh",
        d["command"],
        "```",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['memory_mib']:,} MiB memory, "
        f"Python {m['python']}, Linux {m['kernel']}. Commit `{d['commit']}`, run at "
        f"{d['finished']} in {d['wall_s']:.0f} s.",
        "",
    ]
    before = d.get("before")
    runs = [("before", before), ("after", d)] if before else [("this run", d)]
    if before:
        lines += [
            f"Before: the same bench on commit `{before['commit']}` without the cuts below, run "
            f"at {before['finished']}; its figures are the `--baseline` file's. After: the "
            "command above.",
            "",
            *CUTS,
            "",
        ]
    lines += [
        "| KiB per connected agent | " + " | ".join(name for name, _ in runs) + " |",
        "|---|" + "---:|" * len(runs),
    ]
    rows: list[tuple[str, Callable[[dict[str, Any]], float]]] = [
        ("RSS per agent (untraced server)", lambda r: r["untraced"]["rss_per_agent_kib"]),
        ("Python heap per agent (traced)", lambda r: r["python_heap_per_agent_kib"]),
        ("outside Python's allocators", lambda r: r["outside_python_per_agent_kib"]),
        ("RSS per agent, traced server", lambda r: r["traced"]["rss_per_agent_kib"]),
    ]
    for label, value in rows:
        lines.append(f"| {label} | " + " | ".join(f"{value(r):.1f}" for _, r in runs) + " |")
    after_kib = d["untraced"]["rss_per_agent_kib"]
    met = "met" if after_kib <= GOAL_KIB else "**missed**"
    lines += [
        "",
        f"Goal (issue 21): ≤ {GOAL_KIB:g} KiB per agent at 5,000 agents: {met} at "
        f"{plan['agents']:,} agents ({after_kib:.1f} KiB).",
        "",
    ]
    for name, run in runs:
        lines += _top_lines(name, run)
    lines += [
        f"Who asked for what the logins added to Python's heap ({runs[-1][0]}): the package of "
        "the most recent frame in agentbar, uvicorn, websockets, starlette or fastapi (an "
        "asyncio queue agentbar makes is agentbar's; the event loop's own allocations for a "
        "connection are uvicorn's):",
        "",
        "| KiB per agent | asked for by |",
        "|---:|---|",
        *[f"| {kib:.1f} | {owner} |" for owner, kib in d["owners"].items()],
        "",
    ]
    return lines


def _top_lines(name: str, run: dict[str, Any]) -> list[str]:
    return [
        f"What the logins added to Python's heap, {name}, by allocating line (the largest "
        f"{len(run['top'])}; *for*: the nearest caller in agentbar, uvicorn, starlette or "
        "websockets):",
        "",
        "| KiB per agent | blocks per agent | allocated at | for |",
        "|---:|---:|---|---|",
        *[
            f"| {e['kib_per_agent']:.1f} | {e['blocks_per_agent']:.1f} | `{e['line']}` "
            f"| `{e['for']}` |"
            for e in run["top"]
        ],
        "",
    ]


def write_memory_section(d: dict[str, Any], markdown: Path) -> None:
    """The section replaced in the page (or placed before the targets, or at the end); the
    rest of the page is kept as it is."""
    section = memory_lines(d)
    page = markdown.read_text().splitlines() if markdown.exists() else ["# Benchmarks", ""]
    if HEADING in page:
        start = page.index(HEADING)
        end = next((i for i in range(start + 1, len(page)) if page[i].startswith("## ")), len(page))
    elif PLACED_BEFORE in page:
        start = end = page.index(PLACED_BEFORE)
    else:
        start = end = len(page)
    markdown.parent.mkdir(parents=True, exist_ok=True)
    markdown.write_text("\n".join([*page[:start], *section, *page[end:]]) + "\n")
