"""The ontology as data: its graph, and the value sets the seed schema takes from it."""

from __future__ import annotations

from functools import lru_cache

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from crisiskg.vocab import CAMEO_FILE, CKG, CKG_URI, ONTOLOGY_FILE


@lru_cache(maxsize=1)
def ontology_graph() -> Graph:
    """The ontology and the CAMEO scheme, parsed once (treat as read-only)."""
    g = Graph()
    g.parse(ONTOLOGY_FILE, format="turtle")
    g.parse(CAMEO_FILE, format="turtle")
    return g


def _local(term: URIRef) -> str:
    return str(term)[len(CKG_URI):]


def subclasses(root: URIRef) -> list[str]:
    """Local names of ``root`` and every ckg class below it."""
    g = ontology_graph()
    found = {root}
    frontier = [root]
    while frontier:
        cls = frontier.pop()
        for sub in g.subjects(RDFS.subClassOf, cls):
            if isinstance(sub, URIRef) and sub not in found:
                found.add(sub)
                frontier.append(sub)
    return sorted(_local(c) for c in found if str(c).startswith(CKG_URI))


def event_classes() -> list[str]:
    return subclasses(CKG.Event)


def entity_types() -> list[str]:
    return sorted(set(subclasses(CKG.Actor) + subclasses(CKG.Place) + ["Weapon"]) - {"UnnamedAuthor"})


def individuals(cls: URIRef) -> list[str]:
    """Local names of the ckg individuals of ``cls`` (channels, polarities...)."""
    return sorted(_local(s) for s in ontology_graph().subjects(RDF.type, cls) if isinstance(s, URIRef) and s.startswith(CKG_URI))


def cameo_codes() -> list[str]:
    return sorted(str(n) for n in ontology_graph().objects(None, SKOS.notation))
