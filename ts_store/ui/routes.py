"""Route constants and URL builders: pages link through these, never through literals."""

LOGIN = "/login"
REGISTER = "/registrati"
MYAREA = "/myarea"
CONTACT = "/myarea/contattaci"
PLANS = "/piani"
PAYMENT_METHODS = "/myarea/metodi-di-pagamento"
LAB = "/laboratorio"
CATALOG_LAB = "/laboratorio/catalogo"  # product team: draft, Confronto, Impatto, Anteprima
BILLING_DATA = "/myarea/dati-di-fatturazione"
EINVOICES = "/fatture-elettroniche"
SENT_MAIL = "/posta-inviata"  # product team: the last emails sent
FORGOT_PASSWORD = "/password-dimenticata"
RESET_PASSWORD = "/nuova-password"  # ?token=... from the email


def reset_password_url(token: str) -> str:
    """The link of a "Password dimenticata?" email (the token is URL-safe base64)."""
    return f"{RESET_PASSWORD}?token={token}"


def login_url(next_path: str | None = None) -> str:
    return f"{LOGIN}?next={next_path}" if next_path and next_path.startswith("/") else LOGIN


LICENCE = "/myarea/licenza/[licence_id]"


def licence_url(licence_id: int, section: str = "utenti") -> str:
    return f"/myarea/licenza/{licence_id}?sezione={section}"


PURCHASE = "/myarea/acquista/[licence_id]"


def purchase_url(licence_id: int) -> str:
    return f"/myarea/acquista/{licence_id}"


DOCUMENTS = "/myarea/documenti"
STRIPE_WEBHOOK = "/stripe/webhook"  # backend route (Starlette), not a page


def route_arg(path: str, route: str, name: str) -> str:
    """The value of `[name]` in `route` for the browser's `path`, "" when the path is not that
    route: route_arg("/myarea/licenza/12", LICENCE, "licence_id") == "12".

    Read from the URL itself (Reflex 0.10 deprecates router.page.params).
    """
    wanted = f"[{name}]"
    route_parts = route.strip("/").split("/")
    path_parts = path.split("?", 1)[0].strip("/").split("/")
    if wanted not in route_parts or len(route_parts) != len(path_parts):
        return ""
    for expected, actual in zip(route_parts, path_parts, strict=True):
        if not expected.startswith("[") and expected != actual:
            return ""
    return path_parts[route_parts.index(wanted)]
