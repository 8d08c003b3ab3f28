"""TS Store: self-serve licence store for CRM in Cloud.

Importing this package must stay cheap and must not import Reflex: the quote
command (`python -m ts_store.quote`) loads the pure domain only.
"""
