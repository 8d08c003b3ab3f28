"""Look and feel shared by every page: one place for spacing, widths and badge colours."""

from __future__ import annotations

PAGE_MAX_WIDTH = "72rem"
CARD_STYLE = {"width": "100%"}

STATUS_COLORS: dict[str, str] = {
    "trial": "blue",
    "trial_expired": "orange",
    "active": "green",
    "past_due": "red",
    "suspended": "red",
    "cancelled": "gray",
}

global_style = {
    "font_family": "Inter, system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
    "::selection": {"background_color": "var(--accent-5)"},
}
