"""The assistant's core: what the actions know without Rasa (matching dishes, formatting replies,
pickup times, cart and checkout rules, what a guest stated over plain event dicts).

Nothing here imports rasa_sdk (tests/actions/test_core_is_rasa_free.py): the actions in actions/
read the tracker, call one backend service and hand plain values to these functions.
"""
