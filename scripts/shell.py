"""`rasa shell`'s own console, connected to the already running Rasa server.

`rasa shell` would load a second copy of the model in a second server; this runs the same
console client (rasa.core.channels.console) against the server `make run` started, over its
REST channel, so the terminal, the website and REST clients all talk to one assistant.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import urllib.request

from rasa.core.channels.console import record_messages


def new_conversation(server_url: str) -> str:
    """A conversation id from the REST channel, which accepts only ids it issued (channels/sessions.py)."""
    request = urllib.request.Request(f"{server_url}/webhooks/rest/session", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["sender"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    parser.add_argument("--sender", help="continue this conversation (an id the server issued); default: a new one")
    args = parser.parse_args()
    args.sender = args.sender or new_conversation(args.url)
    print(f"conversation id: {args.sender}")
    asyncio.run(record_messages(args.sender, server_url=args.url, use_response_stream=False))


if __name__ == "__main__":
    main()
