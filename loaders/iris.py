"""Deterministic IRIs: the same seed content always mints the same IRI."""

from __future__ import annotations

import hashlib

from rdflib import URIRef

from crisiskg.vocab import ID


def entity(slug: str) -> URIRef:
    return ID[f"entity/{slug}"]


def event(slug: str) -> URIRef:
    return ID[f"event/{slug}"]


def stance(slug: str) -> URIRef:
    return ID[f"stance/{slug}"]


def proposition(slug: str) -> URIRef:
    return ID[f"proposition/{slug}"]


def article(key: str) -> URIRef:
    return ID[f"article/{key}"]


def unnamed_author(key: str) -> URIRef:
    return ID[f"article/{key}/author"]


def unnamed_source(key: str, slug: str) -> URIRef:
    """An unnamed source of one article ("one former official"): an agent of that article only."""
    return ID[f"article/{key}/source/{slug}"]


def span(key: str, begin: int, end: int) -> URIRef:
    """A NIF offset-based string IRI (RFC 5147 style fragment)."""
    return URIRef(f"{article(key)}#char={begin},{end}")


def context(key: str, length: int) -> URIRef:
    return span(key, 0, length)


def digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()[:12]


def casualty(event_slug: str, key: str, index: int) -> URIRef:
    return ID[f"event/{event_slug}/casualties/{key}-{index + 1}"]


def count(event_slug: str, part: str, key: str, index: int) -> URIRef:
    """A count (``munitions``, ``counts``) or damage report of an event in one article."""
    return ID[f"event/{event_slug}/{part}/{key}-{index + 1}"]


def claim(key: str, *parts: object) -> URIRef:
    return ID[f"claim/{key}-{digest(*parts)}"]


def role(key: str, *parts: object) -> URIRef:
    return ID[f"role/{key}-{digest(*parts)}"]


def geometry(slug: str) -> URIRef:
    return ID[f"entity/{slug}/geometry"]


def build(version: str) -> URIRef:
    return ID[f"build/{version}"]


def input_file(sha256: str) -> URIRef:
    return ID[f"input/{sha256[:16]}"]
