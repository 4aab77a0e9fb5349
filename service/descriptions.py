"""RDF descriptions the service publishes, built from the store (no Flask here).

- :func:`describe`: what the graph says about one minted IRI: its own triples, the incoming links,
  the triples of the hash IRIs of its document (an article's text spans), and each mention or
  evidence span with the sentence around it (``nif:sentence`` to a ``nif:Sentence`` span whose IRI
  follows the same RFC 5147 ``#char=b,e`` scheme), by :func:`crisiskg.textscan.sentence_at`: the
  rule by which the build states each mention's sentence, so page and graph give the same one.
- :func:`describe_graph`: the content of one named graph, plus what the provenance says about it.
- :func:`service_description`: the SPARQL 1.1 Service Description of the endpoint.
- :func:`void`: the VoID description of the dataset (sizes, partitions, dumps, endpoint, validation).
- :func:`written_literals` and :func:`as_written`: typed literals as the published data writes them
  (pyoxigraph stores ``"7"^^xsd:nonNegativeInteger`` as ``"7"^^xsd:integer``, ``"-10.0"`` as ``"-10"``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD, ClosedNamespace
from rdflib.term import Node

from crisiskg.build.incremental.workstate import load_state
from crisiskg.build.publish import Release
from crisiskg.build.validation import literal_originals
from crisiskg.query.results import Result
from crisiskg.query.store import Store
from crisiskg.service.quality import quality
from crisiskg.terms import to_rdflib
from crisiskg.textscan import Sentence, sentence_at
from crisiskg.vocab import BASE, INFERRED_GRAPH, NIF, PREFIXES, SH, VOID, article_graph

SD = ClosedNamespace(
    "http://www.w3.org/ns/sparql-service-description#",
    ["Service", "endpoint", "supportedLanguage", "SPARQL11Query", "resultFormat", "feature", "UnionDefaultGraph",
     "defaultEntailmentRegime", "defaultSupportedEntailmentProfile", "defaultDataset", "Dataset", "defaultGraph",
     "Graph", "namedGraph", "NamedGraph", "name", "graph", "entailmentRegime"],
)
FORMATS = Namespace("http://www.w3.org/ns/formats/")
ENTAILMENT = Namespace("http://www.w3.org/ns/entailment/")
OWL_PROFILE = Namespace("http://www.w3.org/ns/owl-profile/")
DATASET_IRI = URIRef(BASE + "dataset")
ONTOLOGY_IRI = URIRef(BASE + "ontology")
SHAPES_IRI = URIRef(BASE + "shapes")
MAX_INCOMING = 2000
LABELS = (RDFS.label, SKOS.prefLabel, DCTERMS.title)

Check = Callable[[int], None] | None


@dataclass(frozen=True)
class Mention:
    """A span of an article that names or evidences a resource, with its sentence."""

    span: str
    anchor: str
    begin: int
    end: int
    how: str  # mention | evidence
    context: str
    article: str | None
    title: str | None
    sentence: Sentence | None

    @property
    def sentence_iri(self) -> str | None:
        if self.sentence is None:
            return None
        return f"{self.context.split('#', 1)[0]}#char={self.sentence.begin},{self.sentence.end}"

    def parts(self) -> tuple[str, str, str]:
        """The sentence split around the span (before, span, after), for highlighting."""
        if self.sentence is None:
            return "", self.anchor, ""
        s = self.sentence
        b, e = max(self.begin, s.begin) - s.begin, min(self.end, s.end) - s.begin
        return s.text[:b], s.text[b:e], s.text[e:]


@dataclass
class Description:
    """What the graph says about one IRI."""

    iri: str
    triples: list[tuple[Node, Node, Node]] = field(default_factory=list)
    outgoing: list[tuple[Node, Node]] = field(default_factory=list)
    incoming: list[tuple[Node, Node]] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    truncated: bool = False

    @property
    def found(self) -> bool:
        return bool(self.triples)

    @property
    def types(self) -> list[Node]:
        return [o for p, o in self.outgoing if p == RDF.type]

    @property
    def label(self) -> str:
        return self.labels.get(self.iri) or self.iri.rsplit("/", 1)[-1]

    def serialize(self, fmt: str) -> bytes:
        return Result("graph", triples=self.triples).serialize(fmt)


_OUT = "CONSTRUCT { ?this ?p ?o } WHERE { ?this ?p ?o }"
_IN = f"CONSTRUCT {{ ?s ?p ?this }} WHERE {{ ?s ?p ?this }} LIMIT {MAX_INCOMING + 1}"
_HASH = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?s), ?prefix)) }"
_MENTIONS = """
SELECT DISTINCT ?m ?anchor ?begin ?end ?ctx ?how WHERE {
  { ?this gaf:denotedBy ?m } UNION { ?this ckg:evidence ?m }
  ?m nif:anchorOf ?anchor ; nif:beginIndex ?begin ; nif:endIndex ?end ; nif:referenceContext ?ctx .
  BIND(IF(EXISTS { ?this ckg:evidence ?m }, "evidence", "mention") AS ?how)
} ORDER BY ?ctx ?begin ?end
"""
_MENTION_TRIPLES = "CONSTRUCT { ?m ?p ?o } WHERE { { ?this gaf:denotedBy ?m } UNION { ?this ckg:evidence ?m } ?m ?p ?o }"
_TEXTS = """
SELECT ?ctx ?text ?article ?title WHERE {
  ?ctx nif:isString ?text .
  OPTIONAL { ?article ckg:text ?ctx OPTIONAL { ?article dct:title ?title } }
}
"""
_LABELS = """
SELECT ?x (SAMPLE(?l) AS ?label) WHERE { ?x rdfs:label|skos:prefLabel|dct:title ?l } GROUP BY ?x
"""


def _int(node: Node | None) -> int:
    """An integer literal's value."""
    return int(str(node))


