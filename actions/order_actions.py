"""Taking an order into the cart: the order form, its validation, and cart changes."""

from __future__ import annotations

import abc
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecutionRejected, ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import slots, wiring
from actions.backend_calls import backend_call, tell_service_down
from actions.backend_client import BackendRejected, BackendUnavailable, Cart, MenuItem
from actions.common import (
    CART_LINE_INTENTS,
    YES_NO_BUTTONS,
    cart_id,
    current_cart_id,
    first_entity,
    is_confident,
    mentioned_item_id,
    open_cart,
    skip_empty,
)
from actions.core.cart import (
    ONE_SIZE,
    chosen_option_ids,
    describe_request,
    find_line,
    line_for,
    options_suffix,
    quantity_out_of_range,
    which_line_text,
)
from actions.core.formatting import cart_text, line_label, money, names
from actions.core.matching import match_dish, match_option, parse_quantity, requested_lines
from actions.digressions import answer_question, slots_before_this_message, unsure_question
from actions.settings import get_settings

logger = logging.getLogger(__name__)

FORM_SLOTS = (slots.DISH, slots.DISH_ID, slots.QUANTITY, slots.SIZE, slots.EXTRAS)
MAPPED_SLOTS = (
    slots.DISH,
    slots.QUANTITY,
    slots.SIZE,
    slots.EXTRAS,
)  # the ones domain.yml fills from a message


def _start_line(line: dict[str, Any], queue: list[dict[str, Any]]) -> list[EventType]:
    return [
        SlotSet(slots.DISH, line["dish"]),
        SlotSet(slots.DISH_ID, None),
        SlotSet(slots.QUANTITY, 1 if line.get("quantity") in (None, "") else line["quantity"]),
        SlotSet(slots.SIZE, line.get("size")),
        SlotSet(slots.EXTRAS, line.get("extras") or []),
        SlotSet(slots.ORDER_QUEUE, queue),
        SlotSet(slots.NEXT_FLOW, "order_form"),
    ]


def start_order(lines: list[dict[str, Any]]) -> list[EventType]:
    """Events that start the order form on the first requested dish and queue the rest."""
    if not lines:
        return [
            *(SlotSet(slot, None) for slot in FORM_SLOTS),
            SlotSet(slots.EXTRAS, []),
            SlotSet(slots.ORDER_QUEUE, []),
            SlotSet(slots.NEXT_FLOW, "order_form"),
        ]
    return _start_line(lines[0], lines[1:])


class ActionPrepareOrder(Action):
    """order_item: read the dishes from the message, then ask first or start the order form."""

    def name(self) -> str:
        return "action_prepare_order"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if unsure_question(tracker):  # "is the pad thai spicy?" read as an order: answered, nothing added
            return await answer_question(dispatcher, tracker, domain) + [SlotSet(slots.NEXT_FLOW, "none")]
        lines = [line.as_dict() for line in requested_lines(await _entities_with_mentions(tracker))]
        # "9999 green teas": no question about a quantity that cannot be added; the order form says
        # the range at once and asks again, and nothing reaches the cart before a quantity that can
        if (
            lines
            and not is_confident(tracker)
            and not quantity_out_of_range(lines, get_settings().max_quantity)
        ):
            dispatcher.utter_message(
                text=f"Did you mean to add {describe_request(lines)}?", buttons=YES_NO_BUTTONS
            )
            return [
                SlotSet(slots.PENDING_COMMAND, {"kind": "order", "lines": lines}),
                SlotSet(slots.NEXT_FLOW, "clarify"),
            ]
        return start_order(lines)


async def _entities_with_mentions(tracker: Tracker) -> list[dict[str, Any]]:
    """ "add the second one": the mention becomes the recommended dish's name, in place."""
    entities = list(tracker.latest_message.get("entities", []))
    item_id = mentioned_item_id(tracker)
    if item_id is None or any(entity.get("entity") == "dish" for entity in entities):
        return entities
    try:
        item = next((i for i in await wiring.backend().menu() if i.id == item_id), None)
    except BackendUnavailable:
        return entities
    if item is None:
        return entities
    return [
        dict(entity, entity="dish", value=item.name) if entity.get("entity") == "mention" else entity
        for entity in entities
    ]


