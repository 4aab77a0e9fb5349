"""What a changed registry or proposition list adds to a published build, or why it needs the full one.

New entries (registry entities, propositions) beside new articles stay incremental; changing or
removing an entry the published build holds needs the full build, and :func:`compare` says which
file, which entry (with its line) and what changed. The work state keeps a digest of every
published entry as written (:func:`~crisiskg.build.incremental.workstate.entry_digests`), so the
new and the changed ones are found without reading the published ones; only an entry whose digest
changed is compared triple by triple with the one published (read back from the lines of
``dataset.nq`` in the entities graph): one written differently with the same triples stays
incremental. A new entry whose label or alias occurs in a published article's text would add
mentions to that article, and a new id equal to a published event's would change what that
article's ids mean: both need the full build too.
"""

from __future__ import annotations

import mmap
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from crisiskg.build.incremental.workstate import entry_digests, text_holding
from crisiskg.build.publish import Release
from crisiskg.loaders.graph import to_graphs
from crisiskg.loaders.seeds import SeedSet
from crisiskg.terms import to_oxigraph
from crisiskg.vocab import ENTITIES_GRAPH, ID

_ENTITY, _PROPOSITION = str(ID) + "entity/", str(ID) + "proposition/"
# the seed field each property of the entities graph comes from, to say what changed
_FIELDS = {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type": "type",
    "http://www.w3.org/2000/01/rdf-schema#label": "label",
    "http://www.w3.org/2004/02/skos/core#prefLabel": "label",
    "http://www.w3.org/2004/02/skos/core#altLabel": "aliases",
    "http://www.w3.org/2000/01/rdf-schema#comment": "description",
    "https://w3id.org/crisiskg/ontology#locatedIn": "located_in",
    "http://www.opengis.net/ont/geosparql#hasGeometry": "point",
    "http://www.opengis.net/ont/geosparql#asWKT": "point",
    "https://schema.org/latitude": "point",
    "https://schema.org/longitude": "point",
    "http://www.w3.org/2004/02/skos/core#exactMatch": "same_as",
    "http://www.w3.org/2004/02/skos/core#definition": "definition",
}


class NeedsFullBuild(Exception):
    """An entry the published build holds changed or was removed (the message says which and how)."""


@dataclass
class Additions:
    """The registry entities and propositions that are new, and their quads in the entities graph."""

    entities: list[str] = field(default_factory=list)
    propositions: list[str] = field(default_factory=list)
    quads: list[Any] = field(default_factory=list)
    digests: dict[str, str] | None = None  # every entry's, for the next work state; None: unchanged

    def __bool__(self) -> bool:
        return bool(self.entities or self.propositions)

    def record(self) -> dict[str, list[str]]:
        """What the manifest of an incremental build says it added besides articles."""
        out = {}
        if self.entities:
            out["entities"] = self.entities
        if self.propositions:
            out["propositions"] = self.propositions
        return out


def _entry(subject: str) -> str | None:
    """The registry or proposition id whose entry states triples about ``subject``, or None."""
    for prefix in (_ENTITY, _PROPOSITION):
        if subject.startswith(prefix):
            return prefix + subject[len(prefix):].split("/", 1)[0]
    return None


def published_entries(release: Release, end: int | None = None) -> dict[str, set[Any]]:
    """The registry and proposition triples of ``release`` (read from its ``dataset.nq`` up to
    ``end``, the start of the inferred section when known), by entry IRI."""
    suffix = f" <{ENTITIES_GRAPH}> .\n".encode()
    lines: list[bytes] = []
    with open(release.dataset_file, "rb") as fh:
        size = fh.seek(0, 2)
        if size == 0:
            return {}
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            stop = size if end is None else min(end, size)
            at = mm.find(suffix, 0, stop)
            while at != -1:
                start = mm.rfind(b"\n", 0, at) + 1
                lines.append(mm[start:at + len(suffix)])
                at = mm.find(suffix, at + len(suffix), stop)
    out: dict[str, set[Any]] = defaultdict(set)
    for q in ox.parse(input=b"".join(lines), format=ox.RdfFormat.N_QUADS):
        entry = _entry(q.subject.value) if isinstance(q.subject, ox.NamedNode) else None
        if entry is not None:
            out[entry].add((q.subject, q.predicate, q.object))
    return out


