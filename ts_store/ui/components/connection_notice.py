"""The notice shown while the browser cannot reach the server, in Italian.

Why not Reflex's default: its connection notice is a toast, which ships the sonner toast library
(~9 KB gzipped) on every page only for that; nothing else in the store uses toasts. This banner
reads the same connection errors from Reflex's socket and needs no extra library.
"""

from __future__ import annotations

import reflex as rx

CONNECTION_LOST_TEXT = "Connessione al server persa: riprovo a collegarmi…"


def connection_notice() -> rx.Component:
    """A fixed banner at the bottom of the page, shown only while the socket cannot connect."""
    return rx.connection_banner(
        rx.box(
            rx.hstack(
                rx.icon("wifi-off", size=18),
                rx.text(CONNECTION_LOST_TEXT, size="2", weight="medium"),
                align="center",
                justify="center",
                spacing="2",
            ),
            id="connection-notice",
            role="status",
            aria_live="polite",
            position="fixed",
            bottom="0",
            left="0",
            right="0",
            z_index="1000",
            padding="0.6rem 1rem",
            background_color="var(--red-9)",
            color="white",
        )
    )


def app_overlay(stateful: bool) -> rx.Component | None:
    """Replacement for Reflex's default overlay app wrap (its connection pulser and toast)."""
    return connection_notice() if stateful else None
