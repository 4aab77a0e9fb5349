"""Where in the seed files each minted IRI was written: the file and the path of the entry that
made it, so that a SHACL result about a node can name the line and column to fix.

The IRIs are minted again from the seeds the way :mod:`crisiskg.loaders.graph` mints them (the
same :mod:`crisiskg.loaders.iris` functions): registry entities and propositions, articles and
their unnamed authors and sources, events (in each article that annotates them), their counts,
casualties and damage reports, claims, roles, stances and evidence spans.
"""

from __future__ import annotations

from typing import Any

from crisiskg.errors import Problem
from crisiskg.loaders import iris, schema
from crisiskg.loaders.seedset import CLAIMED, ArticleSeed, SeedSet, munitions
from crisiskg.loaders.yamlio import Path_, YamlDoc
from crisiskg.vocab import CKG

Place = tuple[YamlDoc, Path_]


class Locator:
    """IRI -> (seed file's document, path of the entry that made it)."""

    def __init__(self, seeds: SeedSet):
        self.places: dict[str, Place] = {}
        if seeds.registry_doc is not None:
            for i, ent in enumerate(seeds.registry_doc.data.get("entities") or []):
                self._put(iris.entity(ent["id"]), seeds.registry_doc, ("entities", i))
                self._put(iris.geometry(ent["id"]), seeds.registry_doc, ("entities", i, "point"))
        if seeds.propositions_doc is not None:
            for i, prop in enumerate(seeds.propositions_doc.data.get("propositions") or []):
                self._put(iris.proposition(prop["id"]), seeds.propositions_doc, ("propositions", i))
        for art in seeds.articles:
            self._article(seeds, art)

    def _put(self, iri: Any, doc: YamlDoc, path: Path_) -> None:
        self.places.setdefault(str(iri), (doc, path))

    def _article(self, seeds: SeedSet, art: ArticleSeed) -> None:
        doc, key, meta = art.doc, art.key, art.meta
        self._put(iris.article(key), doc, ("article",))
        self._put(iris.unnamed_author(key), doc, ("article", "authors"))
        for (k, path), sp in seeds.spans.items():
            if k == key:
                last = path[-1] if path else None
                self._put(iris.span(key, sp.begin, sp.end), doc, path if last == "attribution" else path + ("quote",))
        for i, src in enumerate(art.items("sources")):
            self._put(iris.unnamed_source(key, src["id"]), doc, ("sources", i))
        authors = [iris.entity(a) for a in meta["authors"]] or [iris.unnamed_author(key)]
        sources = art.source_ids

        def holders(value: Any) -> list[Any]:
            out: list[Any] = []
            for v in value if isinstance(value, list) else [value]:
                out.extend(authors if v == "author" else [iris.unnamed_source(key, v) if v in sources else iris.entity(v)])
            return out

        def ref(slug: str) -> Any:
            if slug in seeds.entities:
                return iris.entity(slug)
            return iris.proposition(slug) if slug in seeds.propositions else iris.event(slug)

        for i, ev in enumerate(art.items("events")):
            p: Path_ = ("events", i)
            self._put(iris.event(ev["id"]), doc, p)
            for j, (sub, _m) in enumerate(munitions(ev)):
                self._put(iris.count(ev["id"], "munitions", key, j), doc, p + sub)
            for part in CLAIMED:
                for j, _item in enumerate(ev.get(part) or []):
                    node = iris.casualty(ev["id"], key, j) if part == "casualties" else iris.count(ev["id"], part, key, j)
                    self._put(node, doc, p + (part, j))
        for i, rel in enumerate(art.items("relations")):
            subj = schema.ANYONE if rel["subject"] == schema.ANYONE else ref(rel["subject"])
            node = iris.claim(key, subj, CKG[rel["predicate"]], ref(rel["object"]), rel.get("polarity", "affirmed"),
                              *holders(rel.get("claimed_by", "author")))
            self._put(node, doc, ("relations", i))
        for i, role in enumerate(art.items("roles")):
            self._put(iris.role(key, role["holder"], role["title"], role.get("in")), doc, ("roles", i))
        for i, st in enumerate(art.items("stances")):
            self._put(iris.stance(st["id"]), doc, ("stances", i))

    def __call__(self, iri: str) -> Place | None:
        """Where ``iri`` (or, for a node below a minted one, its nearest minted ancestor) was written."""
        found = self.places.get(iri)
        if found is None and "#" in iri:  # an automatic mention or a sentence: its article
            iri = iri.split("#", 1)[0]
            found = self.places.get(iri)
        parent = iri
        while found is None and "/" in parent.split("/id/", 1)[-1]:
            parent = parent.rsplit("/", 1)[0]
            found = self.places.get(parent)
        return found

    def problem(self, iri: str, message: str, hint: str | None = None, field: str | None = None) -> Problem | None:
        """A Problem at the entry that made ``iri`` (at its ``field`` when the entry has it), or None."""
        place = self(iri)
        if place is None:
            return None
        doc, path = place
        data = _at(doc.data, path)
        if field and isinstance(data, dict) and field in data:
            path = path + (field,)
        return doc.problem(path, message, hint)


def _at(data: Any, path: Path_) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data
