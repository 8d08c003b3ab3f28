"""No Reflex state class of the UI grows into a god-state (issue #13: at most ~250 lines)."""

from __future__ import annotations

import ast
from pathlib import Path

import ts_store.ui

UI = Path(ts_store.ui.__file__).parent
MAX_LINES = 250


def _state_classes() -> list[tuple[str, int]]:
    found = []
    for path in sorted(UI.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            bases = [ast.unparse(base) for base in getattr(node, "bases", [])]
            if isinstance(node, ast.ClassDef) and any("State" in base for base in bases):
                lines = node.end_lineno - node.lineno + 1
                found.append((f"{path.relative_to(UI)}:{node.name}", lines))
    return found


def test_every_state_class_of_the_ui_is_at_most_250_lines():
    classes = _state_classes()
    assert len(classes) > 10  # the scan sees the pages' states
    assert [(name, lines) for name, lines in classes if lines > MAX_LINES] == []


def test_the_purchase_and_licence_pages_are_split_into_step_and_tab_states():
    names = {name.rsplit(":", 1)[1] for name, _lines in _state_classes()}
    assert {"PurchaseState", "ProfileStep", "ConfigureStep", "PaymentStep", "ConfirmStep"} <= names
    assert {"LicenceState", "ChangeState", "CancelState", "ChargeFlow"} <= names
