"""``Filters`` alone: one object from a query string and from the CLI's flags, back to
either, to SQL with bound values, and in words."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs

import pytest

from unspin.corpus import Filters
from unspin.errors import FilterError


def test_a_query_string_and_the_flags_give_the_same_filters() -> None:
    url = parse_qs("since=2024-03-01&outlet=Daily+Ledger&outlet=Coast+Gazette&speaker=Mara"
                   "+Okafor&period=week&all-copies=true&top=5")
    flags = Filters.from_cli(since="2024-03-01", outlet=["Daily Ledger,Coast Gazette"],
                             speaker=["Mara Okafor"], period="week", all_copies=True, top=5)
    assert Filters.from_params(url) == flags
    assert flags.since == dt.date(2024, 3, 1) and flags.outlets == ("Daily Ledger", "Coast Gazette")


def test_filters_go_back_to_the_same_query_string_and_command() -> None:
    f = Filters.from_params(parse_qs("until=2024-04-30&technique=Doubt&compare=A,B"))
    assert f.query_string() == "until=2024-04-30&compare=A%2CB&technique=Doubt"
    assert Filters.from_params(parse_qs(f.query_string())) == f
    assert f.cli(["OUT"]) == "unspin corpus OUT --until 2024-04-30 --compare A,B --technique Doubt"


def test_the_sql_binds_every_value_and_writes_none() -> None:
    f = Filters(since=dt.date(2024, 1, 1), outlets=("x'; DROP TABLE articles_all; --",),
                narratives=("N",))
    where, params = f.where()
    sql = " ".join(where)
    assert "2024" not in sql and "DROP" not in sql and "$f_since" in sql
    assert params == {"f_since": dt.date(2024, 1, 1),
                      "f_outlets": ["x'; DROP TABLE articles_all; --"], "f_narratives": ["N"]}


def test_the_description_says_what_the_view_keeps() -> None:
    f = Filters(outlets=("Daily Ledger",), since=dt.date(2024, 3, 1), speakers=("Mara Okafor",))
    assert f.describe() == ("Articles from Daily Ledger, published 2024-03-01 or later, quoting "
                            "Mara Okafor; each story once; timelines per month.")
    assert Filters().describe().startswith("All articles")


@pytest.mark.parametrize(("query", "message"), [
    ("since=2024-13-01", "since '2024-13-01' is not a date"),
    ("since=2024-05-01&until=2024-04-01", "is after"),
    ("period=year", "unknown period 'year'"),
    ("top=-1", "top is a whole number"),
    ("top=99999", "top is a whole number"),
    ("all-copies=maybe", "all-copies is true or false"),
    ("compare=A", "compare takes two outlets"),
    ("compare=A,B&outlet=C", "compare takes two outlets"),
    ("colour=red", "unknown parameter 'colour'"),
    ("since=2024-01-01&since=2024-02-01", "since takes one value"),
])
def test_a_bad_value_is_a_coded_filter_error(query: str, message: str) -> None:
    with pytest.raises(FilterError, match=message) as caught:
        Filters.from_params(parse_qs(query, keep_blank_values=True))
    assert caught.value.code == "E302"


def test_values_are_bounded_in_length_and_number() -> None:
    with pytest.raises(FilterError, match="at most 300 printable"):
        Filters.from_params({"speaker": ["x" * 301]})
    with pytest.raises(FilterError, match="at most 50 values"):
        Filters.from_params({"outlet": [",".join(map(str, range(51)))]})
    with pytest.raises(FilterError, match="printable"):
        Filters.from_params({"outlet": ["a\x00b"]})