def _article_key(iri: str) -> str | None:
    m = re.fullmatch(re.escape(BASE) + r"id/article/([^/#]+)", iri)
    return m.group(1) if m else None


def labels_of(store: Store, nodes: Iterable[Node], check: Check = None) -> dict[str, str]:
    """Labels (rdfs:label, skos:prefLabel or dct:title) of the IRIs among ``nodes``."""
    iris = sorted({n for n in nodes if isinstance(n, URIRef)})
    if not iris:
        return {}
    res = store.query(_LABELS, bindings={"x": list(iris)}, check=check)  # type: ignore[dict-item]  # a list: VALUES
    return {str(r["x"]): str(r["label"]) for r in res.rows if r.get("label") is not None}


def describe(store: Store, iri: str, *, check: Check = None) -> Description:
    """What ``store`` says about ``iri`` (see the module docstring); ``found`` is False when nothing."""
    this = URIRef(iri)
    desc = Description(iri)
    out = store.query(_OUT, bindings={"this": this}, check=check).triples
    incoming = store.query(_IN, bindings={"this": this}, check=check).triples
    if len(incoming) > MAX_INCOMING:
        incoming, desc.truncated = incoming[:MAX_INCOMING], True
    desc.outgoing = [(p, o) for _, p, o in out]
    desc.incoming = [(s, p) for s, p, _ in incoming]
    triples = set(out) | set(incoming)
    key = _article_key(iri)
    if key is not None:
        triples |= set(store.query(_HASH, bindings={"g": article_graph(key), "prefix": Literal(iri + "#")}, check=check).triples)
    mention_rows = store.query(_MENTIONS, bindings={"this": this}, check=check).rows
    if mention_rows:
        triples |= set(store.query(_MENTION_TRIPLES, bindings={"this": this}, check=check).triples)
        contexts = sorted({r["ctx"] for r in mention_rows if isinstance(r["ctx"], URIRef)})
        rows = store.query(_TEXTS, bindings={"ctx": list(contexts)}, check=check).rows  # type: ignore[dict-item]
        texts = {str(r["ctx"]): r for r in rows}
        seen: set[str] = set()
        for r in mention_rows:
            span, ctx = str(r["m"]), str(r["ctx"])
            if span in seen:
                continue
            seen.add(span)
            info = texts.get(ctx)
            begin, end = _int(r["begin"]), _int(r["end"])
            sentence = sentence_at(str(info["text"]), begin, end) if info else None
            mention = Mention(span, str(r["anchor"]), begin, end, str(r["how"]), ctx,
                              str(info["article"]) if info and info.get("article") is not None else None,
                              str(info["title"]) if info and info.get("title") is not None else None, sentence)
            desc.mentions.append(mention)
            if sentence is not None and mention.sentence_iri:
                s_iri = URIRef(mention.sentence_iri)
                triples |= {
                    (URIRef(span), NIF.sentence, s_iri),
                    (s_iri, RDF.type, NIF.Sentence),
                    (s_iri, RDF.type, NIF.OffsetBasedString),
                    (s_iri, NIF.anchorOf, Literal(sentence.text)),
                    (s_iri, NIF.beginIndex, Literal(sentence.begin, datatype=XSD.nonNegativeInteger)),
                    (s_iri, NIF.endIndex, Literal(sentence.end, datatype=XSD.nonNegativeInteger)),
                    (s_iri, NIF.referenceContext, URIRef(ctx)),
                }
    desc.triples = sorted(triples)
    nodes = [this, *(o for _, o in desc.outgoing), *(p for p, _ in desc.outgoing), *(s for s, _ in desc.incoming),
             *(p for _, p in desc.incoming)]
    desc.labels = labels_of(store, nodes, check)
    return desc


