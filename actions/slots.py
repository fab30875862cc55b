"""The slot names of domain.yml, one constant each (tests/actions/test_slots.py checks both ways).

Actions read and set slots through these names only, so a renamed or removed slot fails at import or
in that test, not in a conversation."""

from __future__ import annotations

# The order form and its queue
DISH = "dish"
DISH_ID = "dish_id"
QUANTITY = "quantity"
SIZE = "size"
EXTRAS = "extras"
ORDER_QUEUE = "order_queue"

# Where the dialogue goes next, and a cart change waiting for "Did you mean ...?"
NEXT_FLOW = "next_flow"
PENDING_COMMAND = "pending_command"

# The cart and what the guest talked about (references only, never personal data)
CART_ID = "cart_id"
LAST_LINE_ID = "last_line_id"
LAST_DISH_ID = "last_dish_id"
LAST_RECOMMENDATIONS = "last_recommendations"

# The checkout form
FULFILMENT = "fulfilment"
POSTCODE = "postcode"
REQUESTED_TIME = "requested_time"
PROPOSED_TIME = "proposed_time"
PAYMENT_METHOD = "payment_method"

# The summary on screen and the order placed
CHECKOUT_STAGE = "checkout_stage"
CONFIRMED_CART_VERSION = "confirmed_cart_version"
CONFIRMED_TOTAL = "confirmed_total"
LAST_ORDER_ID = "last_order_id"
LAST_ORDER_NUMBER = "last_order_number"
LAST_ORDER_TOTAL = "last_order_total"

# Said once per conversation, and experiments
OFFLINE_NOTICE_GIVEN = "offline_notice_given"
HANDOFF_REQUESTED = "handoff_requested"
EXPERIMENT_ARMS = "experiment_arms"

# Rasa's own slot, added to every domain with a form (not declared in domain.yml)
REQUESTED_SLOT = "requested_slot"
