"""One storage contract, every driver: the event log, sessions, audit, leads and callbacks,
and webhooks behave the same on SQLite and on the in-memory fake the unit tests use.
The catalog and settings: test_storage_catalog_contract.py; units of work:
test_storage_units_of_work.py."""

from __future__ import annotations

from agentbar.domain.model.call import Call, CallState, CallType
from agentbar.domain.model.callback_book import Callback, CallbackState
from agentbar.domain.model.durable import FloorChanges
from agentbar.domain.model.lead_book import Attempt, Lead, LeadState
from agentbar.ports import Envelope, Storage
from tests.contract.storage_drivers import a_campaign


def event(seq: int, agent_id: str | None = "a1", kind: str = "agent.ready") -> Envelope:
    return Envelope(seq, kind, 1000.0 + seq, agent_id, None, {"n": seq, "nested": {"k": [1]}})


def a_call(campaign_id: str, call_id: str = "call-1", **changes: object) -> Call:
    call = Call(call_id, CallType.INBOUND, campaign_id, "+14085551212", "crt-c", 5.0)
    for name, value in changes.items():
        setattr(call, name, value)
    return call


# -- the event log -----------------------------------------------------------------------------


async def test_an_empty_log_starts_at_seq_zero(storage: Storage) -> None:
    assert await storage.events.last_seq() == 0
    assert await storage.events.events_since(0, 10) == []


async def test_events_come_back_in_seq_order_after_the_cursor(storage: Storage) -> None:
    await storage.events.record([event(1), event(2)], [])
    await storage.events.record([event(3, "a2"), event(4)], [])
    assert await storage.events.last_seq() == 4
    assert [e.seq for e in await storage.events.events_since(0, 10)] == [1, 2, 3, 4]
    assert [e.seq for e in await storage.events.events_since(2, 10)] == [3, 4]
    assert await storage.events.events_since(4, 10) == []
    assert list(await storage.events.events_since(0, 10)) == [
        event(1),
        event(2),
        event(3, "a2"),
        event(4),
    ]


async def test_paging_by_cursor_reads_every_event_once(storage: Storage) -> None:
    await storage.events.record([event(seq) for seq in range(1, 8)], [])
    seen: list[int] = []
    cursor = 0
    while page := await storage.events.events_since(cursor, 3):
        assert len(page) <= 3
        seen += [e.seq for e in page]
        cursor = page[-1].seq
    assert seen == list(range(1, 8))


async def test_an_agents_replay_holds_only_its_events_after_the_cursor(storage: Storage) -> None:
    agents = ["a1", "a2", None, "a1", "a2", "a1"]
    await storage.events.record([event(n, a) for n, a in enumerate(agents, 1)], [])
    assert [e.seq for e in await storage.events.events_after("a1", 0, 10)] == [1, 4, 6]
    assert [e.seq for e in await storage.events.events_after("a1", 1, 10)] == [4, 6]
    assert [e.seq for e in await storage.events.events_after("a1", 0, 2)] == [1, 4]
    assert await storage.events.events_after("a3", 0, 10) == []


async def test_a_call_record_holds_the_calls_last_stored_state(storage: Storage) -> None:
    campaign_id = a_campaign(storage, agents=("a1",))
    assert await storage.events.call_record("call-1") is None
    await storage.events.record([event(1)], [a_call(campaign_id)])
    answered = a_call(
        campaign_id,
        state=CallState.CONNECTED,
        agent_id="a1",
        user_crt="crt-u",
        screen_pop_id="pop-1",
        answered_at=7.5,
        disposition_note="note",
        tpv=True,
    )
    await storage.events.record([], [answered])
    record = await storage.events.call_record("call-1")
    assert record is not None
    assert record.record_id is None
    assert (record.call.state, record.call.agent_id, record.call.answered_at) == (
        CallState.CONNECTED,
        "a1",
        7.5,
    )
    assert (record.call.campaign_id, record.call.customer_crt, record.call.tpv) == (
        campaign_id,
        "crt-c",
        True,
    )
    assert (record.call.screen_pop_id, record.call.disposition_note) == ("pop-1", "note")


async def test_a_screen_pops_record_id_is_kept_for_its_agent_only(storage: Storage) -> None:
    campaign_id = a_campaign(storage, agents=("a1",))
    call = a_call(campaign_id, agent_id="a1", screen_pop_id="pop-1")
    await storage.events.record([], [call])
    assert not await storage.events.set_record_for_screen_pop("pop-1", "a2", "rec-x")
    assert not await storage.events.set_record_for_screen_pop("pop-9", "a1", "rec-x")
    assert await storage.events.set_record_for_screen_pop("pop-1", "a1", "rec-1")
    record = await storage.events.call_record("call-1")
    assert record is not None
    assert record.record_id == "rec-1"