def describe_graph(store: Store, iri: str, *, check: Check = None) -> Description:
    """The triples of the named graph ``iri`` plus the triples about the graph itself (provenance)."""
    this = URIRef(iri)
    desc = Description(iri)
    content = store.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", bindings={"g": this}, check=check).triples
    about = store.query(_OUT, bindings={"this": this}, check=check).triples
    incoming = store.query(_IN, bindings={"this": this}, check=check).triples[:MAX_INCOMING]
    desc.outgoing = [(p, o) for _, p, o in about]
    desc.incoming = [(s, p) for s, p, _ in incoming]
    desc.triples = sorted(set(content) | set(about) | set(incoming))
    desc.labels = labels_of(store, [this, *(p for p, _ in desc.outgoing), *(o for _, o in desc.outgoing)], check)
    return desc


Written = dict[Node, dict[Node, Node]]
"""Per property: {a literal as the store gives it: the literal as the published data writes it}."""

_PLAIN = {ox.NamedNode(str(XSD.string)), ox.NamedNode(str(RDF.langString))}


def written_literals(release: Release) -> Written:
    """The typed literals of ``release`` that the store gives in another form than its data writes
    them, per property: from the work state the build recorded (:mod:`crisiskg.build.incremental.workstate`),
    else read from ``dataset.nq``. Empty when two written forms of one property are stored as one
    (which to show could not be told)."""
    state = load_state(release)
    originals: Mapping[str, Mapping[Any, Any]]
    if state is not None:
        originals, exact = state.originals, state.exact
    else:
        quads = ox.parse(path=str(release.dataset_file), format=ox.RdfFormat.N_QUADS)
        originals, exact = literal_originals({(q.predicate, q.object) for q in quads
                                              if isinstance(q.object, ox.Literal) and q.object.datatype not in _PLAIN})
    out: Written = {}
    for prop, forms in originals.items() if exact else ():
        pairs = [(to_rdflib(stored), to_rdflib(written)) for stored, written in forms.items()]
        out[URIRef(prop)] = {k: v for k, v in pairs if k is not None and v is not None}
    return out


def as_written(desc: Description, written: Written) -> Description:
    """``desc`` with its literals as the published data writes them (see :func:`written_literals`)."""
    if written:
        desc.triples = sorted({(s, p, written.get(p, {}).get(o, o)) for s, p, o in desc.triples})
        desc.outgoing = [(p, written.get(p, {}).get(o, o)) for p, o in desc.outgoing]
    return desc


# ------------------------------------------------------------------------------ service and dataset


def graph_sizes(store: Store) -> dict[str, int]:
    """Triples per named graph."""
    res = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")
    return {str(r["g"]): _int(r["n"]) for r in res.rows}


def _bind(g: Graph) -> Graph:
    for prefix, uri in PREFIXES.items():
        g.bind(prefix, uri)
    g.bind("sd", str(SD))
    g.bind("void", str(VOID))
    g.bind("sh", str(SH))
    return g


RESULT_FORMAT_IRIS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                      "Turtle", "N-Triples", "JSON-LD", "RDF_XML", "TriG", "N-Quads")


def service_description(store: Store, endpoint: str) -> Graph:
    """The SPARQL 1.1 Service Description of the endpoint at ``endpoint`` (an absolute URL)."""
    g = _bind(Graph())
    service = URIRef(endpoint + "#service")
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, URIRef(endpoint)))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    for name in RESULT_FORMAT_IRIS:
        g.add((service, SD.resultFormat, FORMATS[name]))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    inferred = str(INFERRED_GRAPH) in store.graphs
    if inferred:
        g.add((service, SD.defaultEntailmentRegime, ENTAILMENT["OWL-RDF-Based"]))
        g.add((service, SD.defaultSupportedEntailmentProfile, OWL_PROFILE.RL))
    else:
        g.add((service, SD.defaultEntailmentRegime, ENTAILMENT.Simple))
    g.add((service, RDFS.comment, Literal(
        "Read-only. The default graph is the union of the named graphs"
        + (", including the OWL 2 RL closure materialised by owlrl in " + str(INFERRED_GRAPH)
           + " (add _reasoning=none to leave it out)" if inferred else "")
        + ". SERVICE is refused; FROM and FROM NAMED choose among the local graphs; updates are refused.")))
    dataset = BNode("dataset")
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    default = BNode("defaultGraph")
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    total = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0]["n"]
    g.add((default, VOID.triples, Literal(_int(total), datatype=XSD.integer)))
    for i, (name, size) in enumerate(graph_sizes(store).items()):
        ng, gr = BNode(f"namedGraph{i}"), BNode(f"graph{i}")
        g.add((dataset, SD.namedGraph, ng))
        g.add((ng, RDF.type, SD.NamedGraph))
        g.add((ng, SD.name, URIRef(name)))
        g.add((ng, SD.entailmentRegime, ENTAILMENT.Simple))
        g.add((ng, SD.graph, gr))
        g.add((gr, RDF.type, SD.Graph))
        g.add((gr, VOID.triples, Literal(size, datatype=XSD.integer)))
    return g


