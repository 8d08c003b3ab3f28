"""Our mirror of the customer's cards in Stripe."""

from __future__ import annotations

from sqlmodel import Session, select

from ts_store.store.models import Customer, PaymentMethod


def cards_of(session: Session, customer_id: int) -> list[PaymentMethod]:
    return list(
        session.exec(
            select(PaymentMethod)
            .where(PaymentMethod.customer_id == customer_id)
            .order_by(PaymentMethod.id)
        )
    )


def default_card(session: Session, customer_id: int) -> PaymentMethod | None:
    return session.exec(
        select(PaymentMethod).where(
            PaymentMethod.customer_id == customer_id, PaymentMethod.is_default.is_(True)
        )
    ).first()


def off_session_target(session: Session, customer_id: int) -> tuple[str, str] | None:
    """The Stripe customer and the default card an off-session charge goes to, in one read;
    None when the customer has no Stripe customer or no default card."""
    row = session.exec(
        select(Customer.stripe_customer_id, PaymentMethod.stripe_payment_method_id)
        .join(
            PaymentMethod,
            (PaymentMethod.customer_id == Customer.id) & PaymentMethod.is_default.is_(True),
        )
        .where(Customer.id == customer_id)
    ).first()
    if row is None or row[0] is None:
        return None
    return row[0], row[1]


def replace_default_card(
    session: Session,
    customer_id: int,
    *,
    stripe_payment_method_id: str,
    brand: str,
    last4: str,
    exp_month: int,
    exp_year: int,
) -> PaymentMethod:
    """Make this card the one default card of the customer; older mirrors are removed."""
    for card in cards_of(session, customer_id):
        if card.stripe_payment_method_id != stripe_payment_method_id:
            session.delete(card)
    session.flush()
    card = session.exec(
        select(PaymentMethod).where(
            PaymentMethod.stripe_payment_method_id == stripe_payment_method_id
        )
    ).first() or PaymentMethod(
        customer_id=customer_id,
        stripe_payment_method_id=stripe_payment_method_id,
        brand=brand,
        last4=last4,
        exp_month=exp_month,
        exp_year=exp_year,
    )
    card.is_default = True
    session.add(card)
    session.flush()
    return card