async def test_a_record_id_is_kept_by_either_legs_crt_id(storage: Storage) -> None:
    campaign_id = a_campaign(storage, agents=("a1",))
    await storage.events.record([], [a_call(campaign_id, agent_id="a1", user_crt="crt-u")])
    assert await storage.events.set_record_for_leg("crt-u", "a1", "rec-u")
    assert await storage.events.set_record_for_leg("crt-c", "a1", "rec-c")
    assert not await storage.events.set_record_for_leg("crt-c", "a2", "rec-x")
    assert not await storage.events.set_record_for_leg("crt-none", "a1", "rec-x")
    record = await storage.events.call_record("call-1")
    assert record is not None
    assert record.record_id == "rec-c"
    await storage.events.record([], [a_call(campaign_id, agent_id="a1", state=CallState.WRAP_UP)])
    record = await storage.events.call_record("call-1")
    assert record is not None
    assert record.record_id == "rec-c"


# -- leads and callbacks ---------------------------------------------------------------------


async def test_new_leads_join_the_end_of_the_list_and_known_ones_keep_their_place(
    storage: Storage,
) -> None:
    campaign_id = a_campaign(storage)
    other = a_campaign(storage, "Other")
    first = [Lead(f"lead-{n}", campaign_id, f"+1415555000{n}", f"L{n}", {"n": n}) for n in (1, 2)]
    await storage.events.record([], [], leads=first)
    await storage.events.record([], [], leads=[Lead("lead-x", other, "+14155550009")])
    dialled = Lead(
        "lead-1", campaign_id, "+19999999999", "changed", {}, LeadState.DIALLED, "a1", "call-9"
    )
    await storage.events.record(
        [], [], leads=[dialled, Lead("lead-3", campaign_id, "+14155550003")]
    )
    page = storage.leads.leads_of(campaign_id, [], 0, 10)
    assert [lead.lead_id for _, lead in page] == ["lead-1", "lead-2", "lead-3"]
    positions = [position for position, _ in page]
    assert positions == sorted(positions)
    kept = page[0][1]
    assert (kept.phone, kept.name, kept.data) == ("+14155550001", "L1", {"n": 1})
    assert (kept.state, kept.agent_id, kept.call_id) == (LeadState.DIALLED, "a1", "call-9")
    assert [lead.lead_id for lead in await storage.leads.pending_leads()] == [
        "lead-2",
        "lead-x",
        "lead-3",
    ]


async def test_a_leads_time_zones_come_back_with_it(storage: Storage) -> None:
    campaign_id = a_campaign(storage, agents=("a1",))
    spanning = Lead(
        "lead-1", campaign_id, "+16055550100", zones=("America/Chicago", "America/Denver")
    )
    unplaced = Lead("lead-2", campaign_id, "+80012345678")
    await storage.events.record([], [], leads=[spanning, unplaced])
    pending = await storage.leads.pending_leads()
    assert [(lead.lead_id, lead.zones) for lead in pending] == [
        ("lead-1", ("America/Chicago", "America/Denver")),
        ("lead-2", ()),
    ]
    [(_, listed), _] = storage.leads.leads_of(campaign_id, [], 0, 10)
    assert listed.zones == ("America/Chicago", "America/Denver")


async def test_a_leads_attempts_and_retry_time_come_back_with_it(storage: Storage) -> None:
    campaign_id = a_campaign(storage, agents=("a1",))
    lead = Lead("lead-1", campaign_id, "+14155550100")
    await storage.events.record([], [], leads=[lead])
    lead.attempts = (Attempt("call-1", 100.0, "busy"), Attempt("call-2", 800.5, "no_answer"))
    lead.next_try_at = 4400.5
    await storage.events.record([], [], leads=[lead])
    [pending] = await storage.leads.pending_leads()
    assert (pending.attempts, pending.next_try_at) == (lead.attempts, 4400.5)
    lead.state, lead.next_try_at = LeadState.DIALLED, None
    lead.attempts = (*lead.attempts, Attempt("call-3", 5000.0, "Sale"))
    await storage.events.record([], [], leads=[lead])
    [(_, listed)] = storage.leads.leads_of(campaign_id, [], 0, 10)
    assert (listed.state, listed.attempts, listed.next_try_at) == (
        LeadState.DIALLED,
        lead.attempts,
        None,
    )
    assert await storage.leads.pending_leads() == []