_VOID_COUNTS = """
SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects) (COUNT(DISTINCT ?p) AS ?properties)
       (COUNT(DISTINCT ?o) AS ?objects) WHERE { ?s ?p ?o }
"""
_CLASSES = "SELECT ?c (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a ?c } GROUP BY ?c ORDER BY ?c"
_PROPERTIES = "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p"
VOCABULARIES = ("ckg", "sem", "nif", "gaf", "geo", "prov", "skos", "schema", "dct")


def void(store: Store, *, endpoint: str, dumps: dict[str, str], validation: dict[str, object], created: str | None,
         audit: dict[str, Any] | None = None) -> Graph:
    """The VoID description of the served dataset: sizes, class and property partitions, named
    graphs as subsets, dumps (media type -> URL), the endpoint, the last validation result and the
    audit's estimate of precision (:func:`quality`)."""
    g = _bind(Graph())
    ds = DATASET_IRI
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, DCTERMS.title, Literal("crisiskg: the January-March 2020 US-Iran crisis knowledge graph", lang="en")))
    g.add((ds, DCTERMS.description, Literal("Events, actors, places and stances from news and opinion articles, each "
                                            "fact traced to the words of its source.", lang="en")))
    g.add((ds, OWL.versionInfo, Literal(store.version)))
    if created:
        g.add((ds, DCTERMS.modified, Literal(created, datatype=XSD.dateTime)))
    row = store.query(_VOID_COUNTS).rows[0]
    g.add((ds, VOID.triples, Literal(_int(row["triples"]), datatype=XSD.integer)))
    g.add((ds, VOID.distinctSubjects, Literal(_int(row["subjects"]), datatype=XSD.integer)))
    g.add((ds, VOID.distinctObjects, Literal(_int(row["objects"]), datatype=XSD.integer)))
    g.add((ds, VOID.properties, Literal(_int(row["properties"]), datatype=XSD.integer)))
    classes = store.query(_CLASSES).rows
    g.add((ds, VOID.classes, Literal(len(classes), datatype=XSD.integer)))
    for i, r in enumerate(classes):
        part = BNode(f"class{i}")
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(str(r["c"]))))
        g.add((part, VOID.entities, Literal(_int(r["n"]), datatype=XSD.integer)))
    for i, r in enumerate(store.query(_PROPERTIES).rows):
        part = BNode(f"property{i}")
        g.add((ds, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(str(r["p"]))))
        g.add((part, VOID.triples, Literal(_int(r["n"]), datatype=XSD.integer)))
    for name, size in graph_sizes(store).items():
        sub = URIRef(name)
        g.add((ds, VOID.subset, sub))
        g.add((sub, RDF.type, VOID.Dataset))
        g.add((sub, SD.name, sub))
        g.add((sub, VOID.triples, Literal(size, datatype=XSD.integer)))
    g.add((ds, VOID.sparqlEndpoint, URIRef(endpoint)))
    for media, url in dumps.items():
        g.add((ds, VOID.dataDump, URIRef(url)))
        g.add((URIRef(url), DCTERMS["format"], Literal(media)))
    g.add((ds, VOID.uriSpace, Literal(BASE + "id/")))
    g.add((ds, VOID.uriRegexPattern, Literal("^" + re.escape(BASE) + "(id|graph)/")))
    for prefix in VOCABULARIES:
        g.add((ds, VOID.vocabulary, URIRef(ONTOLOGY_IRI if prefix == "ckg" else PREFIXES[prefix])))
    conforms = bool(validation.get("conforms"))
    report = URIRef(BASE + "dataset#validation")
    g.add((report, RDF.type, SH.ValidationReport))
    g.add((report, SH.conforms, Literal(conforms)))
    g.add((report, DCTERMS.subject, ds))
    g.add((report, DCTERMS.conformsTo, SHAPES_IRI))
    g.add((report, RDFS.comment, Literal(f"SHACL validation of build {store.version}: "
                                         f"{'conforms' if conforms else 'violations'} ({validation.get('violations', 0)} violations)")))
    if conforms:
        g.add((ds, DCTERMS.conformsTo, SHAPES_IRI))
    g.add((ds, PROV.wasGeneratedBy, URIRef(BASE + f"id/build/{store.version}")))
    quality(g, ds, audit)
    return g
