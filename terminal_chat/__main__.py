"""Chat with the running assistant in this terminal: `python -m terminal_chat` (`make run` opens it).

It talks to the Rasa server `make run` started, over its REST channel, so the terminal, the website
and REST clients all talk to one assistant. The bot's buttons and menu cards are numbered: type a
number to pick one, or type anything else as a message. LLM answers appear as they are written
when the action server's stream endpoint is reachable. When a member of staff takes the conversation
over, their messages appear under their name as they send them (polled once a second). Ctrl-D, Ctrl-C or /stop quits; NO_COLOR=1
turns colours off.
"""

from __future__ import annotations

import argparse
import sys
import threading

import httpx
from prompt_toolkit import PromptSession
from prompt_toolkit.application import run_in_terminal
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.output import ColorDepth, create_output
from prompt_toolkit.shortcuts import print_formatted_text
from prompt_toolkit.styles import Style
from prompt_toolkit.utils import get_cwidth

from terminal_chat.client import AnswerStream, Assistant, PushedMessages
from terminal_chat.render import BOT, Option, Screen, choice, render_turn
from terminal_chat.settings import ChatSettings

STYLE = Style.from_dict(
    {
        "bot": "ansigreen",
        "staff": "ansimagenta bold",
        "card": "ansicyan",
        "options": "ansiyellow",
        "you": "ansiblue bold",
        "note": "ansibrightblack",
        "error": "ansired",
    }
)
QUIT = {"/stop", "/quit", "/exit"}


def colours_off() -> bool:
    """https://no-color.org: any non-empty NO_COLOR turns colours off."""
    return bool(ChatSettings().no_color)


class Chat:
    """The prompt loop: read a line, send it (or the option its number picks), print the answer."""

    def __init__(self, assistant: Assistant, stream_url: str | None) -> None:
        self.assistant = assistant
        self.stream_url = stream_url
        self.depth = ColorDepth.DEPTH_1_BIT if colours_off() else None
        self.session: PromptSession[str] = PromptSession(color_depth=self.depth, style=STYLE)
        self.options: list[Option] = []
        self.streaming = False  # a streamed answer is being written on the current line
        self.output = create_output()
        self.printing = threading.Lock()  # the prompt loop and the staff-message poll print in turn

    def show(self, lines: list[tuple[str, str]]) -> None:
        with self.printing:
            for style, text in lines:
                print_formatted_text(
                    FormattedText([(f"class:{style}", text)]), style=STYLE, color_depth=self.depth
                )

    def show_pushed(self, messages: list[dict]) -> None:
        """A person's messages, printed above the prompt when one is open (from the poll's thread)."""
        lines = render_turn(messages, self.output.get_size().columns).lines
        app = self.session.app
        if app.is_running and app.loop is not None:
            app.loop.call_soon_threadsafe(lambda: run_in_terminal(lambda: self.show(lines)))
        else:  # the guest's own turn is under way: printed between its lines
            self.show(lines)

    def run(self) -> None:
        self.show(
            [
                ("note", f"conversation id: {self.assistant.sender}"),
                ("note", "Type a message, or the number of an option. Ctrl-D or /stop quits."),
            ]
        )
        poll = PushedMessages(self.assistant.rasa_url, self.assistant.sender, self.show_pushed)
        poll.start()
        try:
            self.prompt_loop()
        finally:
            poll.stop()

    def prompt_loop(self) -> None:
        while True:
            typed = self.session.prompt([("class:you", "you> ")], bottom_toolbar=self.toolbar).strip()
            if typed in QUIT:
                return
            if not typed:
                continue
            picked = choice(typed, self.options)
            if picked:
                self.show([("note", f"{' ' * len(BOT)}→ {picked.title}")])
            self.turn(picked.payload if picked else typed)

    def toolbar(self) -> str:
        if self.options:
            return f" 1-{len(self.options)} picks an option, or type a message · Ctrl-D quits "
        return " type a message · Ctrl-D quits "

    def turn(self, message: str) -> None:
        self.streaming = False
        # a preview is only worth it on a screen, which can take it back when the checked answer comes
        live = self.stream_url and sys.stdout.isatty()
        stream = AnswerStream(self.stream_url, self.write_piece) if live else None
        if stream:
            stream.start()
        try:
            messages = self.assistant.say(message, stream.message_id if stream else None)
        except httpx.HTTPStatusError as error:
            messages = [
                {
                    "text": f"(the assistant answered HTTP {error.response.status_code}: "
                    f"{error.response.text[:200]})"
                }
            ]
        except httpx.HTTPError as error:
            self.show([("error", f"(cannot reach the assistant at {self.assistant.rasa_url}: {error})")])
            return
        finally:
            if stream:
                stream.finish()
        if stream and stream.text:  # the checked whole answer replaces the preview, as in the widget
            self.erase_preview(BOT + stream.text)
        screen: Screen = render_turn(messages, self.output.get_size().columns)
        self.options = screen.options
        self.show(screen.lines)

    def erase_preview(self, preview: str) -> None:
        sys.stdout.write("\n")
        sys.stdout.flush()
        columns = self.output.get_size().columns
        rows = sum(max(1, -(-get_cwidth(line) // columns)) for line in preview.split("\n"))
        self.output.cursor_up(rows)
        self.output.write_raw("\r")
        self.output.erase_down()
        self.output.flush()

    def write_piece(self, piece: str) -> None:
        """A piece of an LLM answer as it is written (the checked whole follows over REST)."""
        if not self.streaming:
            self.streaming = True
            sys.stdout.write(BOT)
        sys.stdout.write(piece)
        sys.stdout.flush()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    settings = ChatSettings()
    parser = argparse.ArgumentParser(prog="python -m terminal_chat", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url",
        default=settings.rasa(),
        help="the Rasa server (default: RASA_URL, else http://127.0.0.1:$RASA_PORT)",
    )
    parser.add_argument(
        "--stream-url",
        default=settings.stream(),
        help="the action server's answer stream (default: CHAT_STREAM_URL); '' turns streaming off",
    )
    parser.add_argument(
        "--sender", help="continue this conversation (an id the server issued); default: a new one"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        assistant = Assistant(args.url, args.sender)
    except httpx.HTTPError as error:
        print(f"cannot reach the assistant at {args.url}: {error}", file=sys.stderr)
        return 1
    try:
        Chat(assistant, args.stream_url or None).run()
    except (EOFError, KeyboardInterrupt):
        pass
    finally:
        assistant.close()
    print("bye")
    return 0


if __name__ == "__main__":
    sys.exit(main())
