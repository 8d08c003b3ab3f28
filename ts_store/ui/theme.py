"""Look and feel shared by every page: one place for spacing, widths and badge colours."""

from __future__ import annotations

from ts_store.domain.lifecycle import PAID_STATUSES, LicenceStatus

PAGE_MAX_WIDTH = "72rem"
CARD_STYLE = {"width": "100%"}

CANCELLING = "cancelling"  # a paid licence with a pending cancellation ("In disdetta")

# The one map of badge colours, used on every page (docs/glossary.md names the statuses).
STATUS_COLORS: dict[str, str] = {
    LicenceStatus.TRIAL: "blue",
    LicenceStatus.TRIAL_EXPIRED: "orange",
    LicenceStatus.ACTIVE: "green",
    CANCELLING: "amber",
    LicenceStatus.PAST_DUE: "red",
    LicenceStatus.SUSPENDED: "gray",
    LicenceStatus.CANCELLED: "gray",
}


def status_color(status: str, cancel_at_period_end: bool = False) -> str:
    """The badge colour of a licence: "In disdetta" is amber whatever the paid status."""
    if cancel_at_period_end and status in PAID_STATUSES:
        return STATUS_COLORS[CANCELLING]
    return STATUS_COLORS.get(str(status), "gray")


# A native <select> dressed like Radix fields: instant on every device and no popover to mount
# (the Radix Select's popover cost ~10 ms per change in the benchmarks).
NATIVE_SELECT_STYLE = {
    "width": "100%",
    "height": "var(--space-6)",
    "padding": "0 var(--space-2)",
    "border": "1px solid var(--gray-a7)",
    "border_radius": "var(--radius-2)",
    "background": "var(--color-surface)",
    "font_size": "var(--font-size-2)",
}

global_style = {
    "font_family": "Inter, system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
    "::selection": {"background_color": "var(--accent-5)"},
}
