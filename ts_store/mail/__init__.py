"""Email: templates (Jinja2, autoescaped), rendering, SMTP delivery and the outbox sender.

Presentation, like ``ts_store.ui``: it formats amounts and dates with ``ts_store.ui.formatting``
(the pages' formats) and reads billing view objects; the billing layer only enqueues a kind
and its params (``ts_store.billing.notifications``). Rules: docs/notifications.md.
"""
