"""Italian province sigle accepted in a billing address.

Two lists, kept apart so the choice is visible:

* ``PROVINCES_107`` — the 107 sigle of the provinces, metropolitan cities and equivalent
  bodies in force from 2016 (Sud Sardegna, SU) until the 2025 Sardinian reform. They are the
  sigle that ISTAT, the Agenzia delle Entrate and every Italian address database use, so an
  existing customer's address always carries one of them.
* ``SARDINIA_2025`` — the Sardinian reform (L.R. 9/2023, in force from 2025) abolished Sud
  Sardegna, turned Sassari into a metropolitan city and (re)created Gallura Nord-Est Sardegna,
  Ogliastra, Medio Campidano and Sulcis Iglesiente. When this list was written no new sigla
  had been officially assigned to them yet (vehicle registrations were blocked for that very
  reason in early 2026); addresses there use the historical sigle of the same territories
  (2005–2016): OT, OG, VS, CI. We accept those four: they are real sigle, well known to
  Poste Italiane, and refusing them would block customers in those areas. SU stays valid
  because it is still on existing documents and registries.

If an official sigla is later assigned, add it to ``SARDINIA_2025`` (one line, one test).
"""

from __future__ import annotations

PROVINCES_107: dict[str, str] = {
    "AG": "Agrigento",
    "AL": "Alessandria",
    "AN": "Ancona",
    "AO": "Aosta",
    "AP": "Ascoli Piceno",
    "AQ": "L'Aquila",
    "AR": "Arezzo",
    "AT": "Asti",
    "AV": "Avellino",
    "BA": "Bari",
    "BG": "Bergamo",
    "BI": "Biella",
    "BL": "Belluno",
    "BN": "Benevento",
    "BO": "Bologna",
    "BR": "Brindisi",
    "BS": "Brescia",
    "BT": "Barletta-Andria-Trani",
    "BZ": "Bolzano",
    "CA": "Cagliari",
    "CB": "Campobasso",
    "CE": "Caserta",
    "CH": "Chieti",
    "CL": "Caltanissetta",
    "CN": "Cuneo",
    "CO": "Como",
    "CR": "Cremona",
    "CS": "Cosenza",
    "CT": "Catania",
    "CZ": "Catanzaro",
    "EN": "Enna",
    "FC": "Forlì-Cesena",
    "FE": "Ferrara",
    "FG": "Foggia",
    "FI": "Firenze",
    "FM": "Fermo",
    "FR": "Frosinone",
    "GE": "Genova",
    "GO": "Gorizia",
    "GR": "Grosseto",
    "IM": "Imperia",
    "IS": "Isernia",
    "KR": "Crotone",
    "LC": "Lecco",
    "LE": "Lecce",
    "LI": "Livorno",
    "LO": "Lodi",
    "LT": "Latina",
    "LU": "Lucca",
    "MB": "Monza e della Brianza",
    "MC": "Macerata",
    "ME": "Messina",
    "MI": "Milano",
    "MN": "Mantova",
    "MO": "Modena",
    "MS": "Massa-Carrara",
    "MT": "Matera",
    "NA": "Napoli",
    "NO": "Novara",
    "NU": "Nuoro",
    "OR": "Oristano",
    "PA": "Palermo",
    "PC": "Piacenza",
    "PD": "Padova",
    "PE": "Pescara",
    "PG": "Perugia",
    "PI": "Pisa",
    "PN": "Pordenone",
    "PO": "Prato",
    "PR": "Parma",
    "PT": "Pistoia",
    "PU": "Pesaro e Urbino",
    "PV": "Pavia",
    "PZ": "Potenza",
    "RA": "Ravenna",
    "RC": "Reggio Calabria",
    "RE": "Reggio Emilia",
    "RG": "Ragusa",
    "RI": "Rieti",
    "RM": "Roma",
    "RN": "Rimini",
    "RO": "Rovigo",
    "SA": "Salerno",
    "SI": "Siena",
    "SO": "Sondrio",
    "SP": "La Spezia",
    "SR": "Siracusa",
    "SS": "Sassari",
    "SU": "Sud Sardegna",
    "SV": "Savona",
    "TA": "Taranto",
    "TE": "Teramo",
    "TN": "Trento",
    "TO": "Torino",
    "TP": "Trapani",
    "TR": "Terni",
    "TS": "Trieste",
    "TV": "Treviso",
    "UD": "Udine",
    "VA": "Varese",
    "VB": "Verbano-Cusio-Ossola",
    "VC": "Vercelli",
    "VE": "Venezia",
    "VI": "Vicenza",
    "VR": "Verona",
    "VT": "Viterbo",
    "VV": "Vibo Valentia",
}

SARDINIA_2025: dict[str, str] = {
    "CI": "Sulcis Iglesiente",
    "OG": "Ogliastra",
    "OT": "Gallura Nord-Est Sardegna",
    "VS": "Medio Campidano",
}

#: Every sigla a billing address may carry, sorted by sigla (ready for a select box).
PROVINCES: dict[str, str] = dict(sorted((PROVINCES_107 | SARDINIA_2025).items()))


def is_province(sigla: str) -> bool:
    """True for an accepted sigla, given already trimmed and upper-cased."""
    return sigla in PROVINCES


def province_name(sigla: str) -> str | None:
    """The province's name for a sigla (for summaries and invoices), or None."""
    return PROVINCES.get(sigla)
