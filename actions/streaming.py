"""Live text of an answer while the LLM writes it, for the website widget.

The widget opens `GET /stream/<message id>` (server-sent events) before it sends the guest's
message with that id in its metadata. The action answering the message publishes checked text
pieces here as they are generated; the complete reply still goes through Rasa as a normal bot
message (so REST, the terminal chat and the tracker see whole messages). One process keeps the
streams in memory: with several action servers, route /stream/ to the instance handling the
conversation (sticky by sender), or replace this hub with Redis pub/sub.
"""

from __future__ import annotations

import asyncio
import enum
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Final


class _Done(enum.Enum):
    """The end of a stream, as a type of its own: a queue holds text pieces or this."""

    DONE = enum.auto()


DONE: Final = _Done.DONE


@dataclass
class _Stream:
    queue: asyncio.Queue[str | _Done] = field(default_factory=asyncio.Queue)
    created: float = field(default_factory=time.monotonic)


class StreamHub:
    def __init__(self, *, ttl_seconds: float = 120.0, max_streams: int = 10_000) -> None:
        self._streams: dict[str, _Stream] = {}
        self._ttl = ttl_seconds
        self._max = max_streams

    def _get(self, message_id: str) -> _Stream:
        self._expire()
        stream = self._streams.get(message_id)
        if stream is None:
            stream = self._streams[message_id] = _Stream()
        return stream

    def _expire(self) -> None:
        now = time.monotonic()
        for key in [k for k, s in self._streams.items() if now - s.created > self._ttl]:
            del self._streams[key]
        while len(self._streams) > self._max:
            del self._streams[next(iter(self._streams))]

    def publish(self, message_id: str, text: str) -> None:
        if text:
            self._get(message_id).queue.put_nowait(text)

    def close(self, message_id: str) -> None:
        self._get(message_id).queue.put_nowait(DONE)

    async def listen(self, message_id: str, *, timeout: float = 30.0) -> AsyncIterator[str]:
        """Pieces of text until the answer is complete (or nothing comes for `timeout` seconds)."""
        stream = self._get(message_id)
        try:
            while True:
                item = await asyncio.wait_for(stream.queue.get(), timeout)
                if item is DONE:
                    return
                yield item
        except asyncio.TimeoutError:
            return
        finally:
            self._streams.pop(message_id, None)


_hub: StreamHub | None = None


def hub() -> StreamHub:
    global _hub
    if _hub is None:
        _hub = StreamHub()
    return _hub
