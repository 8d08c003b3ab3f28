"""Adapters for the electronic invoice: the FatturaPA XML (lxml) and the SDI intermediary.

Pure data in (`ts_store.domain.einvoice`), bytes or HTTP out; no database, no Reflex.
"""
