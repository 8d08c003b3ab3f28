"""The JSON contract in-process: parsing, serialisation, and fuzzing for 'never a traceback'."""

import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ts_store.domain.catalog import load_catalog
from ts_store.domain.quote_contract import answer_document, answer_item

CATALOG = load_catalog()

EXAMPLE = {
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

EXAMPLE_ANSWER = {
    "charge_now": {
        "lines": [
            {
                "kind": "added_seats",
                "quantity": 3,
                "unit_cents": 2500,
                "days": 12,
                "period_days": 30,
                "amount_cents": 3000,
            }
        ],
        "net_cents": 3000,
        "vat_cents": 660,
        "gross_cents": 3660,
    },
    "effective_now": {"plan": "pro", "cycle": "monthly", "seats": 5},
    "at_renewal": {
        "date": "2026-12-10",
        "plan": "pro",
        "cycle": "monthly",
        "seats": 5,
        "net_cents": 12500,
        "vat_cents": 2750,
        "gross_cents": 15250,
    },
    "scheduled": False,
}


def changed(path: str, value=..., base=EXAMPLE) -> dict:
    """A copy of `base` with the dotted `path` set to `value` (or removed when omitted)."""
    request = copy.deepcopy(base)
    *parents, last = path.split(".")
    node = request
    for key in parents:
        node = node[key]
    if value is ...:
        del node[last]
    else:
        node[last] = value
    return request


def error_of(item) -> dict:
    answer, ok = answer_item(CATALOG, item)
    assert not ok
    assert set(answer) == {"error"} and set(answer["error"]) == {"code", "message"}
    return answer["error"]


def test_the_brief_example_key_for_key():
    answer, ok = answer_item(CATALOG, EXAMPLE)
    assert ok
    assert answer == EXAMPLE_ANSWER
    assert list(answer) == ["charge_now", "effective_now", "at_renewal", "scheduled"]
    assert next(iter(answer["at_renewal"])) == "date"


def test_purchase_with_null_or_absent_current():
    purchase = changed("current", None)
    answer, ok = answer_item(CATALOG, purchase)
    assert ok
    assert answer["charge_now"]["lines"][0]["kind"] == "new_period"
    assert answer_item(CATALOG, changed("current"))[0] == answer


@pytest.mark.parametrize(
    ("path", "value", "code", "named"),
    [
        ("target.seats", True, "invalid_type", "target.seats"),
        ("target.seats", 2.0, "invalid_type", "target.seats"),
        ("target.seats", "5", "invalid_type", "target.seats"),
        ("target.seats", 51, "seats_out_of_range", "target.seats"),
        ("target.seats", 10**300, "seats_out_of_range", "target.seats"),
        ("target.seats", 0, "seats_out_of_range", "target.seats"),
        ("target.plan", "gold", "unknown_plan", "target.plan"),
        ("target.plan", ["pro"], "invalid_type", "target.plan"),
        ("target.cycle", "weekly", "invalid_cycle", "target.cycle"),
        ("target.cycle", None, "invalid_cycle", "target.cycle"),
        ("target", None, "invalid_type", "target"),
        ("target", [1, 2, 3], "invalid_type", "target"),
        ("target.extra", {"a": [1]}, "unknown_field", "target"),
        ("current.plan", "gold", "unknown_plan", "current.plan"),
        ("current.seats", 0, "seats_out_of_range", "current.seats"),
        ("current.seats", None, "invalid_type", "current.seats"),
        ("current", "pro", "invalid_type", "current"),
        ("current.period_end", "2026-02-30", "invalid_date", "current.period_end"),
        ("current.period_end", "2026-11-10", "invalid_period", "current.period_end"),
        ("current.period_start", 20261110, "invalid_type", "current.period_start"),
        ("today", "2026-12-10", "today_outside_period", "today"),
        ("today", "28/11/2026", "invalid_date", "today"),
        ("today", "20261128", "invalid_date", "today"),
        ("today", "2026-11-28T10:00:00", "invalid_date", "today"),
        ("today", None, "invalid_type", "today"),
    ],
)
def test_invalid_fields_are_named_in_italian(path, value, code, named):
    error = error_of(changed(path, value))
    assert error["code"] == code
    assert f"({named})" in error["message"]


@pytest.mark.parametrize("path", ["today", "target", "target.plan", "current.period_start"])
def test_missing_fields(path):
    error = error_of(changed(path))
    assert error["code"] == "missing_field"
    assert f"({path})" in error["message"] and "mancante" in error["message"]


def test_the_ui_message_is_kept_inside_the_contract_message():
    purchase = changed("current", None, changed("target.seats", 2))
    error = error_of(changed("target.plan", "business", purchase))
    expected = "Numero utenti (target.seats): il piano Business richiede almeno 3 utenti."
    assert error["message"] == expected


@pytest.mark.parametrize("item", [None, 3, "pro", [], True, {"today": "2026-11-28", "x": 1}])
def test_an_item_that_is_not_a_request(item):
    assert error_of(item)["code"] in {"invalid_type", "unknown_field", "missing_field"}


def test_array_answers_in_order_and_fails_if_any_item_fails():
    good, bad = EXAMPLE, changed("target.seats", 0)
    answers, exit_code = answer_document(CATALOG, json.dumps([good, bad, good]))
    assert exit_code == 2
    assert [("error" in answer) for answer in answers] == [False, True, False]
    assert answer_document(CATALOG, json.dumps([good, good]))[1] == 0
    assert answer_document(CATALOG, "[]") == ([], 0)


@pytest.mark.parametrize(
    "raw",
    ["", "  \n", "{", "{'today': 1}", "[1,", "NaN nonsense", b"\xff\xfe\x00", "[" * 100_000],
)
def test_malformed_documents_answer_one_error(raw):
    answer, exit_code = answer_document(CATALOG, raw)
    assert exit_code == 2
    assert answer["error"]["code"] == "invalid_json"


def test_a_huge_integer_literal_is_an_error_not_a_crash():
    raw = json.dumps(EXAMPLE).replace('"seats": 5', '"seats": ' + "9" * 5000)
    answer, exit_code = answer_document(CATALOG, raw)
    assert exit_code == 2 and "error" in answer


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(["pro", "monthly", "annual", "2026-11-28", "2026-02-30", "2026-12-10"]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
PATHS = [
    "today",
    "current",
    "target",
    "current.plan",
    "current.cycle",
    "current.seats",
    "current.period_start",
    "current.period_end",
    "target.plan",
    "target.cycle",
    "target.seats",
]


def assert_well_formed(answer: dict) -> None:
    if "error" in answer:
        assert set(answer["error"]) == {"code", "message"}
        assert answer["error"]["code"] != "internal_error", answer
        assert answer["error"]["message"]
    else:
        assert set(answer) == {"charge_now", "effective_now", "at_renewal", "scheduled"}
    json.dumps(answer)


@settings(max_examples=400)
@given(st.lists(st.tuples(st.sampled_from(PATHS), JSON_VALUES | st.just(...)), max_size=3))
def test_fuzzed_requests_always_answer_in_place(mutations):
    request = EXAMPLE
    for path, value in mutations:
        try:
            request = changed(path, value, request)
        except (KeyError, TypeError):
            continue  # the parent was already replaced by a scalar or removed
    answer, _ = answer_item(CATALOG, request)
    assert_well_formed(answer)


@given(JSON_VALUES)
def test_arbitrary_json_documents_never_crash(document):
    answer, exit_code = answer_document(CATALOG, json.dumps(document))
    for item in answer if isinstance(answer, list) else [answer]:
        assert_well_formed(item)
    assert exit_code in (0, 2)


@given(st.binary(max_size=64) | st.text(max_size=64))
def test_arbitrary_bytes_never_crash(raw):
    answer, exit_code = answer_document(CATALOG, raw)
    assert exit_code in (0, 2)
    json.dumps(answer)
