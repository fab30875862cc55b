"""A customer's public id: ``cus_`` and 16 hex digits, opaque (no name, e-mail or phone in it).

The one definition of the format: the backend mints it (models.new_public_id), Rasa's channels check
a chat token's subject against it and the action server the customer in a message's metadata. All
three import it from the installed ``service_common`` package, so it imports only the standard
library (Python 3.10 and 3.11).
"""

from __future__ import annotations

import re
import secrets

CUSTOMER_ID = re.compile(r"cus_[0-9a-f]{16}")


def new_customer_id() -> str:
    return f"cus_{secrets.token_hex(8)}"


def is_customer_id(value: object) -> bool:
    return isinstance(value, str) and CUSTOMER_ID.fullmatch(value) is not None