def entry_triples(seeds: SeedSet, entries: set[str] | None = None) -> dict[str, set[Any]]:
    """The entities-graph triples of the registry entities and propositions of ``seeds`` (those
    whose IRI is in ``entries``, default all), by entry IRI."""
    ents, props = seeds.entities, seeds.propositions
    if entries is not None:
        ents = {k: v for k, v in ents.items() if _ENTITY + k in entries}
        props = {k: v for k, v in props.items() if _PROPOSITION + k in entries}
    only = SeedSet(seeds.folder, ents, props, [], {}, seeds.files, registry_doc=seeds.registry_doc)
    graphs, _origins = to_graphs(only, ontology=False)
    out: dict[str, set[Any]] = defaultdict(set)
    for s, p, o in graphs.get(ENTITIES_GRAPH, ()):
        entry = _entry(str(s))
        if entry is not None:
            out[entry].add((to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)))
    return out


def _where(seeds: SeedSet, entry: str) -> str:
    """``file:line`` and the kind and id of an entry of ``seeds``."""
    if entry.startswith(_ENTITY):
        ent_id, doc, section, kind = entry[len(_ENTITY):], seeds.registry_doc, "entities", "entity"
    else:
        ent_id, doc, section, kind = entry[len(_PROPOSITION):], seeds.propositions_doc, "propositions", "proposition"
    line = None
    if doc is not None:
        for i, item in enumerate(doc.data.get(section) or []):
            if item.get("id") == ent_id:
                line = doc.line((section, i))
    name = "seeds/registry.yaml" if kind == "entity" else "seeds/propositions.yaml"
    return f"{name}:{line}: {kind} {ent_id!r}" if line else f"{name}: {kind} {ent_id!r}"


def compare(seeds: SeedSet, release: Release, *, end: int, events: frozenset[str], texts: Path, published: dict[str, str]) -> Additions:
    """The entries of ``seeds`` that ``release`` does not hold, with their quads; raises
    NeedsFullBuild when one it holds changed or is gone, when a new id is a published event's
    (``events``), or when a new label or alias occurs in a published article's text (``texts``: the
    work state's file of them, :func:`~crisiskg.build.incremental.workstate.write_texts`).
    ``published``: the digest of every entry ``release`` holds (its work state's)."""
    digests = entry_digests(seeds)
    for entry in sorted(set(published) - set(digests)):
        kind = "entity" if entry.startswith(_ENTITY) else "proposition"
        file = "seeds/registry.yaml" if kind == "entity" else "seeds/propositions.yaml"
        raise NeedsFullBuild(f"{file}: {kind} {entry.rsplit('/', 1)[-1]!r} was removed")
    rewritten = {e for e, d in digests.items() if e in published and published[e] != d}
    fresh = set(digests) - set(published)
    now = entry_triples(seeds, rewritten | fresh)
    if rewritten:
        before = published_entries(release, end)
        for entry in sorted(rewritten):
            if now[entry] != before.get(entry, set()):
                fields = sorted({_FIELDS.get(t[1].value, t[1].value) for t in now[entry] ^ before.get(entry, set())})
                raise NeedsFullBuild(f"{_where(seeds, entry)} changed ({', '.join(fields)})")
    added = Additions(digests=digests)
    names: list[str] = []
    for entry in sorted(fresh):
        local = entry.rsplit("/", 1)[-1]
        if local in events:
            raise NeedsFullBuild(f"{_where(seeds, entry)} is new and has the id of a published event")
        if entry.startswith(_ENTITY):
            added.entities.append(local)
            ent = seeds.entities[local]
            names += [ent["label"], *ent.get("aliases", [])]
        else:
            added.propositions.append(local)
        gn = ox.NamedNode(str(ENTITIES_GRAPH))
        added.quads += [ox.Quad(s, p, o, gn) for s, p, o in sorted(now[entry], key=str)]
    hit = text_holding(texts, names) if names else None
    if hit is not None:
        raise NeedsFullBuild(f"the new registry name {hit[0]!r} occurs in published article {Path(hit[1]).name} (the full build adds its mentions)")
    return added


