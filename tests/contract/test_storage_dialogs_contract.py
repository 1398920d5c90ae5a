"""The telephony driver's kept dialogs, every driver: what is saved comes back equal, by key; a
later save replaces the earlier; a forgotten dialog is gone; and nothing of it is the caller's
own object."""

from __future__ import annotations

from typing import Any

from agentbar.ports import Storage


def a_dialog(call_id: str, cseq: int = 2) -> dict[str, Any]:
    """A document shaped as the SIP driver writes one: nested objects, lists, nulls."""
    return {
        "call_id": call_id,
        "role": "customer",
        "crt": None,
        "local": '"Ünïcode" <sip:+18005550100@127.0.0.1:5060>;tag=abc',
        "address": ["127.0.0.1", 5062],
        "cseq": cseq,
        "incoming": True,
        "origin": {"session": 1234567, "version": 3, "host": "127.0.0.1"},
        "sent_sdp": "v=0\r\no=agentbar 1234567 3 IN IP4 127.0.0.1\r\n",
    }


async def test_a_new_storage_keeps_no_dialogs(storage: Storage) -> None:
    assert await storage.dialogs.load_all() == {}


async def test_dialogs_come_back_as_saved_by_key(storage: Storage) -> None:
    dialogs = storage.dialogs
    long_key = "f" * 300 + "@trunk.example"  # a Call-ID has no length limit
    await dialogs.save("a1b2@127.0.0.1", a_dialog("call-1"))
    await dialogs.save(long_key, a_dialog("call-2"))
    assert await dialogs.load_all() == {
        "a1b2@127.0.0.1": a_dialog("call-1"),
        long_key: a_dialog("call-2"),
    }


async def test_a_later_save_replaces_the_earlier(storage: Storage) -> None:
    dialogs = storage.dialogs
    await dialogs.save("k", a_dialog("call-1", cseq=2))
    await dialogs.save("k", a_dialog("call-9", cseq=3))
    assert await dialogs.load_all() == {"k": a_dialog("call-9", cseq=3)}


async def test_a_forgotten_dialog_is_gone_and_forgetting_twice_is_harmless(
    storage: Storage,
) -> None:
    dialogs = storage.dialogs
    await dialogs.save("k1", a_dialog("call-1"))
    await dialogs.save("k2", a_dialog("call-2"))
    await dialogs.forget("k1")
    await dialogs.forget("k1")
    await dialogs.forget("never-saved")
    assert await dialogs.load_all() == {"k2": a_dialog("call-2")}


async def test_what_is_kept_is_a_copy(storage: Storage) -> None:
    dialogs = storage.dialogs
    saved = a_dialog("call-1")
    await dialogs.save("k", saved)
    saved["origin"]["version"] = 99
    loaded = await dialogs.load_all()
    assert loaded["k"]["origin"]["version"] == 3
    loaded["k"]["cseq"] = 42
    assert (await dialogs.load_all())["k"]["cseq"] == 2
