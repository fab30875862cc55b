"""A deterministic stand-in for the model's judgement, used as the fake Groq server's default
responder in end-to-end tests. It behaves like a cooperative model: it picks the first candidates,
quotes the first document it was given, and answers tool prompts politely. Tests that need the
model to misbehave (invent prices, suggest a forbidden dish, leak its prompt) script that instead."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.fakes.groq_server import Reply, Text

CANDIDATE = re.compile(r"^id (\d+): ", re.MULTILINE)
SOURCE = re.compile(r"^\[([^\]\n]+)\]\n(.+)$", re.MULTILINE)


def user_text(body: dict[str, Any]) -> str:
    users = [m for m in body.get("messages", []) if m.get("role") == "user"]
    return str(users[-1].get("content") or "") if users else ""


def respond(body: dict[str, Any]) -> Reply:
    prompt = user_text(body)
    if body.get("response_format", {}).get("type") == "json_object":
        ids = [int(found) for found in CANDIDATE.findall(prompt)][:3]
        return Text(
            json.dumps(
                {"suggestions": [{"id": i, "reason": "A guest favourite that fits your mood."} for i in ids]}
            )
        )
    if body.get("tools"):
        return Text("I can help with our menu, your order and our opening hours. What would you like?")
    source = SOURCE.search(prompt)
    if source:
        return Text(f"Here's what I know from [{source.group(1)}]: {source.group(2).strip()[:200]}")
    return Text("I'm not sure about that. Would you like me to ask a member of our team?")
