"""The login session shared by every page.

The browser keeps only a random token (cookie); every check resolves it again in the database,
so a logout or an expiry takes effect at once. Page states ask `customer_id()` before touching
anything and act only on what that customer owns.
"""

from __future__ import annotations

import reflex as rx

from ts_store.billing import accounts
from ts_store.ui import routes

SESSION_COOKIE_MAX_AGE = int(accounts.SESSION_LIFETIME.total_seconds())


class SessionState(rx.State):
    session_token: str = rx.Cookie(
        "", name="ts_store_session", same_site="strict", max_age=SESSION_COOKIE_MAX_AGE
    )
    company_name: str = ""
    email: str = ""
    is_product_team: bool = False

    def _authenticated_customer_id(self) -> int | None:
        """The customer behind the cookie right now, or None; refreshes the header fields."""
        customer = accounts.signed_in(self.session_token)
        if customer is None:
            self.company_name = self.email = ""
            self.is_product_team = False
            return None
        self.company_name = customer.company_name
        self.email = customer.email
        self.is_product_team = customer.is_product_team
        return customer.customer_id

    def _sign_in(self, token: str) -> None:
        self.session_token = token
        self._authenticated_customer_id()

    @rx.event
    def require_login(self):
        """on_load guard of every MyArea page."""
        if self._authenticated_customer_id() is None:
            return rx.redirect(routes.login_url(self.router.url.path))
        return None

    @rx.event
    def refresh(self):
        """on_load of public pages (/piani): the header shows the customer's nav when logged in."""
        self._authenticated_customer_id()

    @rx.event
    def redirect_if_logged_in(self):
        if self._authenticated_customer_id() is not None:
            return rx.redirect(routes.MYAREA)
        return None

    @rx.event
    def redirect_if_logged_in_or_login(self):
        """The site root: MyArea for a logged-in customer, the login page otherwise."""
        if self._authenticated_customer_id() is not None:
            return rx.redirect(routes.MYAREA)
        return rx.redirect(routes.LOGIN)

    @rx.event
    def logout(self):
        accounts.logout(self.session_token)
        self.session_token = ""
        self.company_name = self.email = ""
        self.is_product_team = False
        return rx.redirect(routes.LOGIN)


async def customer_id_of(state: rx.State) -> int | None:
    """For page states: the logged-in customer's id (checked against the database now)."""
    session_state = await state.get_state(SessionState)
    return session_state._authenticated_customer_id()
