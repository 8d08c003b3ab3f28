"""Dynamic route arguments read from the browser's path (not Reflex's deprecated page params)."""

from __future__ import annotations

import pytest

from ts_store.ui import routes


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/myarea/licenza/12", "12"),
        ("/myarea/licenza/12/", "12"),
        ("/myarea/licenza/12?sezione=piano", "12"),
        ("/myarea/licenza/abc", "abc"),  # the page itself refuses a non-number
        ("/myarea/licenza", ""),
        ("/myarea/licenza/12/extra", ""),
        ("/myarea/acquista/12", ""),
        ("/", ""),
    ],
)
def test_licence_id_from_the_licence_page_path(path, expected):
    assert routes.route_arg(path, routes.LICENCE, "licence_id") == expected


def test_purchase_page_path_gives_its_licence_id():
    assert routes.route_arg(routes.purchase_url(7), routes.PURCHASE, "licence_id") == "7"


def test_unknown_argument_name_gives_nothing():
    assert routes.route_arg("/myarea/licenza/12", routes.LICENCE, "customer_id") == ""
