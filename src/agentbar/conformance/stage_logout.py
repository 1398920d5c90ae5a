"""The end of the agent's day as a supervisor ends it (SPEC §3 `logoutHandler`): the admin API
logs the agent out, and the page's logoutHandler must hear it."""

from __future__ import annotations

from agentbar.conformance.context import Run

SUPERVISOR_LOGOUT = "supervisor logout"  # the reason the toolbar gives the page


def logged_in_agent(run: Run) -> str | None:
    """The agent the page logged in (its doLogin's user), else the one the kit logged in."""
    calls = run.crm.find("call", ["doLogin"])
    args = (calls[0].get("args") or []) if calls else []
    return str(args[0]) if args and args[0] else run.username


def check_supervisor_logout(run: Run) -> None:
    """lifecycle.logout, made last: the agent is logged out for good."""
    if not run.handler("logoutHandler").registered:
        run.not_used("lifecycle.logout", "the page registers no logoutHandler")
        return
    agent_id = logged_in_agent(run)
    if agent_id is None:
        run.not_used("lifecycle.logout", "the kit does not know which agent is logged in")
        return
    crm = run.crm
    since = crm.now()
    refused = run.server.log_out_agent(agent_id)
    if refused is not None:
        run.failed("lifecycle.logout", f"the server did not log {agent_id} out: {refused}")
        return
    ended = crm.wait_record("event", ["logoutHandler"], since=since)
    if ended is None:
        run.failed(
            "lifecycle.logout",
            f"a supervisor logged {agent_id} out, but no logoutHandler came within "
            f"{crm.timeout:g} s",
        )
        return
    reason = str((ended.get("data") or {}).get("reason", ""))
    failure = run.handler_failure("logoutHandler", since=ended["t"])
    if failure is not None:
        run.failed("lifecycle.logout", failure[0], blocked_by=failure[1])
        return
    run.passed(
        "lifecycle.logout", f"a supervisor logged {agent_id} out: logoutHandler('{reason}') ran"
    )
