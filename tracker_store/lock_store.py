"""Rasa's Redis lock store with its ticket changes made atomic, so several Rasa servers really take turns.

Rasa 3.6's RedisLockStore keeps a conversation's ticket lock as one JSON value and changes it by
reading it, changing it in Python and writing it back. Two Rasa servers that receive a message of
the same conversation at the same moment both read "no lock", both create one, both take ticket 0
and both run the turn: the SQL tracker store then saves one turn's events over the other's, and a
guest's message is lost from the conversation (tests/prod/test_topology.py saw it). The same race
lets a server delete the lock just after another queued behind it, which then fails with LockError.

Here every change (issue a ticket, drop expired tickets, finish a ticket and delete the lock when no
one waits) is one optimistic Redis transaction (WATCH/MULTI/EXEC, retried on conflict by redis-py),
so each ticket number is handed out once and the lock disappears only when nobody holds a ticket.

A message waiting for its turn looks again every `poll_seconds` (0.05 s) instead of Rasa's 1 s, so a
guest who sends two messages at once is not kept waiting a second for the second reply.

    lock_store:
      type: tracker_store.lock_store.AtomicRedisLockStore
      poll_seconds: 0.05
      ...RedisLockStore's own settings (url, port, db, password, key_prefix, ...)...
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

T = TypeVar("T")
DEFAULT_POLL_SECONDS = 0.05


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        if endpoint_config is not None:  # built by Rasa from endpoints.yml
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs, **kwargs}
        self.poll_seconds = float(kwargs.pop("poll_seconds", DEFAULT_POLL_SECONDS))
        super().__init__(**kwargs)

    @asynccontextmanager
    async def lock(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = 1
    ) -> AsyncIterator[TicketLock]:
        async with super().lock(
            conversation_id, lock_lifetime, min(wait_time_in_seconds, self.poll_seconds)
        ) as held:
            yield held

    def _change(self, conversation_id: str, change: Callable[[TicketLock], T]) -> T:
        """One transaction: read the conversation's lock (an empty one if there is none), let `change`
        alter it, then write it back, or delete it once it holds no ticket. Returns what `change` did."""
        key = self.key_prefix + conversation_id

        def in_transaction(pipe: Any) -> T:
            stored = pipe.get(key)  # WATCHed: a write by another server in between restarts this
            lock = TicketLock.from_dict(json.loads(stored)) if stored else TicketLock(conversation_id)
            result = change(lock)
            pipe.multi()
            if lock.tickets:
                pipe.set(key, lock.dumps())
            else:
                pipe.delete(key)
            return result

        # redis-py is untyped: with value_from_callable, transaction() returns in_transaction's result
        result: T = self.red.transaction(in_transaction, key, value_from_callable=True)
        return result

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        return self._change(conversation_id, lambda lock: lock.issue_ticket(lock_lifetime))

    def update_lock(self, conversation_id: str) -> None:
        """Drop expired tickets (a server that died holding one does not block the conversation)."""
        self._change(conversation_id, lambda lock: lock.remove_expired_tickets())

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Finish the ticket; the lock goes with its last ticket, in the same transaction."""
        self.finish_serving(conversation_id, ticket_number)
