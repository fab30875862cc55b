"""What the Rasa server and the action server agree on about an action call's events.

The Rasa server (Python 3.10, with rasa) leaves out of each call the old events no action reads
(channels/speedups.py); the actions (Python 3.11, without rasa) read old messages only of these
intents. Neither environment's packages can import the other's, so the fact lives here, at the
repository root both run from.
"""

from __future__ import annotations

# Intents in which a guest states what they can't eat ("something without nuts", "I'm vegan"): the
# actions read such a message however long ago it was said (actions/core/constraints.py), so every action
# call carries them.
CONSTRAINT_INTENTS = frozenset({"recommend", "inform", "browse_menu"})
