"""Route constants and URL builders: pages link through these, never through literals."""

LOGIN = "/login"
REGISTER = "/registrati"
MYAREA = "/myarea"
CONTACT = "/myarea/contattaci"
PLANS = "/piani"
PAYMENT_METHODS = "/myarea/metodi-di-pagamento"
LAB = "/laboratorio"


def login_url(next_path: str | None = None) -> str:
    return f"{LOGIN}?next={next_path}" if next_path and next_path.startswith("/") else LOGIN


LICENCE = "/myarea/licenza/[licence_id]"


def licence_url(licence_id: int, section: str = "utenti") -> str:
    return f"/myarea/licenza/{licence_id}?sezione={section}"


PURCHASE = "/myarea/acquista/[licence_id]"


def purchase_url(licence_id: int) -> str:
    return f"/myarea/acquista/{licence_id}"


STRIPE_WEBHOOK = "/stripe/webhook"  # backend route (Starlette), not a page
DOCUMENTS = "/myarea/documenti"
