"""A toolbar-socket client for integration tests: requests with answers, events by kind."""

from __future__ import annotations

import json
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin


class ToolbarClient:
    def __init__(self, url: str, origin: str, **connect_options: Any) -> None:
        """`connect_options` go to `websockets.sync.client.connect` (e.g. `source_address`)."""
        connection: ClientConnection = connect(url, origin=Origin(origin), **connect_options)
        self.connection = connection.__enter__()
        self.events: list[dict[str, Any]] = []
        self.events_in_order: list[dict[str, Any]] = []
        """Every event frame kept, in the order received (`events` loses those taken)."""
        self.views: list[dict[str, Any]] = []
        """`view` frames received, in order (each after the events sent together that changed
        it)."""
        self._next_id = 0

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> ToolbarClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send_raw(self, text: str) -> None:
        self.connection.send(text)

    def receive(self, timeout: float = 5.0) -> dict[str, Any]:
        frame: dict[str, Any] = json.loads(self.connection.recv(timeout=timeout))
        return frame

    def request(self, cmd: str, **fields: Any) -> dict[str, Any]:
        self._next_id += 1
        frame_id = self._next_id
        self.connection.send(json.dumps({"id": frame_id, "cmd": cmd, **fields}))
        return self.answer(frame_id)

    def answer(self, frame_id: int | None, timeout: float = 5.0) -> dict[str, Any]:
        while True:
            frame = self.receive(timeout)
            if "re" in frame and frame["re"] == frame_id:
                return frame
            self._keep(frame)

    def next_answer(self, timeout: float = 5.0) -> dict[str, Any]:
        """The next answer frame, whatever it answers (events meanwhile are kept)."""
        while True:
            frame = self.receive(timeout)
            if "re" in frame:
                return frame
            self._keep(frame)

    def _keep(self, frame: dict[str, Any]) -> None:
        if "event" in frame:
            self.events.append(frame)
            self.events_in_order.append(frame)
        elif "view" in frame:
            self.views.append(frame)

    def expect_ok(self, cmd: str, **fields: Any) -> dict[str, Any]:
        answer = self.request(cmd, **fields)
        assert answer["ok"], answer
        return answer

    def wait_event(self, kind: str, timeout: float = 5.0, **matching: Any) -> dict[str, Any]:
        """The first event of `kind` (whose data has `matching`) not yet taken."""
        while True:
            for index, frame in enumerate(self.events):
                data = frame["data"]
                if frame["event"] == kind and all(data.get(k) == v for k, v in matching.items()):
                    return self.events.pop(index)
            self._keep(self.receive(timeout))

    def wait_view(self, timeout: float = 5.0, **agent: Any) -> dict[str, Any]:
        """The first view not yet taken whose agent has `agent` (e.g. state="on_call")."""
        while True:
            for index, frame in enumerate(self.views):
                shown = frame["view"]["agent"]
                if all(shown.get(k) == v for k, v in agent.items()):
                    del self.views[: index + 1]
                    return frame
            self._keep(self.receive(timeout))

    def wait_closed(self, timeout: float = 5.0) -> tuple[int, str]:
        """Wait for the server to close the socket (events meanwhile are kept): its close code
        and reason."""
        try:
            while True:
                self._keep(self.receive(timeout))
        except ConnectionClosed as closed:
            if closed.rcvd is None:
                raise AssertionError("the socket closed without a close frame") from closed
            return closed.rcvd.code, closed.rcvd.reason
