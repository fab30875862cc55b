"""What one turn of bot messages looks like in a terminal: pure functions, no I/O.

The REST channel hands back what Rasa's output channels produce: text, text with buttons, and
cards flattened by Rasa (`OutputChannel.send_elements`) into "title : subtitle" with the card's own
postback button. Each card becomes one line; every button gets a number, once per payload.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from prompt_toolkit.utils import get_cwidth

BOT = "bot> "
INDENT = " " * len(BOT)


@dataclass(frozen=True)
class Option:
    """A quick reply the guest can pick by typing its number."""

    number: int
    title: str
    payload: str


@dataclass(frozen=True)
class Card:
    """A menu card as the bot sent it: its title and the parts of its subtitle (price, diet marks)."""

    title: str
    details: list[str]
    button: dict[str, Any]


@dataclass
class Screen:
    """The lines to print (style class, text) and the options the next prompt accepts by number."""

    lines: list[tuple[str, str]] = field(default_factory=list)
    options: list[Option] = field(default_factory=list)


def as_card(message: dict[str, Any]) -> Card | None:
    """A card flattened by Rasa: "title : subtitle" and exactly one postback button."""
    buttons = message.get("buttons") or []
    text = message.get("text") or ""
    if len(buttons) != 1 or buttons[0].get("type") != "postback" or " : " not in text:
        return None
    title, _, subtitle = text.partition(" : ")
    return Card(title.strip(), [part.strip() for part in subtitle.split(" · ") if part.strip()], buttons[0])


def speaker(message: dict[str, Any]) -> str:
    """Whose message it is: a member of staff who took over the conversation, or the bot."""
    metadata = message.get("metadata") or {}
    if metadata.get("human"):
        return f"{metadata.get('staff') or 'staff'}> "
    return BOT


def wrap(text: str, width: int, first: str, rest: str = INDENT) -> list[str]:
    """Word-wrap by display width (emoji take two columns), keeping the bot's own line breaks."""
    lines: list[str] = []
    prefix = first
    for paragraph in text.split("\n"):
        line, used = prefix, get_cwidth(prefix)
        for word in paragraph.split(" "):
            cost = get_cwidth(word) + (0 if line == prefix else 1)
            if line != prefix and used + cost > width:
                lines.append(line)
                line, used, cost = rest + word, get_cwidth(rest), get_cwidth(word)
                used += cost
                continue
            line += ("" if line == prefix else " ") + word
            used += cost
        lines.append(line)
        prefix = rest
    return lines


def render_turn(messages: list[dict[str, Any]], width: int, first_number: int = 1) -> Screen:
    """Everything the bot said in one turn, with its buttons numbered from `first_number`."""
    screen = Screen()
    numbers: dict[str, Option] = {}
    card_payloads = {card.button.get("payload") for card in map(as_card, messages) if card}
    width = max(width - 1, 20)  # the last column would make some terminals wrap early

    def number(button: dict[str, Any]) -> Option:
        payload = str(button.get("payload") or button.get("title") or "")
        if payload not in numbers:
            numbers[payload] = Option(
                first_number + len(numbers), str(button.get("title") or payload), payload
            )
            screen.options.append(numbers[payload])
        return numbers[payload]

    for message in messages:
        card = as_card(message)
        if card:
            option = number(card.button)
            line = f"[{option.number}] " + " · ".join([card.title, *card.details])
            screen.lines.extend(("card", part) for part in wrap(line, width, INDENT, INDENT + "    "))
            continue
        who = speaker(message)
        style = "staff" if who != BOT else "bot"
        if message.get("text"):
            screen.lines.extend((style, line) for line in wrap(message["text"], width, who))
        if message.get("image"):
            screen.lines.append((style, f"{INDENT}(picture: {message['image']})"))
        # buttons that repeat a card's are shown once, on the card's line
        inline = [
            number(button)
            for button in message.get("buttons") or []
            if button.get("payload") not in card_payloads
        ]
        if inline:
            screen.lines.extend(("options", line) for line in option_rows(inline, width))
    return screen


def option_rows(options: list[Option], width: int) -> list[str]:
    """Options side by side, as many as fit a line; an option is never split across two lines."""
    rows: list[str] = []
    row = INDENT
    for option in options:
        label = f"[{option.number}] {option.title}"
        if row != INDENT and get_cwidth(row) + 2 + get_cwidth(label) > width:
            rows.append(row)
            row = INDENT
        row += ("" if row == INDENT else "  ") + label
    return rows + [row]


def choice(typed: str, options: list[Option]) -> Option | None:
    """The option a typed number picks; anything else is a message of its own."""
    text = typed.strip().rstrip(".)")
    if text.isdigit():
        for option in options:
            if option.number == int(text):
                return option
    return None