async def test_a_lead_dialled_on_a_call_the_floor_still_holds_comes_back_with_its_call(
    storage: Storage,
) -> None:
    campaign_id = a_campaign(storage, agents=("a1",))
    on_live = Lead("lead-1", campaign_id, "+14155550101", state=LeadState.DIALLED, call_id="c1")
    on_gone = Lead("lead-2", campaign_id, "+14155550102", state=LeadState.DIALLED, call_id="c2")
    waiting = Lead("lead-3", campaign_id, "+14155550103")
    ringing = Call("c1", CallType.PREDICTIVE, campaign_id, "+14155550101", "crt-1", 5.0)
    ringing.state = CallState.RINGING
    await storage.events.record(
        [], [], leads=[on_live, on_gone, waiting], floor=FloorChanges(calls=[ringing])
    )
    pending = await storage.leads.pending_leads()
    assert [(lead.lead_id, lead.state, lead.call_id) for lead in pending] == [
        ("lead-1", LeadState.DIALLED, "c1"),
        ("lead-3", LeadState.NEW, None),
    ]


async def test_a_lead_list_reads_by_state_and_by_pages(storage: Storage) -> None:
    campaign_id = a_campaign(storage)
    states = [LeadState.NEW, LeadState.PRESENTED, LeadState.DIALLED, LeadState.SKIPPED]
    leads = [
        Lead(f"lead-{n}", campaign_id, f"+1415555000{n}", state=state)
        for n, state in enumerate(states * 2)
    ]
    await storage.events.record([], [], leads=leads)
    waiting = storage.leads.leads_of(campaign_id, ["new", "presented"], 0, 10)
    assert [lead.lead_id for _, lead in waiting] == ["lead-0", "lead-1", "lead-4", "lead-5"]
    first = storage.leads.leads_of(campaign_id, [], 0, 3)
    rest = storage.leads.leads_of(campaign_id, [], first[-1][0], 10)
    assert [lead.lead_id for _, lead in first + rest] == [f"lead-{n}" for n in range(8)]
    assert storage.leads.leads_of(campaign_id, [], rest[-1][0], 10) == []
    pending = await storage.leads.pending_leads()
    assert [lead.lead_id for lead in pending] == ["lead-0", "lead-1", "lead-4", "lead-5"]
    assert all(lead.state is LeadState.NEW for lead in pending)  # shown ones wait again


async def test_callbacks_not_dialled_nor_blocked_come_back_by_due_time(storage: Storage) -> None:
    campaign_id = a_campaign(storage, agents=("a1",))

    def callback(n: int, due: float, state: CallbackState = CallbackState.SCHEDULED) -> Callback:
        return Callback(f"cb-{n}", campaign_id, "+14155550000", due, "a1", None, {"n": n}, state)

    await storage.events.record(
        [], [], callbacks=[callback(1, 30), callback(2, 10), callback(3, 20)]
    )
    await storage.events.record([], [], callbacks=[callback(3, 20, CallbackState.DIALLED)])
    await storage.events.record([], [], callbacks=[callback(4, 5, CallbackState.BLOCKED)])
    pending = await storage.leads.pending_callbacks()
    assert [(c.callback_id, c.due_at, c.params) for c in pending] == [
        ("cb-2", 10, {"n": 2}),
        ("cb-1", 30, {"n": 1}),
    ]
    assert (pending[0].scheduled_by, pending[0].for_agent) == ("a1", None)


# -- sessions and the audit log ----------------------------------------------------------------


async def test_a_session_is_found_by_token_and_is_the_agents_active_one(storage: Storage) -> None:
    a_campaign(storage, agents=("a1", "a2"))
    await storage.sessions.create_session("s1", "hash-1", "a1", "https://crm.example", 10.0, "c1")
    found = await storage.sessions.session_by_token("hash-1")
    assert found is not None
    assert (found.session_id, found.agent_id, found.crm_origin) == (
        "s1",
        "a1",
        "https://crm.example",
    )
    assert (found.created_at, found.ended_at, found.crm_session_id) == (10.0, None, "c1")
    assert await storage.sessions.active_session_of("a1") == found
    assert await storage.sessions.active_session_of("a2") is None
    assert await storage.sessions.session_by_token("hash-9") is None


async def test_an_ended_session_keeps_its_first_end(storage: Storage) -> None:
    a_campaign(storage, agents=("a1",))
    await storage.sessions.create_session("s1", "hash-1", "a1", "https://crm.example", 10.0)
    await storage.sessions.end_session("s1", "logout", 20.0)
    await storage.sessions.end_session("s1", "idle", 30.0)
    assert await storage.sessions.active_session_of("a1") is None
    ended = await storage.sessions.session_by_token("hash-1")
    assert ended is not None
    assert (ended.ended_at, ended.end_reason) == (20.0, "logout")


