"""Who may use the product team's pages: checked in the database on every handler call.

A handler is a public endpoint, so hiding a link is not a check.
"""

from __future__ import annotations

import reflex as rx

from ts_store.billing import accounts
from ts_store.ui.session import customer_id_of


async def product_team_member_id(state: rx.State) -> int | None:
    """The logged-in customer's id if (in the database, now) they are in the product team."""
    customer_id = await customer_id_of(state)
    if customer_id is None:
        return None
    return customer_id if accounts.is_product_team(customer_id) else None