class ActionAskSize(Action):
    """Ask for a size, listing the sizes this dish comes in with their price differences."""

    def name(self) -> str:
        return "action_ask_size"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        item = await _form_item(tracker)
        sizes = item.options_in("size") if item else []
        if item is None or not sizes:
            dispatcher.utter_message(text="Which size would you like?")
            return []
        buttons = [
            {
                "title": _option_title(option.name, option.price_delta, item.currency),
                "payload": f'/inform{{"size": "{option.name}"}}',
            }
            for option in sizes
        ]
        dispatcher.utter_message(text=f"Which size would you like for the {item.name}?", buttons=buttons)
        return []


def _option_title(name: str, delta: Any, currency: str) -> str:
    return f"{name} (+{money(delta, currency)})" if delta else name


async def _form_item(tracker: Tracker) -> MenuItem | None:
    item_id = tracker.get_slot(slots.DISH_ID)
    if item_id is None:
        return None
    menu = await wiring.backend().menu()
    return next((item for item in menu if item.id == int(item_id)), None)


class ValidateOrderForm(FormValidationAction):
    """Checks each answer against the backend's menu before the dish goes into the cart."""

    def name(self) -> str:
        return "validate_order_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        # what the slot mappings took from the latest message (after a digression the trailing
        # events are that action's own slots, such as last_dish_id: not the form's business)
        taken = [slot for slot in tracker.slots_to_validate() if slot in MAPPED_SLOTS]
        if taken and unsure_question(tracker):
            # "does the garlic bread have gluten?" read as an unsure order: the dish mapping took the
            # garlic bread, but it is a question. The slots go back and the form steps aside: the
            # rules answer it (actions/digressions.py) and the form asks its question again.
            return [*slots_before_this_message(tracker, taken), ActionExecutionRejected("order_form")]
        return await super().run(dispatcher, tracker, domain)

    @skip_empty
    async def validate_dish(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        async with backend_call(dispatcher, tracker, "dish lookup", rejected=None) as call:
            menu = await wiring.backend().menu()
        if call.failed:
            return {slots.DISH: None}
        match = match_dish(str(value), menu, threshold=get_settings().fuzzy_match_threshold)
        if not match.found:
            _offer_suggestions(dispatcher, str(value), match.suggestions)
            return {slots.DISH: None, slots.DISH_ID: None}
        item = match.item
        assert item is not None
        if not item.available:
            alternatives = [
                other
                for other in menu
                if other.available and other.category.slug == item.category.slug and other.id != item.id
            ][:3]
            text = f"Sorry, the {item.name} is sold out today."
            if alternatives:
                text += f" How about {names(alternatives)}?"
            dispatcher.utter_message(text=text, buttons=_dish_buttons(alternatives))
            return {slots.DISH: None, slots.DISH_ID: None}
        result: dict[str, Any] = {slots.DISH: item.name, slots.DISH_ID: item.id, slots.LAST_DISH_ID: item.id}
        previous = tracker.get_slot(slots.DISH_ID)
        if not item.options_in("size"):
            result[slots.SIZE] = ONE_SIZE
        elif previous is not None and int(previous) != item.id:
            result[slots.SIZE] = None
        if tracker.get_slot(slots.QUANTITY) is None:
            result[slots.QUANTITY] = 1
        return result

    @skip_empty
    async def validate_quantity(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        quantity = parse_quantity(value)
        limit = get_settings().max_quantity
        # the form asks for the quantity again right after (utter_ask_quantity): say only what was wrong
        if quantity is None:
            dispatcher.utter_message(text=f"Sorry, I didn't catch how many (1 to {limit}).")
            return {slots.QUANTITY: None}
        if not 1 <= quantity <= limit:
            dispatcher.utter_message(
                text=f"I can add between 1 and {limit} of one dish at a time, so {quantity} won't work."
            )
            return {slots.QUANTITY: None}
        return {slots.QUANTITY: quantity}

    @skip_empty
    async def validate_size(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value == ONE_SIZE:
            return {slots.SIZE: ONE_SIZE}
        async with backend_call(dispatcher, tracker, "size check", rejected=None) as call:
            item = await _form_item(tracker)
        if call.failed:
            return {slots.SIZE: None}
        if item is None:
            return {slots.SIZE: value}  # the dish is not known yet; checked once it is
        sizes = item.options_in("size")
        if not sizes:
            return {slots.SIZE: ONE_SIZE}
        option = match_option(str(value), sizes)
        if option is None:
            offered = ", ".join(size.name for size in sizes)
            dispatcher.utter_message(text=f"The {item.name} comes in {offered}. Which would you like?")
            return {slots.SIZE: None}
        return {slots.SIZE: option.name}

    @skip_empty
    async def validate_extras(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        requested = [
            extra for extra in (value if isinstance(value, list) else [value]) if extra and extra != "none"
        ]
        item = await _form_item(tracker)
        if item is None or not requested:
            return {slots.EXTRAS: requested}
        offered = item.options_in("extra")
        accepted: list[str] = []
        refused: list[str] = []
        for extra in requested:
            option = match_option(str(extra), offered)
            (accepted if option else refused).append(option.name if option else str(extra))
        if refused:
            choice = f" You can add {', '.join(option.name for option in offered)}." if offered else ""
            dispatcher.utter_message(text=f"The {item.name} doesn't come with {', '.join(refused)}.{choice}")
        return {slots.EXTRAS: accepted}


def _dish_buttons(items: list[MenuItem]) -> list[dict[str, str]]:
    return [{"title": item.name, "payload": f'/inform{{"dish": "{item.name}"}}'} for item in items]


def _offer_suggestions(dispatcher: CollectingDispatcher, requested: str, suggestions: list[MenuItem]) -> None:
    if suggestions:
        dispatcher.utter_message(
            text=f'I couldn\'t find "{requested[:60]}" on our menu. Did you mean {names(suggestions)}?',
            buttons=_dish_buttons(suggestions),
        )
    else:
        dispatcher.utter_message(
            text=f'I couldn\'t find "{requested[:60]}" on our menu. Say "show the menu" to see what we have.'
        )


class ActionAddOrderLine(Action):
    """Order form done: put the checked dish into the backend cart, then move to the next one."""

    def name(self) -> str:
        return "action_add_order_line"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        client = wiring.backend()
        queue = list(tracker.get_slot(slots.ORDER_QUEUE) or [])
        events: list[EventType] = [SlotSet(slot, None) for slot in FORM_SLOTS]
        writing = False  # True once the add was sent: a timeout then may or may not have added it
        try:
            cart, cart_events = await open_cart(tracker, client)
            events += cart_events
            item = await _form_item(tracker)
            if item is None:
                raise BackendRejected("unknown_item", "Sorry, I lost track of that dish.", 404)
            option_ids = chosen_option_ids(
                item, tracker.get_slot(slots.SIZE), tracker.get_slot(slots.EXTRAS) or []
            )
            quantity = parse_quantity(tracker.get_slot(slots.QUANTITY)) or 1
            before, writing = cart, True
            cart = await client.add_line(cart.id, item.id, quantity, option_ids)
        except BackendUnavailable:
            if not writing:  # nothing was sent to the cart: nothing changed
                tell_service_down(dispatcher, tracker, "add to cart")
            else:  # sent, unanswered: it may have been added
                assert item is not None  # the add is sent only for a dish that was found
                events += await _after_unsure_add(
                    dispatcher, tracker, client, before, item, quantity, option_ids
                )
            return events + [SlotSet(slots.ORDER_QUEUE, []), SlotSet(slots.NEXT_FLOW, "none")]
        except BackendRejected as rejection:
            dispatcher.utter_message(text=rejection.message)
        else:
            added = line_for(cart, item.id, option_ids)
            if added is not None:
                events.append(SlotSet(slots.LAST_LINE_ID, added.id))
            dispatcher.utter_message(
                text=f"Added {quantity} × {item.name}{options_suffix(item, option_ids)}. "
                f"Your cart: {cart.item_count} item(s), {money(cart.total, cart.currency)} so far."
            )
        if queue:
            return events + _start_line(queue[0], queue[1:])
        dispatcher.utter_message(text="Anything else, or shall we check out?")
        return events + [SlotSet(slots.ORDER_QUEUE, []), SlotSet(slots.NEXT_FLOW, "none")]


async def _after_unsure_add(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    client: Any,
    before: Cart,
    item: MenuItem,
    quantity: int,
    option_ids: list[int],
) -> list[EventType]:
    """The add timed out or failed after it was sent, so it may have been applied: read the cart again
    and tell the guest what is true, never "nothing has changed" when that isn't known."""
    logger.warning(
        "add to cart unconfirmed; re-reading the cart", extra={"conversation_id": tracker.sender_id}
    )
    what = f"{quantity} × {item.name}{options_suffix(item, option_ids)}"
    try:
        cart = await client.cart(before.id)
    except (BackendUnavailable, BackendRejected):
        dispatcher.utter_message(
            text=f"Sorry, our ordering system didn't answer in time, so I'm not sure whether {what} was "
            'added to your cart. Please check before adding it again: just ask "what\'s in my cart?" '
            "in a moment."
        )
        return []
    old_line, new_line = line_for(before, item.id, option_ids), line_for(cart, item.id, option_ids)
    had = old_line.quantity if old_line else 0
    if new_line is not None and new_line.quantity >= had + quantity:
        dispatcher.utter_message(
            text=f"Added {what}. Your cart: {cart.item_count} item(s), {money(cart.total, cart.currency)} so far."
        )
        return [SlotSet(slots.LAST_LINE_ID, new_line.id)]
    dispatcher.utter_message(
        text=f"Sorry, our ordering system didn't answer in time and {what} is not in your cart. "
        'Please try again in a moment, or say "talk to a person".'
    )
    return []


async def change_quantity(
    dispatcher: CollectingDispatcher, tracker: Tracker, command: dict[str, Any]
) -> list[EventType]:
    """Set a cart line's quantity (the dish named, else the last one added)."""
    client = wiring.backend()
    quantity = parse_quantity(command.get("quantity"))
    limit = get_settings().max_quantity
    if quantity is None:
        dispatcher.utter_message(text='How many would you like? Tell me, for example, "make it 2".')
        return []
    if quantity == 0:
        return await remove_item(dispatcher, tracker, command)
    if not 1 <= quantity <= limit:
        dispatcher.utter_message(
            text=f"I can set a quantity between 1 and {limit}; {quantity} won't work. Nothing changed."
        )
        return []
    async with backend_call(dispatcher, tracker, "change quantity") as call:
        cart, events = await open_cart(tracker, client)
        line = find_line(cart, command.get("dish"), tracker.get_slot(slots.LAST_LINE_ID))
        if line is None:
            dispatcher.utter_message(text=which_line_text(cart, command.get("dish")))
            return events
        cart = await client.set_quantity(cart.id, line.id, quantity)
    if call.failed:
        return []
    dispatcher.utter_message(
        text=f"Done: {quantity} × {line.item.name}. Total now {money(cart.total, cart.currency)}."
    )
    return events + [SlotSet(slots.LAST_LINE_ID, line.id)]


async def remove_item(
    dispatcher: CollectingDispatcher, tracker: Tracker, command: dict[str, Any]
) -> list[EventType]:
    client = wiring.backend()
    async with backend_call(dispatcher, tracker, "remove item") as call:
        cart, events = await open_cart(tracker, client)
        line = find_line(cart, command.get("dish"), tracker.get_slot(slots.LAST_LINE_ID))
        if line is None:
            dispatcher.utter_message(text=which_line_text(cart, command.get("dish")))
            return events
        cart = await client.remove_line(cart.id, line.id)
    if call.failed:
        return []
    dispatcher.utter_message(text=f"Removed {line_label(line)}. {cart_text(cart)}")
    return events + [SlotSet(slots.LAST_LINE_ID, None)]


def _command_from_message(tracker: Tracker, kind: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "dish": first_entity(tracker, "dish"),
        "quantity": first_entity(tracker, "quantity"),
    }


Execute = Callable[[CollectingDispatcher, Tracker, dict[str, Any]], Awaitable[list[EventType]]]


@dataclass(frozen=True)
class CartCommand:
    """A cart change a guest can ask for: what to ask when NLU is unsure, and how to carry it out."""

    kind: str  # the pending_command's kind, also the intent's name
    action: str
    question: Callable[[dict[str, Any]], str]
    execute: Execute


class GatedCartCommand(Action, abc.ABC):
    """A cart change that asks "Did you mean ...?" first when NLU is not sure (a question it was
    not sure about is answered instead: actions/digressions.py). Each subclass only names its
    CartCommand: rasa-sdk registers one Action class per action name."""

    @property
    @abc.abstractmethod
    def command(self) -> CartCommand:
        """The cart change this action gates."""

    def name(self) -> str:
        return self.command.action

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if unsure_question(tracker):
            # "wait, what time do you close today?" read as a cart change: a question, so it is
            # answered and the cart is left alone (a form in progress then asks again, by the rules)
            return await answer_question(dispatcher, tracker, domain)
        kind = self.command.kind
        command = _command_from_message(tracker, kind)
        if kind in CART_LINE_INTENTS and cart_id(tracker) is None:
            # nothing to change: no cart is opened and nothing is asked ("make it three" on arrival)
            dispatcher.utter_message(
                text="There's nothing in your cart yet, so there's nothing to change. What would you like to order?"
            )
            return [SlotSet(slots.NEXT_FLOW, "none")]
        if not is_confident(tracker):
            dispatcher.utter_message(text=self.command.question(command), buttons=YES_NO_BUTTONS)
            return [SlotSet(slots.PENDING_COMMAND, command), SlotSet(slots.NEXT_FLOW, "clarify")]
        return await self.command.execute(dispatcher, tracker, command) + [SlotSet(slots.NEXT_FLOW, "none")]


def _which_dish(command: dict[str, Any]) -> str:
    return f"the {command['dish']}" if command.get("dish") else "your last dish"


async def start_over(
    dispatcher: CollectingDispatcher, tracker: Tracker, command: dict[str, Any] | None = None
) -> list[EventType]:
    """Empty the cart (the command carries nothing more: it is there to match the other cart changes)."""
    client = wiring.backend()
    events: list[EventType] = [SlotSet(slot, None) for slot in FORM_SLOTS]
    events += [SlotSet(slots.ORDER_QUEUE, []), SlotSet(slots.LAST_LINE_ID, None)]
    async with backend_call(dispatcher, tracker, "start over", rejected=None) as call:
        cart, cart_events = await open_cart(tracker, client)
        if cart.lines:
            await client.clear_cart(cart.id)
    if call.failed:
        return []
    dispatcher.utter_message(text="All cleared: your cart is empty. What would you like?")
    return events + cart_events + [SlotSet(slots.CHECKOUT_STAGE, None)]


CHANGE_QUANTITY = CartCommand(
    "change_quantity",
    "action_change_quantity",
    execute=change_quantity,
    question=lambda c: f"Did you mean to change {_which_dish(c)} to {c.get('quantity') or 'a new quantity'}?",
)
REMOVE_ITEM = CartCommand(
    "remove_item",
    "action_remove_item",
    execute=remove_item,
    question=lambda c: f"Did you mean to remove {_which_dish(c)} from your cart?",
)
START_OVER = CartCommand(
    "start_over",
    "action_start_over",
    execute=start_over,
    question=lambda c: "Did you mean to empty your cart and start over?",
)
CART_COMMANDS = {command.kind: command for command in (CHANGE_QUANTITY, REMOVE_ITEM, START_OVER)}


class ActionChangeQuantity(GatedCartCommand):
    command = CHANGE_QUANTITY


class ActionRemoveItem(GatedCartCommand):
    command = REMOVE_ITEM


class ActionStartOver(GatedCartCommand):
    command = START_OVER


class ActionViewCart(Action):
    def name(self) -> str:
        return "action_view_cart"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        cart_ref = current_cart_id(tracker)
        if cart_ref is None:
            dispatcher.utter_message(text="Your cart is empty. Would you like to see the menu?")
            return []
        async with backend_call(dispatcher, tracker, "view cart") as call:
            cart = await wiring.backend().cart(cart_ref)
        if call.failed:
            return []
        dispatcher.utter_message(text=cart_text(cart))
        return []


class ActionCancelCurrent(Action):
    """ "Never mind": leave the current form, keep the cart as it is."""

    def name(self) -> str:
        return "action_cancel_current"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(
            text="No problem, I've stopped that. Your cart is unchanged. What would you like to do?"
        )
        events: list[EventType] = [ActiveLoop(None), SlotSet(slots.REQUESTED_SLOT, None)]
        events += [SlotSet(slot, None) for slot in FORM_SLOTS]
        events += [
            SlotSet(slots.ORDER_QUEUE, []),
            SlotSet(slots.NEXT_FLOW, "none"),
            SlotSet(slots.PENDING_COMMAND, None),
        ]
        if tracker.get_slot(slots.CHECKOUT_STAGE) == "confirming":
            events.append(SlotSet(slots.CHECKOUT_STAGE, None))
        return events
