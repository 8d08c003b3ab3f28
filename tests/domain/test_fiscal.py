"""Italian billing data: what passes, how it is normalised, and the exact message for each error."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.it import codicefiscale, iva

from ts_store.domain.fiscal import (
    BILLING_FIELDS,
    FIELD_LABELS,
    BillingProfileData,
    validate_billing_profile,
    validate_field,
)
from ts_store.domain.provinces import PROVINCES, PROVINCES_107, SARDINIA_2025


def piva(first_ten: str) -> str:
    """A Partita IVA with the right check digit (first 7: matricola, next 3: IVA office)."""
    return first_ten + luhn.calc_check_digit(first_ten)


def with_check_char(first_fifteen: str) -> str:
    return first_fifteen + codicefiscale.calc_check_digit(first_fifteen)


VALID_PIVA = piva("1234567001")  # 12345670017
KNOWN_PIVA = "00743110157"  # stdnum's documented example
PERSON_CF = "RSSMRA85T10A562S"  # Mario Rossi, 10/12/1985, Roma


def form(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "company_name": "Rossi Impianti S.r.l.",
        "vat_number": VALID_PIVA,
        "tax_code": VALID_PIVA,
        "address": "Via Roma 1",
        "postal_code": "20121",
        "city": "Milano",
        "province": "MI",
        "invoice_email": "fatture@rossi-impianti.it",
        "sdi_code": "M5UXCR1",
        "pec": "",
    }
    base.update(overrides)
    return base


def errors_of(**overrides: object) -> dict[str, str]:
    data, errors = validate_billing_profile(form(**overrides))
    assert data is None
    return errors


def test_fixtures_are_really_valid_per_stdnum():
    assert iva.is_valid(VALID_PIVA)
    assert iva.is_valid(KNOWN_PIVA)
    assert codicefiscale.is_valid(PERSON_CF)


# --- valid profiles and normalisation --------------------------------------------------


def test_valid_company_profile_returns_data_and_no_errors():
    data, errors = validate_billing_profile(form())
    assert errors == {}
    assert data == BillingProfileData(
        company_name="Rossi Impianti S.r.l.",
        vat_number="12345670017",
        tax_code="12345670017",
        address="Via Roma 1",
        postal_code="20121",
        city="Milano",
        province="MI",
        invoice_email="fatture@rossi-impianti.it",
        sdi_code="M5UXCR1",
        pec="",
    )
    assert data.recipient_code == "M5UXCR1"


def test_valid_sole_trader_with_personal_codice_fiscale():
    data, errors = validate_billing_profile(form(tax_code=PERSON_CF))
    assert errors == {}
    assert data is not None and data.tax_code == PERSON_CF


def test_codice_fiscale_omocodia_is_valid():
    omocode = with_check_char("RSSMRA85T10A56N")  # last digit replaced by its letter
    assert validate_field("tax_code", omocode) is None


def test_codice_fiscale_woman_day_plus_40_is_valid():
    assert validate_field("tax_code", with_check_char("BNCLRA90A41F205")) is None


def test_normalises_it_prefix_spaces_and_lower_case():
    data, errors = validate_billing_profile(
        form(
            company_name="  Rossi   Impianti\tS.r.l. ",
            vat_number=" it 007 431 101 57 ",
            tax_code="rssmra85t10a562s",
            address=" Via  Roma 1 ",
            postal_code=" 20121 ",
            city=" Milano ",
            province=" mi ",
            invoice_email=" Fatture@Rossi-Impianti.IT ",
            sdi_code=" m5uxcr1 ",
            pec=" Rossi@PEC.it ",
        )
    )
    assert errors == {}
    assert data is not None
    assert data.company_name == "Rossi Impianti S.r.l."
    assert data.vat_number == KNOWN_PIVA
    assert data.tax_code == PERSON_CF
    assert data.address == "Via Roma 1"
    assert data.postal_code == "20121"
    assert data.city == "Milano"
    assert data.province == "MI"
    assert data.invoice_email == "Fatture@rossi-impianti.it"  # local part kept, domain lowered
    assert data.sdi_code == "M5UXCR1"
    assert data.pec == "Rossi@pec.it"


def test_partita_iva_with_dots_dashes_and_no_break_space_is_accepted():
    data, _ = validate_billing_profile(form(vat_number="IT\u00a0007.431-10157"))
    assert data is not None and data.vat_number == KNOWN_PIVA


def test_missing_keys_and_none_read_as_blank():
    data, errors = validate_billing_profile({"company_name": None})
    assert data is None
    assert set(errors) == set(BILLING_FIELDS) - {"pec"}


def test_labels_cover_every_field_in_order():
    assert tuple(FIELD_LABELS) == BILLING_FIELDS
    assert FIELD_LABELS["vat_number"] == "Partita IVA"
    assert FIELD_LABELS["sdi_code"] == "Codice Destinatario SDI"


# --- every invalid field gets its own message --------------------------------------------


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("company_name", "Ragione sociale: è obbligatoria."),
        ("vat_number", "Partita IVA: è obbligatoria."),
        ("tax_code", "Codice Fiscale: è obbligatorio."),
        ("address", "Indirizzo: è obbligatorio."),
        ("postal_code", "CAP: è obbligatorio."),
        ("city", "Città: è obbligatoria."),
        ("province", "Provincia: è obbligatoria."),
        ("invoice_email", "Email per le fatture: è obbligatoria."),
    ],
)
def test_required_field_blank_message(field, message):
    assert errors_of(**{field: "   "}) == {field: message}


def test_all_invalid_fields_reported_at_once():
    errors = errors_of(
        company_name="X",
        vat_number="123",
        tax_code="ABC",
        address="V",
        postal_code="2012",
        city="",
        province="XX",
        invoice_email="nope",
        sdi_code="",
        pec="",
    )
    assert set(errors) == set(BILLING_FIELDS) - {"pec"}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("X", "Ragione sociale: deve avere almeno 2 caratteri."),
        ("A" * 81, "Ragione sociale: può avere al massimo 80 caratteri."),
        ("Rossi\x00 S.r.l.", "Ragione sociale: contiene caratteri non ammessi."),
        ("Rossi\u200b S.r.l.", "Ragione sociale: contiene caratteri non ammessi."),
        (
            "Łukasz S.r.l.",
            "Ragione sociale: la fattura elettronica non ammette il carattere «Ł» "
            "(usa lettere latine, anche accentate).",
        ),
    ],
    ids=["one_char", "81_chars", "nul_byte", "zero_width_space", "outside_latin_1"],
)
def test_company_name_messages(value, message):
    assert errors_of(company_name=value) == {"company_name": message}


def test_company_name_boundaries_2_and_80_chars_are_valid():
    assert validate_field("company_name", "AB") is None
    assert validate_field("company_name", "A" * 80) is None


def test_accented_latin_names_are_valid_in_an_electronic_invoice():
    assert validate_field("company_name", "Caffè Perù di Nicolò & C. S.a.s.") is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1234567001", "Partita IVA: deve avere 11 cifre (ne hai indicate 10)."),
        ("123456700171", "Partita IVA: deve avere 11 cifre (ne hai indicate 12)."),
        ("IT", "Partita IVA: deve avere 11 cifre (ne hai indicate 0)."),
        ("12345670018", "Partita IVA: la cifra di controllo non è valida."),
        (
            "1234567A017",
            "Partita IVA: deve contenere solo cifre (11), con o senza il prefisso IT.",
        ),
        (
            "DE123456789",
            "Partita IVA: deve contenere solo cifre (11), con o senza il prefisso IT.",
        ),
        (
            piva("1234567200"),
            "Partita IVA: le cifre 8-10 non sono il codice di un ufficio IVA esistente.",
        ),
        (piva("0000000001"), "Partita IVA: le prime 7 cifre non possono essere tutte zero."),
    ],
    ids=[
        "10_digits",
        "12_digits",
        "prefix_only",
        "wrong_check_digit",
        "letter_inside",
        "foreign_prefix",
        "unknown_office_200",
        "zero_matricola",
    ],
)
def test_partita_iva_messages(value, message):
    assert errors_of(vat_number=value) == {"vat_number": message}


def test_partita_iva_dotless_turkish_i_is_not_read_as_it_prefix():
    message = validate_field("vat_number", "ıt" + KNOWN_PIVA)
    assert message == "Partita IVA: deve contenere solo cifre (11), con o senza il prefisso IT."


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("RSSMRA85T10A562T", "Codice Fiscale: il carattere di controllo (l'ultimo) non è valido."),
        (
            with_check_char("RSSMRA85T32A562"),
            "Codice Fiscale: la data di nascita contenuta nel codice non è valida.",
        ),
        (
            "RSSMRA85Z10A562S",
            "Codice Fiscale: il formato non è valido "
            "(6 lettere, 2 cifre, 1 lettera, 2 cifre, 1 lettera, 3 cifre, 1 lettera).",
        ),
        (
            "RSSMRA85T10A562",
            "Codice Fiscale: deve avere 16 caratteri (persona fisica) o 11 cifre (società).",
        ),
        (
            "1234567001",
            "Codice Fiscale: deve avere 16 caratteri (persona fisica) o 11 cifre (società).",
        ),
        ("12345670018", "Codice Fiscale: la cifra di controllo non è valida."),
        ("RSSMRA85T10A562!", "Codice Fiscale: può contenere solo lettere e cifre."),
    ],
    ids=[
        "person_wrong_check_char",
        "person_day_32",
        "person_bad_month_letter",
        "person_15_chars",
        "company_10_digits",
        "company_wrong_check_digit",
        "punctuation",
    ],
)
def test_codice_fiscale_messages(value, message):
    assert errors_of(tax_code=value) == {"tax_code": message}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Vi", "Indirizzo: deve avere almeno 3 caratteri."),
        ("V" * 61, "Indirizzo: può avere al massimo 60 caratteri."),
    ],
    ids=["two_chars", "61_chars"],
)
def test_address_messages(value, message):
    assert errors_of(address=value) == {"address": message}


@pytest.mark.parametrize("value", ["2012", "201210", "2O121", "20 121", "٢٠١٢١"])
def test_cap_not_five_ascii_digits(value):
    assert errors_of(postal_code=value) == {"postal_code": "CAP: deve essere di 5 cifre."}


def test_cap_with_leading_zero_is_valid():
    assert validate_field("postal_code", "00184") is None  # Roma


def test_city_longer_than_fatturapa_60_chars():
    assert errors_of(city="M" * 61) == {"city": "Città: può avere al massimo 60 caratteri."}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("XX", "Provincia: «XX» non è una sigla di provincia italiana."),
        ("M", "Provincia: «M» non è una sigla di provincia italiana."),
        ("Milano", "Provincia: indica la sigla di due lettere (per Milano: MI)."),
        (
            "ZZZZZZZZZZZZZZZZZZZZ",
            "Provincia: «ZZZZZZZZZZZZ…» non è una sigla di provincia italiana.",
        ),
    ],
    ids=["unknown_sigla", "one_letter", "full_name_hint", "long_value_cut_short"],
)
def test_province_messages(value, message):
    assert errors_of(province=value) == {"province": message}


def test_province_list_has_the_107_sigle_and_the_sardinian_2025_ones():
    assert len(PROVINCES_107) == 107
    assert {"SU", "CA", "SS", "NU", "OR", "BT", "FM", "MB"} <= set(PROVINCES_107)
    assert set(SARDINIA_2025) == {"OT", "OG", "VS", "CI"}
    assert len(PROVINCES) == 111
    assert all(len(sigla) == 2 and sigla.isupper() for sigla in PROVINCES)


@pytest.mark.parametrize("sigla", sorted(PROVINCES))
def test_every_listed_province_is_accepted(sigla):
    assert validate_field("province", sigla.lower()) is None


@pytest.mark.parametrize(
    "value",
    ["nope", "a@b", "a@@b.it", "a b@c.it", "a@b.i", "a@-b.it", ".a@b.it", "a..b@c.it", "è@b.it"],
)
def test_invoice_email_invalid_syntax(value):
    assert errors_of(invoice_email=value) == {
        "invoice_email": "Email per le fatture: non è un indirizzo email valido "
        "(es. fatture@azienda.it)."
    }


def test_invoice_email_longer_than_254_chars_is_invalid():
    address = "a" * 64 + "@" + ".".join(["b" * 60, "c" * 60, "d" * 60, "e" * 10, "it"])
    assert len(address) > 254
    assert validate_field("invoice_email", address) is not None


def test_invoice_email_local_part_of_65_chars_is_invalid():
    assert validate_field("invoice_email", "a" * 65 + "@rossi.it") is not None
    assert validate_field("invoice_email", "a" * 64 + "@rossi.it") is None


def test_invoice_email_plus_and_subdomain_are_valid():
    assert validate_field("invoice_email", "amministrazione+ts@mail.rossi.co.uk") is None


# --- electronic invoice channel: SDI code and/or PEC -------------------------------------

NO_CHANNEL = (
    "Codice Destinatario SDI: indica il Codice Destinatario (7 caratteri) "
    "oppure un indirizzo PEC per ricevere la fattura elettronica."
)


def test_sdi_code_alone_is_valid():
    assert validate_billing_profile(form(sdi_code="ABC1234", pec=""))[1] == {}


def test_pec_alone_is_valid_and_recipient_code_is_seven_zeros():
    data, errors = validate_billing_profile(form(sdi_code="", pec="rossi@pec.it"))
    assert errors == {}
    assert data is not None and data.sdi_code == "" and data.recipient_code == "0000000"


def test_seven_zeros_with_pec_is_valid():
    assert validate_billing_profile(form(sdi_code="0000000", pec="rossi@pec.it"))[1] == {}


def test_sdi_and_pec_both_given_is_valid():
    assert validate_billing_profile(form(sdi_code="M5UXCR1", pec="rossi@pec.it"))[1] == {}


def test_seven_zeros_without_pec_is_invalid():
    assert errors_of(sdi_code="0000000", pec="") == {
        "sdi_code": "Codice Destinatario SDI: «0000000» vale solo se indichi anche una PEC."
    }


def test_neither_sdi_nor_pec_is_invalid_on_sdi_code():
    assert errors_of(sdi_code=" ", pec=None) == {"sdi_code": NO_CHANNEL}


@pytest.mark.parametrize("value", ["ABC123", "ABC12345", "ABC-123", "ABC 123"])
def test_sdi_code_not_seven_alphanumerics(value):
    assert errors_of(sdi_code=value) == {
        "sdi_code": "Codice Destinatario SDI: deve essere di 7 caratteri, lettere o cifre."
    }


def test_invalid_pec_with_valid_sdi_is_reported_on_pec():
    assert errors_of(sdi_code="M5UXCR1", pec="rossi@pec") == {
        "pec": "PEC: non è un indirizzo email valido (es. azienda@pec.it)."
    }


def test_invalid_pec_without_sdi_reports_the_pec_only():
    assert set(errors_of(sdi_code="", pec="rossi")) == {"pec"}


# --- validate_field ----------------------------------------------------------------------


def test_validate_field_uses_raw_for_the_sdi_pec_pair():
    assert validate_field("sdi_code", "0000000") is not None
    assert validate_field("sdi_code", "0000000", {"pec": "rossi@pec.it"}) is None
    assert validate_field("sdi_code", "", form(pec="rossi@pec.it")) is None
    assert validate_field("sdi_code", "", form(pec="")) == NO_CHANNEL


def test_validate_field_value_overrides_raw():
    assert validate_field("city", "", form(city="Milano")) == "Città: è obbligatoria."


def test_validate_field_ignores_other_fields_errors():
    assert validate_field("postal_code", "20121", {"vat_number": "junk"}) is None


def test_validate_field_unknown_name_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown billing field"):
        validate_field("iban", "IT60X0542811101000000123456")


# --- never raises on junk ----------------------------------------------------------------


@pytest.mark.parametrize("junk", [123, 12.5, True, b"bytes", ["MI"], {"a": 1}, object()])
def test_non_text_value_gets_a_message(junk):
    assert errors_of(province=junk) == {"province": "Provincia: il valore deve essere un testo."}


@pytest.mark.parametrize("raw", [None, [], "text", 42])
def test_raw_that_is_not_a_mapping_reads_as_empty(raw):
    data, errors = validate_billing_profile(raw)  # type: ignore[arg-type]
    assert data is None
    assert errors["company_name"] == "Ragione sociale: è obbligatoria."


class ExplodingMapping(Mapping[str, object]):
    def __getitem__(self, key: str) -> object:
        raise RuntimeError("boom")

    def __iter__(self) -> Iterator[str]:
        return iter(BILLING_FIELDS)

    def __len__(self) -> int:
        return len(BILLING_FIELDS)


def test_mapping_whose_get_raises_does_not_crash():
    data, errors = validate_billing_profile(ExplodingMapping())
    assert data is None
    assert set(errors) == set(BILLING_FIELDS)


def test_megabyte_strings_in_every_field_do_not_crash():
    huge = "9" * 1_000_000
    data, errors = validate_billing_profile(dict.fromkeys(BILLING_FIELDS, huge))
    assert data is None
    assert errors["province"] == "Provincia: «999999999999…» non è una sigla di provincia italiana."
    assert errors["vat_number"] == "Partita IVA: deve avere 11 cifre (ne hai indicate 1000000)."


def test_lone_surrogate_in_free_text_is_refused():
    assert errors_of(city="Mil\udc80no") == {"city": "Città: contiene caratteri non ammessi."}


_junk_values = st.one_of(st.none(), st.text(), st.integers(), st.booleans(), st.floats())
_junk_keys = st.one_of(st.sampled_from(BILLING_FIELDS), st.text(max_size=5))


@given(st.dictionaries(_junk_keys, _junk_values))
def test_any_dict_of_junk_never_raises(raw):
    data, errors = validate_billing_profile(raw)
    assert (data is None) == bool(errors)
    assert set(errors) <= set(BILLING_FIELDS)
    assert all(message.startswith(FIELD_LABELS[field] + ":") for field, message in errors.items())


@given(st.sampled_from(BILLING_FIELDS), _junk_values, st.dictionaries(_junk_keys, _junk_values))
def test_validate_field_never_raises_on_junk(field, value, raw):
    message = validate_field(field, value, raw)  # type: ignore[arg-type]
    assert message is None or message.startswith(FIELD_LABELS[field] + ":")


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_any_text_in_every_field_is_valid_or_explained(text):
    data, errors = validate_billing_profile(dict.fromkeys(BILLING_FIELDS, text))
    assert data is None
    assert all(message.startswith(FIELD_LABELS[field] + ":") for field, message in errors.items())


def test_normalised_data_validates_again_unchanged():
    data, _ = validate_billing_profile(form(vat_number="it 00743110157", province="rm"))
    assert data is not None
    again, errors = validate_billing_profile(vars(data))
    assert errors == {} and again == data
