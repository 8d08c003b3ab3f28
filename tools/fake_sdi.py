"""A fake SDI intermediary for development and tests (never part of the app), on loopback.

It speaks the HTTP API of `ts_store/einvoice/sdi.HttpIntermediary` and answers each file as
SDI would, decided by the file's own data (docs/fatturapa.md, "The fake intermediary"):

- not valid against the FatturaPA schema -> NS 00200; a file name already received -> NS 00002;
- CodiceDestinatario "NS" + 5 digits (e.g. NS00311) -> NS with that error code;
- CodiceDestinatario "MC00000" -> MC (not deliverable: left in the customer's area);
- the same invoice (seller, type, number, date) already accepted -> NS 00404;
- anything else -> RC (delivered).

`POST /_config/outage {"failures": n}` makes the next n sends answer 503 (the retry path);
`DELETE /_config/data` forgets everything.

    python tools/fake_sdi.py --port 8430
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import re
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / ".tools/node_modules/@digitalia/fatturapa/src/schemas/Schema_1.2.1.xsd"
ERROR_TEXTS = {
    "00002": "Nome file duplicato",
    "00200": "File non conforme al formato",
    "00305": "1.4.1.1.2 <IdCodice> non valido: il cessionario/committente non è presente "
    "in Anagrafe Tributaria",
    "00306": "1.4.1.2 <CodiceFiscale> del cessionario/committente non valido",
    "00311": "1.1.4 <CodiceDestinatario> non valido: non è censito in SDI",
    "00404": "Fattura duplicata",
}
_FORCED_NS = re.compile(r"NS([0-9]{5})")


def load_schema():
    """The official XSD (installed by scripts/setup.sh); xmldsig from the xmlschema package."""
    import xmlschema

    dsig = Path(xmlschema.__file__).parent / "schemas/DSIG/xmldsig-core-schema.xsd"
    if not SCHEMA.exists():
        raise SystemExit(f"FatturaPA schema missing: {SCHEMA} (run scripts/setup.sh)")
    return xmlschema.XMLSchema(
        str(SCHEMA), locations={"http://www.w3.org/2000/09/xmldsig#": str(dsig)}
    )


class FakeSdi:
    """The intermediary's memory: files, their notifications, and the outage switch."""

    def __init__(self, schema=None) -> None:
        self.schema = schema
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.files: dict[str, dict] = {}
        self.names: set[str] = set()
        self.accepted_invoices: set[tuple[str, str, str, str]] = set()
        self.failures_left = 0
        self.sends = 0
        self._ids = itertools.count(1)

    def receive(self, name: str, xml: bytes) -> tuple[int, dict]:
        with self.lock:
            self.sends += 1
            if self.failures_left > 0:
                self.failures_left -= 1
                return 503, {"error": "temporarily unavailable"}
            file_id = f"SDI{next(self._ids):08d}"
            notification = self._outcome(name, xml)
            notification.update(
                id=f"{file_id}-{notification['type']}",
                received_at=datetime.now(UTC).isoformat(),
            )
            self.files[file_id] = {"name": name, "xml": xml, "notifications": [notification]}
            self.names.add(name)
            return 201, {"id": file_id}

    def _outcome(self, name: str, xml: bytes) -> dict:
        if name in self.names:
            return _ns("00002")
        if self.schema is not None:
            error = next(iter(self.schema.iter_errors(xml.decode("utf-8", "replace"))), None)
            if error is not None:
                return _ns("00200", f"{ERROR_TEXTS['00200']}: {error.reason}")
        try:
            root = etree.fromstring(xml)
        except etree.XMLSyntaxError as exc:
            return _ns("00200", f"{ERROR_TEXTS['00200']}: {exc}")
        recipient = root.findtext("FatturaElettronicaHeader/DatiTrasmissione/CodiceDestinatario")
        forced = _FORCED_NS.fullmatch(recipient or "")
        if forced:
            return _ns(forced.group(1))
        document = "FatturaElettronicaBody/DatiGenerali/DatiGeneraliDocumento/"
        key = (
            root.findtext(
                "FatturaElettronicaHeader/CedentePrestatore/DatiAnagrafici/IdFiscaleIVA/IdCodice"
            )
            or "",
            root.findtext(document + "TipoDocumento") or "",
            root.findtext(document + "Numero") or "",
            root.findtext(document + "Data") or "",
        )
        if key in self.accepted_invoices:
            return _ns("00404")
        self.accepted_invoices.add(key)
        if recipient == "MC00000":
            return {"type": "MC", "errors": []}
        return {"type": "RC", "errors": []}


def _ns(code: str, text: str | None = None) -> dict:
    return {"type": "NS", "errors": [{"code": code, "text": text or ERROR_TEXTS.get(code, code)}]}


def make_handler(state: FakeSdi):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet: tests read the answers, not the log
            pass

        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def do_POST(self) -> None:
            if self.path == "/v1/files":
                name = self.headers.get("X-File-Name", "")
                if not name:
                    self._answer(400, {"error": "X-File-Name missing"})
                    return
                self._answer(*state.receive(name, self._body()))
            elif self.path == "/_config/outage":
                with state.lock:
                    state.failures_left = int(json.loads(self._body() or b"{}").get("failures", 0))
                self._answer(200, {"failures": state.failures_left})
            else:
                self._answer(404, {"error": "not found"})

        def do_GET(self) -> None:
            match = re.fullmatch(r"/v1/files/([A-Za-z0-9]+)/notifications", self.path)
            if match and match.group(1) in state.files:
                self._answer(200, {"data": state.files[match.group(1)]["notifications"]})
            elif self.path == "/_config/files":
                with state.lock:
                    files = [{"id": k, "name": v["name"]} for k, v in state.files.items()]
                self._answer(200, {"data": files, "sends": state.sends})
            else:
                self._answer(404, {"error": "not found"})

        def do_DELETE(self) -> None:
            if self.path == "/_config/data":
                with state.lock:
                    state.reset()
                self._answer(200, {})
            else:
                self._answer(404, {"error": "not found"})

    return Handler


def start(port: int = 0, validate: bool = True) -> tuple[ThreadingHTTPServer, FakeSdi]:
    """Serve in a background thread on 127.0.0.1 (port 0: a free one); stop with shutdown()."""
    state = FakeSdi(load_schema() if validate else None)
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(state))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, state


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8430)
    args = parser.parse_args()
    state = FakeSdi(load_schema())
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(state))
    print(f"fake SDI intermediary on http://127.0.0.1:{args.port}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
