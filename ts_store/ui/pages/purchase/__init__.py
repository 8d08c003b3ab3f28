"""'Acquista ora': the purchase wizard, one module per step (see wizard.py)."""

from ts_store.ui.pages.purchase.configure import ConfigureStep, PlanOption
from ts_store.ui.pages.purchase.confirm import (
    FAILED_SUFFIX,
    PROCESSING,
    RESUME_AUTHENTICATION,
    ConfirmStep,
    ReceiptView,
)
from ts_store.ui.pages.purchase.page import purchase_page
from ts_store.ui.pages.purchase.payment import PaymentStep
from ts_store.ui.pages.purchase.profile import ProfileStep
from ts_store.ui.pages.purchase.wizard import (
    CONFIGURE,
    CONFIRM,
    DONE,
    PAYMENT,
    PROFILE,
    STEPS,
    PurchaseState,
)

__all__ = [
    "CONFIGURE",
    "CONFIRM",
    "DONE",
    "FAILED_SUFFIX",
    "PAYMENT",
    "PROCESSING",
    "PROFILE",
    "RESUME_AUTHENTICATION",
    "STEPS",
    "ConfigureStep",
    "ConfirmStep",
    "PaymentStep",
    "PlanOption",
    "ProfileStep",
    "PurchaseState",
    "ReceiptView",
    "purchase_page",
]
