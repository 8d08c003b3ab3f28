"""The login session shared by every page.

The browser keeps only a random token (cookie); every check resolves it again in the database,
so a logout or an expiry takes effect at once. Page states ask `customer_id()` before touching
anything and act only on what that customer owns.

The raw token never reaches the state store (issue #15, finding 4): a pickled SessionState keeps
the token's hash (the reference the database also keeps) and an empty cookie var, so a state file
or a Redis key cannot be replayed as a cookie. The cookie is `Secure` when the store's public URL
is https, and lives as long as the session's absolute maximum (the database slides the idle
expiry, `accounts.SESSION_IDLE`).
"""

from __future__ import annotations

import os

import reflex as rx
from reflex.state import BaseState

from ts_store.billing import accounts
from ts_store.ui import routes

SESSION_COOKIE_MAX_AGE = int(accounts.SESSION_LIFETIME.total_seconds())
_PUBLIC_URL = os.environ.get("TS_STORE_PUBLIC_URL") or os.environ.get("TS_STORE_DEPLOY_URL", "")
SECURE_COOKIE = _PUBLIC_URL.strip().lower().startswith("https://")


class SessionState(rx.State):
    session_token: str = rx.Cookie(
        "",
        name="ts_store_session",
        same_site="strict",
        max_age=SESSION_COOKIE_MAX_AGE,
        secure=SECURE_COOKIE,
    )
    company_name: str = ""
    email: str = ""
    is_product_team: bool = False
    _session_ref: str = ""  # the token's hash: what a state loaded from the store still knows
    _ref_from_store: bool = False  # True only in a pickled copy (state file, Redis)

    def __getstate__(self):
        """Pickle the token's hash, never the token (state files, Redis)."""
        fields = dict(super().__getstate__())
        token = fields.get("session_token")
        if isinstance(token, str) and token:
            fields["_session_ref"] = accounts.session_ref(token)
        fields["session_token"] = ""
        fields["_ref_from_store"] = bool(fields.get("_session_ref"))
        return fields

    def _current_ref(self) -> str:
        """The session's reference: from the cookie when the browser sent one; from the store
        only in a state restored from it (a live state whose cookie went is logged out)."""
        token = self.session_token
        if isinstance(token, str) and token:
            self._session_ref = accounts.session_ref(token)
            self._ref_from_store = False
            return self._session_ref
        if not isinstance(token, str):
            self.session_token = ""
        return self._session_ref if self._ref_from_store else ""

    def _authenticated_customer_id(self) -> int | None:
        """The customer behind the cookie right now, or None; refreshes the header fields."""
        customer = accounts.signed_in_by_ref(self._current_ref())
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

    def _forget(self) -> None:
        self.session_token = self._session_ref = ""
        self._ref_from_store = False
        self.company_name = self.email = ""
        self.is_product_team = False

    @rx.event
    def logout(self):
        accounts.logout_by_ref(self._current_ref())
        self._forget()
        return rx.redirect(routes.LOGIN)

    @rx.event
    def logout_everywhere(self):
        """ "Esci da tutti i dispositivi": every session of this customer ends, this one too."""
        customer_id = self._authenticated_customer_id()
        if customer_id is not None:
            accounts.logout_everywhere(customer_id)
        self._forget()
        return rx.redirect(routes.LOGIN)


def client_address(state: rx.State) -> str | None:
    """The browser's address as the socket saw it (Reflex honours `trusted_proxy_hops`)."""
    try:
        address = state.router.session.client_ip
    except AttributeError:
        return None
    return address if isinstance(address, str) and address else None


def is_anonymous(root: BaseState) -> bool:
    """For the state manager: a session tree with no login (it expires quickly)."""
    try:
        session_state = root.get_substate(SessionState.get_full_name().split("."))
    except Exception:
        return True
    token = session_state.session_token
    has_cookie = isinstance(token, str) and bool(token)
    return not (has_cookie or (session_state._ref_from_store and session_state._session_ref))


async def customer_id_of(state: rx.State) -> int | None:
    """For page states: the logged-in customer's id (checked against the database now)."""
    session_state = await state.get_state(SessionState)
    return session_state._authenticated_customer_id()
