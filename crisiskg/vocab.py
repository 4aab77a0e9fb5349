"""Namespaces, each spelled once. Closed namespaces, so that a typo fails at once.

The crisiskg terms are read from ``ontology/crisiskg.ttl``: the ontology is their one source.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SDO, SKOS, XSD, ClosedNamespace


def package_folder(package: str) -> Path:
    """The folder of an installed data package (``crisiskg.ontology``, ``crisiskg.queries``): the
    wheel's copy, or the checkout's folder in an editable install. RuntimeError for a zipped
    install, which pip never makes."""
    folder = resources.files(package)
    if not isinstance(folder, Path):
        raise RuntimeError(f"{package} is not installed as files ({folder!r}): reinstall crisiskg with pip")  # noqa: TRY004  # an install problem, not a caller's type
    return folder


ONTOLOGY_DIR = package_folder("crisiskg.ontology")
ONTOLOGY_FILE = ONTOLOGY_DIR / "crisiskg.ttl"
CAMEO_FILE = ONTOLOGY_DIR / "cameo.ttl"
SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"

BASE = "https://w3id.org/crisiskg/"
CKG_URI = BASE + "ontology#"
ID = Namespace(BASE + "id/")
GRAPH = Namespace(BASE + "graph/")
CAMEO = Namespace(BASE + "cameo/")


def _ontology_terms() -> list[str]:
    text = ONTOLOGY_FILE.read_text(encoding="utf-8")
    return sorted(set(re.findall(r"(?<![\w:])ckg:([A-Za-z][A-Za-z0-9]*)", text)))


CKG = ClosedNamespace(CKG_URI, _ontology_terms())

SEM = ClosedNamespace(
    "http://semanticweb.cs.vu.nl/2009/11/sem/",
    ["Event", "Actor", "Place", "Time", "hasActor", "hasPlace", "hasTimeStamp", "subEventOf"],
)
NIF = ClosedNamespace(
    "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#",
    [
        "Context", "Phrase", "Sentence", "String", "OffsetBasedString", "RFC5147String", "isString",
        "beginIndex", "endIndex", "anchorOf", "referenceContext", "sentence", "taIdentRef", "sourceUrl",
    ],
)
GAF = ClosedNamespace("http://groundedannotationframework.org/gaf#", ["denotedBy", "denotes"])
GEO = ClosedNamespace(
    "http://www.opengis.net/ont/geosparql#",
    ["Feature", "Geometry", "hasGeometry", "asWKT", "wktLiteral"],
)
WIKIDATA = Namespace("http://www.wikidata.org/entity/")
GEONAMES = Namespace("https://sws.geonames.org/")
VOID = Namespace("http://rdfs.org/ns/void#")
SH = Namespace("http://www.w3.org/ns/shacl#")

PREFIXES: dict[str, str] = {
    "ckg": CKG_URI,
    "id": str(ID),
    "graph": str(GRAPH),
    "cameo": str(CAMEO),
    "sem": str(SEM),
    "nif": str(NIF),
    "gaf": str(GAF),
    "geo": str(GEO),
    "prov": str(PROV),
    "skos": str(SKOS),
    "schema": str(SDO),
    "dct": str(DCTERMS),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "wd": str(WIKIDATA),
}

# Named graphs of a build.
ONTOLOGY_GRAPH = GRAPH["ontology"]
ENTITIES_GRAPH = GRAPH["entities"]
PROVENANCE_GRAPH = GRAPH["provenance"]
INFERRED_GRAPH = GRAPH["inferred"]
BUILD_GRAPHS = (ONTOLOGY_GRAPH, ENTITIES_GRAPH, INFERRED_GRAPH, PROVENANCE_GRAPH)  # and one graph per article


def article_graph(key: str):  # -> URIRef
    """The named graph of what article ``key`` asserts."""
    return GRAPH[f"article/{key}"]


def shorten(iri: str) -> str:
    """An IRI as a CURIE when a known prefix covers it (the longest one), else the IRI."""
    best = ""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(PREFIXES.get(best, "")):
            best = prefix
    return f"{best}:{iri[len(PREFIXES[best]):]}" if best else iri


def local_name(iri: str) -> str:
    """The last path or fragment segment of an IRI: ``.../id/entity/iraq`` -> ``iraq``."""
    return re.split(r"[/#]", iri.rstrip("/"))[-1]


def sparql_prologue() -> str:
    """PREFIX lines for every namespace above."""
    return "".join(f"PREFIX {p}: <{u}>\n" for p, u in PREFIXES.items())


# The ontology as data: its graph, and the value sets the seed schema takes from it.
@lru_cache(maxsize=1)
def ontology_graph() -> Graph:
    """The ontology and the CAMEO scheme, parsed once (treat as read-only)."""
    g = Graph()
    g.parse(ONTOLOGY_FILE, format="turtle")
    g.parse(CAMEO_FILE, format="turtle")
    return g


def _local(term: str) -> str:
    return term[len(CKG_URI):]


@lru_cache(maxsize=1)
def _ontology_triples() -> tuple[tuple[str, str, str], ...]:
    """The ontology's and the CAMEO scheme's triples as read by pyoxigraph (milliseconds, where
    :func:`ontology_graph` takes tens of them): all the value sets below need. Subjects are IRIs
    (blank nodes left out); objects IRIs or a literal's value."""
    import pyoxigraph as ox

    out = []
    for path in (ONTOLOGY_FILE, CAMEO_FILE):
        for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            if isinstance(t.subject, ox.NamedNode) and isinstance(t.object, ox.NamedNode | ox.Literal):
                out.append((t.subject.value, t.predicate.value, t.object.value))
    return tuple(out)


def subclasses(root: URIRef) -> list[str]:
    """Local names of ``root`` and every ckg class below it."""
    below: dict[str, list[str]] = {}
    for s, p, o in _ontology_triples():
        if p == str(RDFS.subClassOf):
            below.setdefault(o, []).append(s)
    found = {str(root)}
    frontier = [str(root)]
    while frontier:
        for sub in below.get(frontier.pop(), []):
            if sub not in found:
                found.add(sub)
                frontier.append(sub)
    return sorted(_local(c) for c in found if c.startswith(CKG_URI))


def event_classes() -> list[str]:
    return subclasses(CKG.Event)


def entity_types() -> list[str]:
    return sorted(set(subclasses(CKG.Actor) + subclasses(CKG.Place) + ["Weapon"]) - {"UnnamedAuthor"})


def individuals(cls: URIRef) -> list[str]:
    """Local names of the ckg individuals of ``cls`` (channels, polarities...)."""
    return sorted(_local(s) for s, p, o in _ontology_triples() if p == str(RDF.type) and o == str(cls) and s.startswith(CKG_URI))


def cameo_codes() -> list[str]:
    return sorted(o for _s, p, o in _ontology_triples() if p == str(SKOS.notation))
