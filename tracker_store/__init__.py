"""Rasa tracker stores of this project (endpoints.yml `tracker_store.type`)."""
