"""Groq LLM client, prompts and output guard. Knows nothing of Rasa; actions inject it."""
