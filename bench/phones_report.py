"""The section of docs/BENCHMARKS.md on what the browser phone and conferences cost."""

from __future__ import annotations

from typing import Any


def phones_lines(d: dict[str, Any], measured_by: list[str]) -> list[str]:
    lines = [
        "## Browser phone and conferences",
        "",
        *measured_by,
        "Each step holds its calls steady while the CPU Janus and agentbar spend is measured over "
        f"{d['window_s']:g} s (`bench/phones.py`). *Browser-phone calls*: agentbar on SIP (its "
        "own process), one Chromium with a page per agent (provisioned for the run, each on a "
        "browser extension of its own), a baresip "
        "customer per call; the browsers are the agents' machines and are not counted. "
        "*Conference rooms*: three baresip phones per room (a customer, an agent, a second agent "
        "conferenced in) mixed by Janus's AudioBridge, agentbar's SIP driver in the bench's own "
        "process. *CPU per call* is the percentage of one core. The audio is checked on the "
        "first call (the agent's page hears the customer's 440 Hz) and the first room (each "
        "phone hears the other two tones).",
        "",
        "| browser-phone calls | CPU s over the window | CPU per call | audio checked |",
        "|---:|---:|---:|---|",
    ]
    for step in d["browser"]:
        lines.append(
            f"| {step['calls']} | {step['cpu_s']:.2f} | {step['cpu_percent_per_call']:.2f}% "
            f"| {'yes' if step['sample_ok'] else 'NO'} ({step['sample_heard_hz']:.0f} Hz) |"
        )
    lines += [
        "",
        "| conference rooms | phones | CPU s over the window | CPU per room | audio checked |",
        "|---:|---:|---:|---:|---|",
    ]
    for step in d["rooms"]:
        lines.append(
            f"| {step['rooms']} | {step['phones']} | {step['cpu_s']:.2f} "
            f"| {step['cpu_percent_per_room']:.2f}% | {'yes' if step['sample_ok'] else 'NO'} |"
        )
    lines.append("")
    return lines
