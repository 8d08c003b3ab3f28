"""'I tuoi dati di fatturazione': the customer reads and corrects their billing data after the
purchase, with the same per-field checks as the wizard's first step (domain/fiscal.py).

Documents already issued keep the data saved with them; the corrected data applies to the next
documents, and to the re-issue of a file SDI rejected (billing/einvoices.reissue).
"""

from __future__ import annotations

from collections.abc import Mapping

from ts_store.billing.purchase import BillingProfileInvalid, billing_profile_fields
from ts_store.billing.purchase import save_billing_profile as _save
from ts_store.domain.fiscal import BillingProfileData

__all__ = ["BillingProfileInvalid", "billing_data_of", "update_billing_data"]


def billing_data_of(customer_id: int) -> dict[str, str]:
    return billing_profile_fields(customer_id)


def update_billing_data(customer_id: int, raw: Mapping[str, object]) -> BillingProfileData:
    """Store the data only when every field is valid (BillingProfileInvalid names each one)."""
    return _save(customer_id, raw)
