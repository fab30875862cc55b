"""A conversation a person holds stays paused when its session expires.

Staff take a conversation over by pausing the assistant (Rasa's `ConversationPaused`, appended by the
backend's takeover). When the guest then says nothing for the session expiration time (domain.yml,
120 minutes) and writes again, Rasa 3.6 starts a new session, and `SessionStarted` resets the tracker,
pause included: the assistant answered a guest whose conversation a person still held. Here the
default `action_session_start` carries the pause into the new session, as it carries the slots: the
guest's message is logged for the staff member and the assistant stays quiet until they hand back
(`ConversationResumed`).

`install()` wraps Rasa's `ActionSessionStart.run` once per process; the channels do it when Rasa
loads them. In the Rasa process only: no call to the action server, nothing for a conversation that
was not paused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rasa.core.actions.action import ActionSessionStart
from rasa.shared.core.events import ConversationPaused, Event, SessionStarted

if TYPE_CHECKING:
    from rasa.core.channels.channel import OutputChannel
    from rasa.core.nlg.generator import NaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

_default_run = ActionSessionStart.run


async def _run_keeping_the_pause(
    self: ActionSessionStart,
    output_channel: OutputChannel,
    nlg: NaturalLanguageGenerator,
    tracker: DialogueStateTracker,
    domain: Domain,
) -> list[Event]:
    """Rasa's session start; when the session that ends was paused, the new one starts paused."""
    events = await _default_run(self, output_channel, nlg, tracker, domain)
    if not tracker.is_paused():
        return events
    after_start = next(
        (index + 1 for index, event in enumerate(events) if isinstance(event, SessionStarted)), len(events)
    )
    return [*events[:after_start], ConversationPaused(), *events[after_start:]]


def install() -> None:
    """Keep pauses across session starts in this process (idempotent)."""
    # replacing Rasa's method is the point (mypy still checks the replacement's signature)
    ActionSessionStart.run = _run_keeping_the_pause  # type: ignore[method-assign]
