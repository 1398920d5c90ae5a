"""The do-not-call list as the admin API uses it: numbers normalised before they are stored,
bad input refused with nothing stored, every stored change audited and told to whoever holds
the list in force, and nothing told of a refused one."""

from __future__ import annotations

import pytest

from agentbar.clock import VirtualClock
from agentbar.phones import InvalidPhone
from agentbar.ports import DoNotCallEntry
from agentbar.services.audit import ADMIN_DELETE, ADMIN_IMPORT, ADMIN_PUT, Audit
from agentbar.services.do_not_call import DoNotCallList, Imported, InvalidNote, MalformedCsv
from tests.support.memory_storage import MemoryStorage

CLIENT = "192.0.2.7"


class Told:
    """The `changed` callback: counts how often it was told, and what the list held then."""

    def __init__(self, storage: MemoryStorage) -> None:
        self.storage = storage
        self.seen: list[frozenset[str]] = []

    async def __call__(self) -> None:
        self.seen.append(await self.storage.do_not_call.numbers())


@pytest.fixture
def storage() -> MemoryStorage:
    return MemoryStorage()


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(start=1_800_000_000.0)


@pytest.fixture
def told(storage: MemoryStorage) -> Told:
    return Told(storage)


@pytest.fixture
def dnc(storage: MemoryStorage, clock: VirtualClock, told: Told) -> DoNotCallList:
    return DoNotCallList(storage.do_not_call, clock, Audit(storage.audit, clock), changed=told)


def audited(storage: MemoryStorage) -> list[tuple[str, str | None, str | None]]:
    return [(e.action, e.client, e.reason) for e in storage.tables.audit]


async def note_of(dnc: DoNotCallList, phone: str) -> str | None:
    entry = await dnc.entry(phone)
    assert entry is not None, f"{phone} is not listed"
    return entry.note


async def test_a_number_written_any_way_is_listed_in_e164(
    dnc: DoNotCallList, storage: MemoryStorage, clock: VirtualClock, told: Told
) -> None:
    entry = await dnc.put("(408) 555-1212", "  asked on the phone ", client=CLIENT)
    assert entry == DoNotCallEntry("+14085551212", "asked on the phone", clock.now())
    assert await dnc.numbers() == frozenset({"+14085551212"})
    assert await dnc.entry("+1 408 555 1212") == entry
    assert told.seen == [frozenset({"+14085551212"})]
    assert audited(storage) == [(ADMIN_PUT, CLIENT, "do-not-call '+14085551212'")]


async def test_listing_again_changes_the_note_and_keeps_the_first_time(
    dnc: DoNotCallList, clock: VirtualClock
) -> None:
    first = await dnc.put("+14085551212", "asked", client=CLIENT)
    clock.advance(3600)
    again = await dnc.put("4085551212", None, client=CLIENT)
    assert again == DoNotCallEntry("+14085551212", None, first.added_at)


@pytest.mark.parametrize(
    ("phone", "note", "refusal"),
    [
        ("+1 555", None, InvalidPhone),
        ("not a number", None, InvalidPhone),
        ("+14085551212", "n" * 201, InvalidNote),
        ("+14085551212", "two\nlines", InvalidNote),
    ],
)
async def test_bad_input_is_refused_and_nothing_is_stored_told_or_audited(
    dnc: DoNotCallList,
    storage: MemoryStorage,
    told: Told,
    phone: str,
    note: str | None,
    refusal: type[Exception],
) -> None:
    with pytest.raises(refusal):
        await dnc.put(phone, note, client=CLIENT)
    assert await dnc.numbers() == frozenset()
    assert told.seen == []
    assert audited(storage) == []


async def test_a_removed_number_is_told_and_audited_and_an_unlisted_one_is_not(
    dnc: DoNotCallList, storage: MemoryStorage, told: Told
) -> None:
    await dnc.put("+14085551212", None, client=CLIENT)
    assert await dnc.remove("(408) 555-1212", client=CLIENT) is True
    assert await dnc.remove("+14085551212", client=CLIENT) is False
    with pytest.raises(InvalidPhone):
        await dnc.remove("+1 555", client=CLIENT)
    assert told.seen == [frozenset({"+14085551212"}), frozenset()]
    assert audited(storage)[1:] == [(ADMIN_DELETE, CLIENT, "do-not-call '+14085551212'")]


async def test_an_import_lists_new_numbers_and_counts_those_listed_already(
    dnc: DoNotCallList, storage: MemoryStorage, told: Told
) -> None:
    await dnc.put("+14085551212", "by phone", client=CLIENT)
    csv = 'phone,note\n+14085551212,from the file\n(408) 555-1213,"a, b"\n\n+14085551213,again\n'
    assert await dnc.import_csv(csv, client=CLIENT) == Imported(added=1, already_listed=2)
    assert await note_of(dnc, "+14085551212") == "by phone"
    assert await note_of(dnc, "+14085551213") == "a, b"
    assert told.seen[-1] == frozenset({"+14085551212", "+14085551213"})
    assert audited(storage)[-1] == (ADMIN_IMPORT, CLIENT, "do-not-call import: 1 number(s) added")


async def test_an_import_with_a_bad_line_stores_tells_and_audits_nothing(
    dnc: DoNotCallList, storage: MemoryStorage, told: Told
) -> None:
    csv = "+14085551212\n+14085551213\n+1 555\n+14085551214\n"
    with pytest.raises(MalformedCsv, match=r"^line 3: '\+1 555' is not a possible phone number"):
        await dnc.import_csv(csv, client=CLIENT)
    assert await dnc.numbers() == frozenset()
    assert told.seen == []
    assert audited(storage) == []


async def test_an_import_that_adds_nothing_changes_nothing(
    dnc: DoNotCallList, storage: MemoryStorage, told: Told
) -> None:
    await dnc.put("+14085551212", None, client=CLIENT)
    assert await dnc.import_csv("+14085551212\n", client=CLIENT) == Imported(0, 1)
    assert await dnc.import_csv("phone,note\n\n", client=CLIENT) == Imported(0, 0)
    assert len(told.seen) == 1
    assert len(audited(storage)) == 1


async def test_pages_follow_each_other_to_the_last(dnc: DoNotCallList) -> None:
    phones = [f"+1408555{n:04d}" for n in range(7)]
    await dnc.import_csv("\n".join(reversed(phones)), client=CLIENT)
    seen: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        page, after = await dnc.page(after, 3)
        seen.extend(entry.phone for entry in page)
        pages += 1
        if after is None:
            break
    assert (seen, pages) == (phones, 3)
    page, after = await dnc.page(None, 7)
    assert (len(page), after) == (7, None)
