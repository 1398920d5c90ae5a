"""Runtime: the one path by which anything changes.

A command (from an agent) or a signal (from telephony) is decided by the pure Center, then
its events are numbered and stored in one transaction with the calls they touched and what
changed of the live floor (agents, live calls, queues, timers), then published, then its
telephony instructions are carried out — in that order, so nothing is published or
acknowledged before it is durable.

Moves are decided one at a time (a decision never awaits), numbered as they are decided, and
stored by one writer in the order decided, which decides them in its turn to write, once the
database's write lock is had (services/move_writer.py): a database that takes no write refuses
them before any is decided, so memory never runs ahead of storage on a bad day, and a signal
refused so is tried again. The writer stores every move asked while it was busy in one
transaction (a group commit). Each move is published, told and carried out, in order, once
its batch is stored; only then is it acknowledged.

Because every move stores the floor as it leaves it, a process started after one that died
restores the floor from storage (`restore`): agents, calls and queues as they were, every
timer armed for the moment it was due, and then `RecoverFloor` makes again what only the dead
process held (a ringing offer, a lead on screen).

Only the node that owns the floor decides. Every stored move is also told to the other nodes
(the doors, services/door.py) over the floor link, numbered within the owner's epoch; a door's
runtime sends commands, notes and service requests to the owner (`serve_doors` answers them)
and reads the floor from its copy once the copy holds what the owner answered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from agentbar.domain.center import Center, Outcome
from agentbar.domain.model.commands import Command, RecoverFloor, Signal, TimerFired
from agentbar.domain.model.durable import FloorChanges
from agentbar.domain.model.errors import DomainError
from agentbar.domain.model.instructions import CancelTimer, Instruction, StartTimer
from agentbar.ports import (
    Cancellable,
    Clock,
    Envelope,
    EventBus,
    EventLog,
    Fenced,
    FloorStore,
    StorageUnavailable,
    TelephonyDriver,
)
from agentbar.ports.floor_link import (
    CommandAsk,
    FloorAnswer,
    FloorAsk,
    FloorLink,
    FloorMove,
    NoteAsk,
    OwnerBusy,
    OwnerUnreachable,
    ServiceAsk,
)
from agentbar.services.move_writer import Move, MoveWriter
from agentbar.services.owner_gate import OwnerGate
from agentbar.services.signal_pump import SignalPump

__all__ = ["RECONFIGURE", "OwnerBusy", "OwnerUnreachable", "Runtime"]

if TYPE_CHECKING:
    from agentbar.services.door import Door

ServiceHandler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]

ASK_PATIENCE = 10.0
"""Seconds a door waits for the owner to carry out what it asked: long enough to outlast a
failover (a lease of 5 s, then the takeover), after which the ask is dropped, not done late."""

OWNER_BUSY = "busy: the node that owns the floor is behind; nothing was done, try again in 1 s"

log = logging.getLogger(__name__)

RECONFIGURE = "runtime.reconfigure"


def _unstored_reason(failed: Exception) -> str:
    if isinstance(failed, Fenced):
        return str(failed)
    return f"a move could not be stored, so memory is ahead of storage ({failed})"


class Runtime:
    def __init__(
        self,
        center: Center,
        storage: EventLog,
        bus: EventBus,
        telephony: TelephonyDriver,
        clock: Clock,
        floor: FloorStore,
        link: FloorLink | None = None,
    ) -> None:
        self.center = center
        self._link = link
        self._moves = 0
        """Moves told to the doors in this epoch."""
        self._services: dict[str, ServiceHandler] = {}
        self.owner_gate: OwnerGate | None = None
        """While this node owns the floor: how much of the doors' asks it carries out at once,
        and whether it refuses their new work (none refused without it)."""
        self.door: Door | None = None
        """Set while this node serves as a door: what it is asked goes to the owner."""
        self._storage = storage
        self._floor = floor
        self._bus = bus
        self._telephony = telephony
        self._clock = clock
        self._writer = MoveWriter(
            storage,
            clock,
            carry_out=self._carry_out_move,
            fence=lambda: self.fence,
            unstored=self._unstored,
        )
        self._signals = SignalPump(self._ask_signal, lambda: self.halted is not None)
        self._seq = 0
        self._timers: dict[str, Cancellable] = {}
        self._watchers: list[Callable[[Envelope], None]] = []
        self.started = False
        self.fence: int | None = None
        """The floor lease's epoch this process decides under; every write carries it."""
        self.halted: str | None = None
        """Why this process decides nothing more: a move could not be stored."""
        self.on_unstored: Callable[[str], None] | None = None
        """Told when a move could not be stored: fenced (another node owns the floor now), or
        the write failed. Either way the floor in memory holds moves storage does not, and
        this process must not go on deciding from it."""

    async def restore(self) -> int:
        """Take back the floor the last process stored (call once, after the center is
        configured and before `start`); returns how many agents and calls came back."""
        image = await self._floor.load_floor()
        self.center.restore(image.agents, image.calls, image.queues, image.dialers)
        # What telephony reports about the calls it takes back waits in the inbox until
        # `start` pumps it, as do the timers that ran out while no process was running.
        self._telephony.attach(self._receive)
        phones = {
            agent.agent_id: agent.extension.phone
            for agent in self.center.agents.values()
            if agent.extension is not None
        }
        live = [*self.center.calls.values(), *self.center.handed_off.values()]
        await self._telephony.adopt(live, phones)
        now = self._clock.now()
        for key, due in image.timers.items():
            self._arm(key, due - now)
        return len(image.agents) + len(image.calls)

    async def recover(self) -> Outcome:
        """Make again what only the last process held: offers ringing, leads on screen."""
        return await self.command(RecoverFloor())

    async def start(self) -> None:
        self._seq = await self._storage.last_seq()
        self._telephony.attach(self._receive)
        await self._telephony.start()
        self._signals.start()
        self.started = True

    def watch(self, watcher: Callable[[Envelope], None]) -> None:
        """Have `watcher` see every event once it is stored and published (metrics)."""
        self._watchers.append(watcher)

    async def stop(self) -> None:
        await self._writer.drain()  # what was decided is stored before the process goes
        await self._signals.stop()
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        await self._telephony.stop()

    async def command(self, command: Command) -> Outcome:
        """Apply an agent's (or the system's) command. It returns once what telephony reported
        while carrying it out has been applied too (the simulator ends a call at once when an
        agent hangs up): a command is acknowledged only when all it caused is stored. On a
        door, the owner applies it; the outcome then holds its events and touched leads."""
        if self.is_door:
            answer = await self._ask_owner(CommandAsk(command))
            assert answer.events is not None
            return Outcome(events=answer.events, leads={x.lead_id: x for x in answer.leads})
        outcome = await self._apply(lambda now: self.center.handle(command, now))
        await self.caught_up()
        return outcome

    async def signal(self, signal: Signal) -> Outcome:
        return (await asyncio.shield(self._ask_signal(signal))).outcome

    def _ask_signal(self, signal: Signal) -> asyncio.Future[Move]:
        self._refuse_if_halted()
        return self._writer.ask(self._move_of(lambda now: self.center.signal(signal, now)))

    async def note(self, kind: str, agent_id: str, data: dict[str, Any]) -> Envelope:
        """Store and publish an event the service layer itself originates (sessions)."""
        if self.is_door:
            answer = await self._ask_owner(NoteAsk(kind, agent_id, data))
            assert answer.envelope is not None
            return answer.envelope
        self._refuse_if_halted()

        def move(now: float) -> tuple[list[Envelope], Outcome]:
            return [self._envelope(kind, now, agent_id, None, data)], Outcome()

        return (await self._writer.store(move)).envelopes[0]

    # -- one owner, many doors -----------------------------------------------------------------

    @property
    def is_door(self) -> bool:
        """Whether another node decides for this one (this node serves as a door)."""
        return self.door is not None and not self.started

    @property
    def ready(self) -> bool:
        """Whether this node can serve its clients: it owns the floor and decides, or it is a
        door whose copy of the floor is loaded."""
        return self.started or (self.door is not None and self.door.synced.is_set())

    async def holds(self, seq: int) -> None:
        """Until what this node reads of the floor includes the move of event `seq` (at once
        where the floor is decided)."""
        if self.is_door and self.door is not None:
            await self.door.holds(seq)

    def provide(self, name: str, handler: ServiceHandler) -> None:
        """What the owner does when a service on a door asks for `name` (see `on_owner`)."""
        self._services[name] = handler

    async def on_owner(
        self, name: str, args: dict[str, Any], *, new_work: bool = False
    ) -> dict[str, Any]:
        """Have the service `name` run where the floor is decided: here if this node owns the
        floor, else on the owner (answered once this door's copy shows what it did). New work
        (the first thing its request asks) may be refused there with OwnerBusy, nothing done."""
        if not self.is_door:
            return await self._services[name](args)
        answer = await self._ask_owner(ServiceAsk(name, args, new_work=new_work))
        assert answer.result is not None
        return answer.result

    async def reconfigured(self) -> None:
        """The stored configuration changed (campaigns, IVRs, settings, webhooks) and this node
        has reloaded it: every other node reloads it too."""
        if self.is_door:
            await self.on_owner(RECONFIGURE, {})
        else:
            await self._writer.store(lambda now: ([], Outcome()), reconfigured=True)

    async def announce(self) -> None:
        """Tell the doors this node owns the floor now, as a move that changes nothing: each
        reloads its copy from storage at once, not at this owner's first real move, which may
        be long in coming while the copy lacks what the last owner stored and never told."""
        if self._link is None or self.fence is None:
            return
        self._moves += 1
        await self._link.publish(FloorMove(self.fence, self._moves, FloorChanges()))

    def serve_doors(self) -> None:
        """This node owns the floor: carry out what the doors ask."""
        if self._link is not None:
            self._link.serve(self._answer_door)

    async def _ask_owner(self, ask: FloorAsk) -> FloorAnswer:
        assert self._link is not None
        door = self.door
        assert door is not None
        answer = await self._link.ask(ask, ASK_PATIENCE)
        mark = door.mark()
        if answer.refusal is not None:
            raise answer.refusal
        if self.is_door:  # else this node took the floor over meanwhile and answered itself
            await door.caught_up_with(answer, mark)
        return answer

    async def _answer_door(self, ask: FloorAsk) -> FloorAnswer:
        gate = self.owner_gate
        if gate is None:
            return await self._carry_out_ask(ask)
        if isinstance(ask, ServiceAsk) and ask.new_work and gate.refuses():
            return FloorAnswer(self.fence or 0, 0, refusal=OwnerBusy(OWNER_BUSY))
        with gate.carrying():
            return await self._carry_out_ask(ask)

    async def _carry_out_ask(self, ask: FloorAsk) -> FloorAnswer:
        epoch = self.fence or 0
        told_before = self._moves

        def moved_to() -> int:
            # The door waits until its copy holds this move. An ask that moved nothing has
            # nothing to wait for: a door loaded after this owner's last move cannot know
            # that it holds it, and would wait in vain.
            return self._moves if self._moves > told_before else 0

        try:
            if isinstance(ask, CommandAsk):
                outcome = await self.command(ask.command)
                leads = list(outcome.leads.values())
                return FloorAnswer(epoch, moved_to(), events=outcome.events, leads=leads)
            if isinstance(ask, NoteAsk):
                envelope = await self.note(ask.kind, ask.agent_id, ask.data)
                return FloorAnswer(epoch, moved_to(), envelope=envelope)
            result = await self._services[ask.name](ask.args)
            return FloorAnswer(epoch, moved_to(), result=result)
        except DomainError as refusal:
            return FloorAnswer(epoch, moved_to(), refusal=refusal)

    async def _tell_doors(
        self, envelopes: list[Envelope], outcome: Outcome, *, reconfigured: bool = False
    ) -> None:
        """Tell the doors a stored move (by the writer, so moves go out in order)."""
        if self._link is None or self.fence is None:
            return
        if not (envelopes or outcome.floor or outcome.leads or reconfigured):
            return
        self._moves += 1
        move = FloorMove(
            epoch=self.fence,
            number=self._moves,
            changes=outcome.floor,
            leads=list(outcome.leads.values()),
            events=envelopes,
            reconfigured=reconfigured,
        )
        await self._link.publish(move)

    def _receive(self, signal: Signal) -> None:
        self._signals.receive(signal)

    async def caught_up(self) -> None:
        """Wait until every signal received so far has been applied and stored (or refused),
        however many arrive meanwhile: what an API answers after telephony acted for it (a
        simulated customer's call) is then durable before it is acknowledged."""
        await self._signals.caught_up()

    async def settle(self) -> None:
        """Wait until every telephony signal received so far has been applied."""
        await self._signals.settle()

    async def _apply(self, decide: Callable[[float], Outcome]) -> Outcome:
        self._refuse_if_halted()
        return (await self._writer.store(self._move_of(decide))).outcome

    def _move_of(
        self, decide: Callable[[float], Outcome]
    ) -> Callable[[float], tuple[list[Envelope], Outcome]]:
        def move(now: float) -> tuple[list[Envelope], Outcome]:
            outcome = decide(now)  # a DomainError here has changed nothing
            events = outcome.events
            envelopes = [
                self._envelope(e.kind, now, e.topic_agent, e.topic_call, e.payload())
                for e in events
            ]
            return envelopes, outcome

        return move

    def _refuse_if_halted(self) -> None:
        if self.halted is not None:
            raise OwnerUnreachable(
                "the floor is starting over from storage; nothing was done, try again"
            )

    def _unstored(self, failed: Exception) -> BaseException:
        """A batch decided could not be stored: the floor in memory holds moves storage does
        not, so this process decides nothing more (another node owns the floor if the write
        was fenced; else this process starts over from storage). Returns what the refused
        callers are told."""
        self.halted = _unstored_reason(failed)
        log.error("%s", self.halted)
        told: BaseException = failed
        if not isinstance(failed, Fenced | StorageUnavailable):  # those say it already
            told = OwnerUnreachable("the change could not be stored; nothing was done")
            told.__cause__ = failed
        if self.on_unstored is not None:
            self.on_unstored(self.halted)
        return told

    async def _carry_out_move(self, move: Move) -> None:
        """Publish a stored move, tell it to the doors and carry out its instructions (by the
        writer, so moves go out in order)."""
        for envelope in move.envelopes:
            await self._publish(envelope)
        await self._tell_doors(move.envelopes, move.outcome, reconfigured=move.reconfigured)
        for instruction in move.outcome.instructions:
            await self._carry_out(instruction)

    async def _publish(self, envelope: Envelope) -> None:
        """A stored event goes to its subscribers, then to every watcher."""
        await self._bus.publish(envelope)
        for watcher in self._watchers:
            watcher(envelope)

    async def _carry_out(self, instruction: Instruction) -> None:
        """Timers are the runtime's own business (on its clock); the rest is telephony's."""
        if isinstance(instruction, StartTimer):
            self._arm(instruction.key, instruction.delay)
        elif isinstance(instruction, CancelTimer):
            timer = self._timers.pop(instruction.key, None)
            if timer is not None:
                timer.cancel()
        else:
            await self._telephony.execute(instruction)

    def _arm(self, key: str, delay: float) -> None:
        previous = self._timers.pop(key, None)
        if previous is not None:
            previous.cancel()

        def fire() -> None:
            self._timers.pop(key, None)
            self._receive(TimerFired(key))

        self._timers[key] = self._clock.call_later(delay, fire)

    @property
    def pending_timers(self) -> frozenset[str]:
        return frozenset(self._timers)

    def _envelope(
        self, kind: str, now: float, agent_id: str | None, call_id: str | None, data: dict[str, Any]
    ) -> Envelope:
        self._seq += 1
        return Envelope(self._seq, kind, now, agent_id, call_id, data)
