"""`python -m ts_store.quote` as the product team runs it: a real process, stdin to stdout."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

REQUEST = {
    "today": "2026-11-28",
    "current": {
        "plan": "pro",
        "cycle": "monthly",
        "seats": 2,
        "period_start": "2026-11-10",
        "period_end": "2026-12-10",
    },
    "target": {"plan": "pro", "cycle": "monthly", "seats": 5},
}


def run(stdin: str | bytes, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "LANG": "C", "LC_ALL": "C"}
    environment.pop("TS_STORE_CATALOG", None)
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "ts_store.quote", *args],
        input=stdin.encode() if isinstance(stdin, str) else stdin,
        capture_output=True,
        cwd=ROOT,
        env=environment,
        timeout=60,
    )


def answer(process: subprocess.CompletedProcess):
    assert b"Traceback" not in process.stderr
    return json.loads(process.stdout.decode("utf-8"))


def test_single_request_answers_the_brief_example():
    process = run(json.dumps(REQUEST))
    assert process.returncode == 0, process.stderr
    result = answer(process)
    charge = result["charge_now"]
    assert (charge["net_cents"], charge["vat_cents"], charge["gross_cents"]) == (3000, 660, 3660)
    assert result["at_renewal"]["date"] == "2026-12-10"
    assert result["at_renewal"]["gross_cents"] == 15250
    assert result["scheduled"] is False


def test_array_answers_in_the_same_order():
    purchase = {**REQUEST, "current": None}
    process = run(json.dumps([REQUEST, purchase]))
    assert process.returncode == 0
    first, second = answer(process)
    assert first["charge_now"]["lines"][0]["kind"] == "added_seats"
    assert second["charge_now"]["lines"][0]["kind"] == "new_period"


def test_an_invalid_item_answers_in_place_and_exits_2():
    bad = {**REQUEST, "target": {"plan": "business", "cycle": "monthly", "seats": 2}}
    process = run(json.dumps([REQUEST, bad]))
    assert process.returncode == 2
    good, error = answer(process)
    assert "charge_now" in good
    assert error["error"]["code"] == "seats_out_of_range"
    assert "target.seats" in error["error"]["message"]
    assert "Business richiede almeno 3 utenti" in error["error"]["message"]


@pytest.mark.parametrize("stdin", ["{not json", "", b"\xff\xfe garbage", "[" * 50_000])
def test_malformed_input_prints_one_error_and_exits_2(stdin):
    process = run(stdin)
    assert process.returncode == 2
    assert answer(process)["error"]["code"] == "invalid_json"


def test_italian_messages_print_under_an_ascii_locale():
    process = run(json.dumps({**REQUEST, "today": "2026-12-10"}))
    assert process.returncode == 2
    assert "è fuori dal periodo" in answer(process)["error"]["message"]


def test_catalog_option_selects_another_catalogue(tmp_path):
    catalogue = tmp_path / "promo.toml"
    catalogue.write_text(
        'currency = "EUR"\nvat_percent = "22"\ntrial_days = 15\nretention_days = 60\n\n'
        '[[plans]]\ncode = "pro"\nname = "Pro"\nmonthly_cents = 2000\nannual_cents = 20000\n'
        'min_seats = 1\nmax_seats = 50\nfeatures = ["Contatti e aziende"]\n'
    )
    process = run(json.dumps(REQUEST), "--catalog", str(catalogue))
    assert process.returncode == 0
    assert answer(process)["charge_now"]["net_cents"] == 2400  # 3 * 2000 * 12/30


def test_environment_variable_selects_the_catalogue(tmp_path):
    missing = tmp_path / "assente.toml"
    process = run(json.dumps(REQUEST), env={"TS_STORE_CATALOG": str(missing)})
    assert process.returncode == 2
    assert "assente.toml" in answer(process)["error"]["message"]


def test_a_bad_catalogue_is_a_clear_error_and_exit_2(tmp_path):
    catalogue = tmp_path / "rotto.toml"
    catalogue.write_text('currency = "USD"\nvat_percent = "22"\ntrial_days = 15\n')
    process = run(json.dumps(REQUEST), "--catalog", str(catalogue))
    assert process.returncode == 2
    error = answer(process)["error"]
    assert error["code"] == "invalid_catalog"
    assert "rotto.toml" in error["message"] and "retention_days" in error["message"]
    assert "rotto.toml" in process.stderr.decode()
