"""The do-not-call list, every storage driver: a number listed once whatever the times it is
added, its note changed and its first time kept, taken off again; the list read in number
order a page at a time; a file's numbers added all together or not at all."""

from __future__ import annotations

import pytest

from agentbar.ports import DoNotCallEntry, Storage

AT = 1_800_000_000.0


def listed(phone: str, note: str | None = None, at: float = AT) -> DoNotCallEntry:
    return DoNotCallEntry(phone, note, at)


async def test_a_new_storage_lists_no_number(storage: Storage) -> None:
    dnc = storage.do_not_call
    assert await dnc.numbers() == frozenset()
    assert await dnc.listed(None, 10) == []
    assert await dnc.number("+14085551212") is None


async def test_a_number_added_twice_is_listed_once_with_its_first_time_and_last_note(
    storage: Storage,
) -> None:
    dnc = storage.do_not_call
    assert await dnc.put_number(listed("+14085551212", "asked on the phone", AT)) is True
    assert await dnc.put_number(listed("+14085551212", "asked in writing", AT + 60)) is False
    assert await dnc.number("+14085551212") == listed("+14085551212", "asked in writing", AT)
    assert await dnc.put_number(listed("+14085551212", None, AT + 120)) is False
    assert await dnc.number("+14085551212") == listed("+14085551212", None, AT)
    assert await dnc.numbers() == frozenset({"+14085551212"})


async def test_a_removed_number_is_gone_and_removing_it_again_says_so(storage: Storage) -> None:
    dnc = storage.do_not_call
    await dnc.put_number(listed("+14085551212"))
    await dnc.put_number(listed("+442079460958"))
    assert await dnc.remove_number("+14085551212") is True
    assert await dnc.remove_number("+14085551212") is False
    assert await dnc.remove_number("+15555550100") is False
    assert await dnc.number("+14085551212") is None
    assert await dnc.numbers() == frozenset({"+442079460958"})


async def test_the_list_is_read_in_number_order_a_page_at_a_time(storage: Storage) -> None:
    dnc = storage.do_not_call
    phones = ["+442079460958", "+14085551213", "+33142685300", "+14085551212", "+4930901820"]
    for phone in phones:
        await dnc.put_number(listed(phone))
    pages: list[list[str]] = []
    after: str | None = None
    while True:
        page = [entry.phone for entry in await dnc.listed(after, 2)]
        if not page:
            break
        pages.append(page)
        after = page[-1]
    assert pages == [
        ["+14085551212", "+14085551213"],
        ["+33142685300", "+442079460958"],
        ["+4930901820"],
    ]
    assert [e.phone for e in await dnc.listed("+2", 10)] == sorted(phones)[2:]


async def test_numbers_added_together_leave_listed_ones_as_they_are(storage: Storage) -> None:
    dnc = storage.do_not_call
    await dnc.put_number(listed("+14085551212", "first", AT))
    added = await dnc.add_numbers(
        [
            listed("+14085551212", "from the file", AT + 60),
            listed("+14085551213", "from the file", AT + 60),
            listed("+14085551214", None, AT + 60),
        ]
    )
    assert added == 2
    assert await dnc.number("+14085551212") == listed("+14085551212", "first", AT)
    assert await dnc.number("+14085551213") == listed("+14085551213", "from the file", AT + 60)
    assert await dnc.numbers() == frozenset({"+14085551212", "+14085551213", "+14085551214"})
    assert await dnc.add_numbers([]) == 0
    assert await dnc.add_numbers([listed("+14085551214")]) == 0


async def test_numbers_added_in_a_unit_of_work_that_fails_are_not_listed(
    storage: Storage,
) -> None:
    dnc = storage.do_not_call
    await dnc.put_number(listed("+14085551212"))

    async def add_then_fail() -> None:
        async with storage.transaction():
            assert await dnc.add_numbers([listed(f"+1408555130{i}") for i in range(5)]) == 5
            raise RuntimeError("the rest of the import failed")

    with pytest.raises(RuntimeError):
        await add_then_fail()
    assert await dnc.numbers() == frozenset({"+14085551212"})


async def test_many_numbers_are_added_in_one_go(storage: Storage) -> None:
    dnc = storage.do_not_call
    many = [listed(f"+1408{n:07d}") for n in range(5_000)]
    assert await dnc.add_numbers(many) == 5_000
    assert await dnc.numbers() == frozenset(entry.phone for entry in many)
