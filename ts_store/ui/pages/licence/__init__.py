"""The licence page, one module per tab (see state.py)."""

from ts_store.ui.pages.licence.cancel import CancelState
from ts_store.ui.pages.licence.change import ChangeState, PlanChoice
from ts_store.ui.pages.licence.page import licence_page
from ts_store.ui.pages.licence.state import SECTIONS, LicenceState

__all__ = ["SECTIONS", "CancelState", "ChangeState", "LicenceState", "PlanChoice", "licence_page"]
