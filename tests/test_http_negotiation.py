"""Content negotiation (RFC 9110): q-values, specificity, exclusion with q=0, server order on ties."""

from __future__ import annotations

import pytest

from crisiskg.service.negotiation import RDF, RESULTS, choose, negotiate, parse_accept, quality

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

OFFERS = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv"]


@pytest.mark.parametrize("accept, expected", [
    (None, "application/sparql-results+json"),
    ("", "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("*", "application/sparql-results+json"),
    ("text/csv", "text/csv"),
    ("TEXT/CSV", "text/csv"),
    ("application/*", "application/sparql-results+json"),
    ("application/*;q=0.5, text/csv;q=0.6", "text/csv"),
    ("application/sparql-results+xml;q=1.0, application/sparql-results+json;q=0.9", "application/sparql-results+xml"),
    ("application/sparql-results+json;q=0, */*", "application/sparql-results+xml"),  # explicit exclusion beats */*
    ("text/*;q=0, */*;q=0.1", "application/sparql-results+json"),
    ("text/csv; charset=utf-8; q=0.9, application/json;q=0.1", "text/csv"),
    ("image/png", None),
    ("application/sparql-results+json;q=0, application/sparql-results+xml;q=0, text/csv;q=0", None),
    ("text/csv;q=bogus, application/sparql-results+xml", "application/sparql-results+xml"),
    ("garbage, text/csv", "text/csv"),
])
def test_choose(accept: str | None, expected: str | None) -> None:
    assert choose(accept, OFFERS) == expected


def test_most_specific_range_gives_the_quality() -> None:
    ranges = parse_accept("text/*;q=0.3, text/csv;q=0.8, */*;q=0.1")
    assert quality(ranges, "text/csv") == 0.8
    assert quality(ranges, "text/tab-separated-values") == 0.3
    assert quality(ranges, "application/json") == 0.1


def test_negotiate_tables_and_html() -> None:
    assert negotiate("application/json", RESULTS) == ("application/json", "json")
    assert negotiate("application/json", RDF) == ("application/json", "jsonld")
    assert negotiate("text/html", RDF) is None
    assert negotiate("text/html", RDF, html=True) == ("text/html", "html")
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert negotiate(browser, RESULTS, html=True) == ("text/html", "html")
    assert negotiate(browser, RESULTS) == ("application/xml", "xml")
    assert negotiate("*/*", RDF, html=True) == ("text/turtle", "ttl")  # HTML only when asked for