async def test_the_open_sessions_are_those_not_ended_oldest_first(storage: Storage) -> None:
    a_campaign(storage, agents=("a1", "a2", "a3"))
    for n in (3, 1, 2):
        await storage.sessions.create_session(f"s{n}", f"hash-{n}", f"a{n}", "https://c", n)
    await storage.sessions.end_session("s2", "logout", 5.0)
    open_ = await storage.sessions.open_sessions()
    assert [s.session_id for s in open_] == ["s1", "s3"]
    assert all(s.ended_at is None for s in open_)
    assert [s.created_at for s in open_] == [1.0, 3.0]


async def test_the_audit_log_reads_after_a_cursor_in_order(storage: Storage) -> None:
    for n in range(5):
        await storage.audit.append_audit(float(n), "login", f"a{n}", "client", None)
    everything = await storage.audit.audit_after(0, 100)
    assert [e.username for e in everything] == [f"a{n}" for n in range(5)]
    ids = [e.audit_id for e in everything]
    assert ids == sorted(ids)
    assert len(set(ids)) == 5
    assert (everything[0].at, everything[0].action, everything[0].client) == (
        0.0,
        "login",
        "client",
    )
    page = await storage.audit.audit_after(ids[1], 2)
    assert [e.username for e in page] == ["a2", "a3"]
    assert await storage.audit.audit_after(ids[-1], 100) == []


# -- webhooks ----------------------------------------------------------------------------------


async def test_a_webhook_keeps_its_cursor_when_its_url_changes(storage: Storage) -> None:
    await storage.webhooks.put_webhook("zeta", "https://z.example/hook", "s-z", 0)
    await storage.webhooks.put_webhook("alpha", "https://a.example/hook", "s-a", 7)
    await storage.webhooks.put_webhook("alpha", "https://a2.example/hook", "s-a2", 99)
    assert await storage.webhooks.webhooks() == [
        ("alpha", "https://a2.example/hook", "s-a2", 7),
        ("zeta", "https://z.example/hook", "s-z", 0),
    ]
    assert await storage.webhooks.delete_webhook("zeta")
    assert not await storage.webhooks.delete_webhook("zeta")
    assert [name for name, *_ in await storage.webhooks.webhooks()] == ["alpha"]


async def test_a_delivered_event_moves_the_cursor_forward_only(storage: Storage) -> None:
    await storage.webhooks.put_webhook("crm", "https://crm.example/hook", "s", 3)
    await storage.webhooks.log_delivery("crm", 4, 1, 100.0, "failed", "HTTP 500")
    assert (await storage.webhooks.webhooks())[0][3] == 3
    await storage.webhooks.log_delivery("crm", 4, 2, 101.0, "delivered", "HTTP 200")
    assert (await storage.webhooks.webhooks())[0][3] == 4
    await storage.webhooks.log_delivery("crm", 2, 1, 102.0, "delivered", "HTTP 200")
    assert (await storage.webhooks.webhooks())[0][3] == 4


async def test_the_delivery_log_keeps_the_last_attempts_oldest_first(storage: Storage) -> None:
    await storage.webhooks.put_webhook("crm", "https://crm.example/hook", "s", 0)
    await storage.webhooks.put_webhook("other", "https://other.example/hook", "s", 0)
    for n in range(1, 5):
        await storage.webhooks.log_delivery("crm", n, 1, float(n), "delivered", f"HTTP 20{n}")
    await storage.webhooks.log_delivery("other", 1, 1, 9.0, "failed", None)
    last = await storage.webhooks.deliveries("crm", 2)
    assert [(d["seq"], d["detail"]) for d in last] == [(3, "HTTP 203"), (4, "HTTP 204")]
    assert set(last[0]) >= {"delivery_id", "webhook", "seq", "attempt", "at", "status", "detail"}
    assert last[0]["delivery_id"] < last[1]["delivery_id"]
    assert [d["status"] for d in await storage.webhooks.deliveries("other", 10)] == ["failed"]
    assert await storage.webhooks.deliveries("nobody", 10) == []


# -- the lifecycle -----------------------------------------------------------------------------


async def test_a_migrated_storage_answers_a_ping_and_migrates_again_harmlessly(
    storage: Storage,
) -> None:
    await storage.ping()
    storage.migrate()
    await storage.ping()
