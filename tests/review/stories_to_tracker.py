"""Stores conversation tests as Rasa's SQLTrackerStore stores conversations (run with .venv-rasa/bin/python):
the review tool's input for conversations this bot really has. `make test` checks every story in
tests/conversations with `rasa test --fail-on-prediction-errors`, so a review export of one of them
must pass that check too.

    .venv-rasa/bin/python -m tests.review.stories_to_tracker DB "STORIES.yml::story name=sender" ...

The events are the story's own, made explicit as Rasa makes them (the listens before each message, the
slots its entities fill), after a session start. A sender written `name=sender+pii` has personal data
appended to its first message (after the annotated entities, so their offsets still hold), which the
export must mask.
"""

from __future__ import annotations

import asyncio
import sys

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted, UserUttered
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader

from tests.review.make_tracker_fixture import write

PII = " - mail me at anna.smith@example.com or call +44 20 7946 0958"


def conversation(steps: dict, domain: Domain, name: str, with_pii: bool) -> list[Event]:
    events: list[Event] = [ActionExecuted("action_session_start"), SessionStarted()]
    for event in steps[name].explicit_events(domain):
        if with_pii and isinstance(event, UserUttered):
            text = event.text.rstrip() + PII
            event = UserUttered(
                text,
                event.intent,
                event.entities,
                parse_data={**event.parse_data, "text": text},
                input_channel="rest",
            )
            with_pii = False
        events.append(event)
    return events


def main(db: str, *wanted: str) -> None:
    domain = Domain.load("domain.yml")
    conversations = []
    for spec in wanted:
        stories, rest = spec.split("::", 1)
        name, sender = rest.rsplit("=", 1)
        steps = {step.block_name: step for step in YAMLStoryReader(domain).read_from_file(stories)}
        with_pii = sender.endswith("+pii")
        conversations.append((sender.removesuffix("+pii"), conversation(steps, domain, name, with_pii)))
    asyncio.run(write(db, conversations))


if __name__ == "__main__":
    main(*sys.argv[1:])
