"""Where keyboard focus goes after an event (assets/a11y.js; issue #17).

Return or yield these from a handler; `rx.call_script` neither returned nor yielded never runs.
"""

from __future__ import annotations

import reflex as rx

# After a failed submit: the first field with aria-invalid="true" on the page.
FOCUS_FIRST_INVALID = rx.call_script("window.tsFocusFirstInvalid && window.tsFocusFirstInvalid()")
# After a wizard step or a result that replaces the page's content: the page's h1, at the top.
FOCUS_HEADING = rx.call_script("window.tsFocusHeading && window.tsFocusHeading()")


def focus_element(selector: str):
    """Focus what a confirm produced (e.g. its result message), made focusable if need be."""
    return rx.call_script(f"window.tsFocusElement && window.tsFocusElement({selector!r})")
