"""Rasa action server package: thin actions over the backend client (see actions/*_actions.py)."""

from actions.logging_setup import configure_logging

configure_logging()
