"""From a checked SeedSet to an RDF dataset: ontology, entities, one graph per article.

``to_dataset`` returns the dataset and ``origins``, the seed file each minted resource came from
(the SHACL report uses it to say which file to fix).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from crisiskg.loaders import dates, iris, schema
from crisiskg.loaders.anchor import Span
from crisiskg.loaders.entities import Origins, entities, entity_origins
from crisiskg.loaders.mentions import AliasMatcher
from crisiskg.loaders.seeds import ArticleSeed, SeedSet, munitions
from crisiskg.textscan import Sentence, sentence_at, sentences
from crisiskg.vocab import (
    CAMEO,
    CKG,
    ENTITIES_GRAPH,
    GAF,
    NIF,
    ONTOLOGY_GRAPH,
    SEM,
    article_graph,
    ontology_graph,
)

# the terms of every span, looked up once (an rdflib Namespace attribute is a method call each time)
_TYPE, _PHRASE, _SENTENCE, _OFFSET_STRING = RDF.type, NIF.Phrase, NIF.Sentence, NIF.OffsetBasedString
_CONTEXT_OF, _BEGIN, _END, _ANCHOR, _IN_SENTENCE = NIF.referenceContext, NIF.beginIndex, NIF.endIndex, NIF.anchorOf, NIF.sentence
_METHOD = CKG.annotationMethod


@functools.lru_cache(maxsize=1 << 16)
def offset(n: int) -> Literal:
    """``n`` as an ``xsd:nonNegativeInteger`` literal, made once per value: offsets repeat from one
    article to the next, and making a typed literal costs more than the rest of its triple."""
    return Literal(n, datatype=XSD.nonNegativeInteger)


def to_dataset(seeds: SeedSet) -> tuple[Dataset, Origins]:
    """Build the asserted dataset (no inference, no provenance) from ``seeds``."""
    graphs, origins = to_graphs(seeds)
    ds = Dataset()
    for iri, triples in graphs.items():
        g = ds.graph(iri)
        for t in triples:
            g.add(t)
    return ds, origins


class TripleSet(set):  # type: ignore[type-arg]
    """The triples of one named graph, as a plain set: what the writers below need of a graph
    (``add``), without the cost of an rdflib store (``to_graphs`` at scale)."""


FEW = 20
"""Up to this many articles, the alias pattern holds only the aliases their texts contain."""


def to_graphs(seeds: SeedSet, *, articles: Iterable[ArticleSeed] | None = None,
              ontology: bool = True) -> tuple[dict[URIRef, TripleSet], Origins]:
    """The asserted triples of ``seeds`` per named graph (graph IRI -> set of rdflib triples).

    ``articles`` (default: all of them) and ``ontology=False`` build a part: the incremental build
    writes the graphs of new articles only; the entities graph then holds what those articles add
    to it (an unnamed author).
    """
    graphs: dict[URIRef, TripleSet] = {}

    def graph(iri: URIRef) -> TripleSet:
        return graphs.setdefault(iri, TripleSet())

    origins: Origins = {}
    if ontology:
        graph(ONTOLOGY_GRAPH).update(ontology_graph())
    if articles is None:
        entities(graph(ENTITIES_GRAPH), seeds, origins)  # type: ignore[arg-type]
    else:
        entity_origins(seeds, origins)
    chosen = list(seeds.articles if articles is None else articles)
    # a few articles (an incremental build): a pattern of only the aliases their texts contain
    matcher = AliasMatcher(seeds.entities, texts=[a.text for a in chosen] if len(chosen) <= FEW else None)
    for art in chosen:
        _ArticleWriter(graph(article_graph(art.key)), graph(ENTITIES_GRAPH), seeds, art, origins).write(matcher)  # type: ignore[arg-type]
    return graphs, origins


def _typed(span: dates.DateSpan) -> Literal | None:
    """The date as an XSD literal of its precision (xsd:date, gYearMonth, gYear); None for a range."""
    typed = span.typed
    return None if typed is None else Literal(typed[0], datatype=XSD[typed[1]])


class _ArticleWriter:
    """Writes one article's named graph."""

    def __init__(self, g: Graph, entities_graph: Graph, seeds: SeedSet, art: ArticleSeed, origins: Origins):
        self.g, self.eg, self.seeds, self.art, self.origins = g, entities_graph, seeds, art, origins
        self.node = iris.article(art.key)
        self.context = iris.context(art.key, len(art.text))
        meta = art.meta
        self.authors = [iris.entity(a) for a in meta["authors"]] or [iris.unnamed_author(art.key)]
        self.sources = art.source_ids
        self.event_spans: dict[URIRef, list[tuple[int, int, URIRef]]] = {}  # event -> its evidence spans here

    def ref(self, slug: str) -> URIRef:
        """The IRI of an id: an entity, event or proposition."""
        if slug in self.seeds.entities:
            return iris.entity(slug)
        if slug in self.seeds.propositions:
            return iris.proposition(slug)
        return iris.event(slug)

    def holders(self, value: Any) -> list[URIRef]:
        values = value if isinstance(value, list) else [value]
        out: list[URIRef] = []
        for v in values:
            if v == "author":
                out.extend(self.authors)
            else:
                out.append(iris.unnamed_source(self.art.key, v) if v in self.sources else iris.entity(v))
        return out

    def date(self, node: URIRef, span: dates.DateSpan, derivation: str, stamp: URIRef | None) -> None:
        """``node``'s date: as written, its precision and derivation, its first and last possible
        day, and (``stamp``) the value as an XSD literal of its precision where it is not a range."""
        self.add(node, CKG.dateValue, span.value)
        self.add(node, CKG.datePrecision, span.precision)
        self.add(node, CKG.dateDerivation, derivation)
        self.add(node, CKG.earliestDate, Literal(span.earliest.isoformat(), datatype=XSD.date))
        self.add(node, CKG.latestDate, Literal(span.latest.isoformat(), datatype=XSD.date))
        if stamp is not None:
            self.add(node, stamp, _typed(span))

    def attributed(self, node: URIRef, path: tuple[Any, ...], item: dict[str, Any]) -> None:
        """Who gives ``item`` (ckg:reportedBy: the author unless ``claimed_by``) and the words that
        attribute it (ckg:attributionEvidence), for a count, damage report or claim node."""
        for who in self.holders(item.get("claimed_by", "author")):
            self.add(node, CKG.reportedBy, who)
        if "attribution" in item:
            self.add(node, CKG.attributionEvidence, self.span(path + ("attribution",)))

    def span(self, path: tuple[Any, ...], method: URIRef = CKG.Curated) -> URIRef:
        sp: Span = self.seeds.spans[(self.art.key, path)]
        return self.phrase(sp.begin, sp.end, sp.text, method)

    def event_evidence(self, node: URIRef, path: tuple[Any, ...]) -> None:
        """``node`` ckg:evidence the span at ``path``, a candidate for its own quote here."""
        sp: Span = self.seeds.spans[(self.art.key, path)]
        span = self.phrase(sp.begin, sp.end, sp.text, CKG.Curated)
        self.add(node, CKG.evidence, span)
        self.event_spans.setdefault(node, []).append((sp.begin, sp.end, span))

    def quotes(self) -> None:
        """Each event's own quote in this article (ckg:quote): its longest evidence span here, the
        earliest of equally long ones. Saved questions read it instead of comparing every pair of
        spans; it depends on this article's spans only, so an incremental build writes the same."""
        for node, spans in self.event_spans.items():
            longest_first = min(spans, key=lambda s: (s[0] - s[1], s[0]))
            self.g.add((node, CKG.quote, longest_first[2]))

    def phrase(self, begin: int, end: int, text: str, method: URIRef) -> URIRef:
        node = iris.span(self.art.key, begin, end)
        add = self.g.add
        add((node, _TYPE, _PHRASE))
        add((node, _TYPE, _OFFSET_STRING))
        add((node, _CONTEXT_OF, self.context))
        add((node, _BEGIN, offset(begin)))
        add((node, _END, offset(end)))
        add((node, _ANCHOR, Literal(text)))
        add((node, _METHOD, method))
        return node

    def sentence(self, span: URIRef, sentence: Sentence | None) -> None:
        """``span``'s ``nif:sentence``: a ``nif:Sentence`` span of the same IRI scheme, as the
        linked-data pages describe it (one rule, :func:`crisiskg.textscan.sentence_at`)."""
        if sentence is None:
            return
        node, add = iris.span(self.art.key, sentence.begin, sentence.end), self.g.add
        add((span, _IN_SENTENCE, node))
        add((node, _TYPE, _SENTENCE))
        add((node, _TYPE, _OFFSET_STRING))
        add((node, _CONTEXT_OF, self.context))
        add((node, _BEGIN, offset(sentence.begin)))
        add((node, _END, offset(sentence.end)))
        add((node, _ANCHOR, Literal(sentence.text)))

    def add(self, s: URIRef, p: URIRef, o: Any) -> None:
        if o is None:
            return
        self.g.add((s, p, o if isinstance(o, (URIRef, Literal)) else Literal(o)))

    def write(self, matcher: AliasMatcher) -> None:
        art, g, meta = self.art, self.g, self.art.meta
        self.origins[self.node] = art.yaml_file
        g.add((self.node, RDF.type, CKG.Article))
        self.add(self.node, DCTERMS.title, meta["title"])
        self.add(self.node, RDFS.label, meta["title"])
        published = meta["published"]
        self.date(self.node, dates.of(published, "date"), published["derivation"], DCTERMS.issued)
        self.add(self.node, CKG.genre, meta.get("genre"))
        self.add(self.node, CKG.seedFile, art.yaml_file)
        self.add(self.node, DCTERMS.identifier, art.key)
        if meta.get("publisher"):
            self.add(self.node, DCTERMS.publisher, iris.entity(meta["publisher"]))
        for author in self.authors:
            self.add(self.node, DCTERMS.creator, author)
        if not meta["authors"]:
            who = iris.unnamed_author(art.key)
            self.eg.add((who, RDF.type, CKG.UnnamedAuthor))
            self.eg.add((who, RDFS.label, Literal(f"author of article {art.key}")))
            self.origins[who] = art.yaml_file
        for i, src in enumerate(art.items("sources")):
            who = iris.unnamed_source(art.key, src["id"])
            self.origins[who] = art.yaml_file
            g.add((who, RDF.type, CKG.UnnamedSource))
            g.add((who, RDFS.label, Literal(src["description"])))
            g.add((who, CKG.sourceIn, self.node))
            g.add((who, CKG.evidence, self.span(("sources", i))))
        g.add((self.node, CKG.text, self.context))
        g.add((self.context, RDF.type, NIF.Context))
        g.add((self.context, RDF.type, NIF.OffsetBasedString))
        g.add((self.context, NIF.isString, Literal(art.text)))
        g.add((self.context, NIF.beginIndex, offset(0)))
        g.add((self.context, NIF.endIndex, offset(len(art.text))))

        skip = []
        for part, cls in (("headline", CKG.Headline), ("furniture", CKG.Furniture), ("captions", CKG.Caption)):
            for i, _ in enumerate(meta.get(part) or []):
                node = self.span(("article", part, i))
                g.add((node, RDF.type, cls))
                if part == "furniture":
                    sp = self.seeds.spans[(art.key, ("article", part, i))]
                    skip.append((sp.begin, sp.end))
        split = sentences(art.text)
        for m in matcher.find(art.text, skip):
            node = self.phrase(m.begin, m.end, m.text, CKG.AliasMatch)
            g.add((node, NIF.taIdentRef, iris.entity(m.entity)))
            # gaf:denotedBy is the instance -> mention link (the inverse of nif:taIdentRef)
            g.add((iris.entity(m.entity), GAF.denotedBy, node))
            self.sentence(node, sentence_at(art.text, m.begin, m.end, split=split))

        for i, ev in enumerate(art.items("events")):
            self.event(i, ev)
        for i, rel in enumerate(art.items("relations")):
            self.relation(i, rel)
        for i, role in enumerate(art.items("roles")):
            self.role(i, role)
        for i, st in enumerate(art.items("stances")):
            self.stance(i, st)
        self.quotes()

    def event(self, i: int, ev: dict[str, Any]) -> None:
        node, path = iris.event(ev["id"]), ("events", i)
        self.origins.setdefault(node, self.art.yaml_file)
        classes = ev["class"] if isinstance(ev["class"], list) else [ev["class"]]
        for cls in classes:
            self.add(node, RDF.type, CKG[cls])
        self.add(node, RDFS.label, ev["label"])
        if "cameo" in ev:
            self.add(node, CKG.cameoCode, CAMEO[ev["cameo"]])
        if "date" in ev:
            self.date(node, dates.of(ev["date"]), ev["date"]["derivation"], SEM.hasTimeStamp)
        if "reported_by" in ev:
            for who in self.holders(ev["reported_by"]):
                self.add(node, CKG.reportedBy, who)
        for key, prop in (("places", SEM.hasPlace), ("target_places", CKG.targetPlace), ("launched_from", CKG.launchedFrom)):
            for place in ev.get(key) or []:
                self.add(node, prop, iris.entity(place))
        for role, ids in (ev.get("roles") or {}).items():
            for actor in self.holders(ids):
                self.add(node, CKG[role], actor)
        if "channel" in ev:
            self.add(node, CKG.channel, CKG[ev["channel"]])
        if "weapon" in ev:
            self.add(node, CKG.weapon, iris.entity(ev["weapon"]))
        for j, (sub, mun) in enumerate(munitions(ev)):
            self.counted(node, iris.count(ev["id"], "munitions", self.art.key, j), CKG.munitions, CKG.MunitionCount, path + sub, mun)
        for j, item in enumerate(ev.get("counts") or []):
            cnode = iris.count(ev["id"], "counts", self.art.key, j)
            self.counted(node, cnode, CKG.counts, CKG.Count, path + ("counts", j), item)
            self.add(cnode, CKG.countedThing, item["what"])
        for j, item in enumerate(ev.get("damage") or []):
            dnode = iris.count(ev["id"], "damage", self.art.key, j)
            self.origins[dnode] = self.art.yaml_file
            self.add(node, CKG.damage, dnode)
            self.add(dnode, RDF.type, CKG.DamageReport)
            self.add(dnode, CKG.damageDescription, item["description"])
            self.attributed(dnode, path + ("damage", j), item)
            self.add(dnode, CKG.evidence, self.span(path + ("damage", j)))
        for j, cas in enumerate(ev.get("casualties") or []):
            cnode = iris.casualty(ev["id"], self.art.key, j)
            self.counted(node, cnode, CKG.casualties, CKG.CasualtyCount, path + ("casualties", j), cas)
            self.add(cnode, CKG.casualtyStatus, cas["status"])
            if "nationality" in cas:
                self.add(cnode, CKG.nationality, iris.entity(cas["nationality"]))
            self.add(cnode, CKG.population, cas.get("population"))
        self.add(node, CKG.condition, ev.get("condition"))
        for about in ev.get("about") or []:
            self.add(node, CKG.about, self.ref(about))
        self.event_evidence(node, path)

    def counted(self, event: URIRef, node: URIRef, link: URIRef, cls: URIRef, path: tuple[Any, ...], item: dict[str, Any]) -> None:
        """A count of ``event`` in this article: number, qualifier, who gives it, and its words."""
        self.origins[node] = self.art.yaml_file
        self.add(event, link, node)
        self.add(node, RDF.type, cls)
        self.add(node, CKG["count"], Literal(item["count"], datatype=XSD.integer))
        self.add(node, CKG.countQualifier, item.get("qualifier", "exact"))
        self.attributed(node, path, item)
        self.add(node, CKG.evidence, self.span(path))

    def relation(self, i: int, rel: dict[str, Any]) -> None:
        anyone = rel["subject"] == schema.ANYONE  # the subject left open: "no group has claimed ..."
        subj = None if anyone else self.ref(rel["subject"])
        obj, pred = self.ref(rel["object"]), CKG[rel["predicate"]]
        polarity = rel.get("polarity", "affirmed")
        claimants = self.holders(rel.get("claimed_by", "author"))
        node = iris.claim(self.art.key, subj if subj is not None else schema.ANYONE, pred, obj, polarity, *claimants)
        self.origins[node] = self.art.yaml_file
        if polarity == "affirmed" and subj is not None:
            self.add(subj, pred, obj)
        self.add(node, RDF.type, CKG.Claim)
        if subj is None:
            self.add(node, RDF.type, CKG.AnyActorClaim)
        self.add(node, RDF.subject, subj)
        self.add(node, RDF.predicate, pred)
        self.add(node, RDF.object, obj)
        self.add(node, CKG.claimPolarity, schema.CLAIM_POLARITY[polarity])
        for who in claimants:
            self.add(node, CKG.claimedBy, who)
        if "attribution" in rel:
            self.add(node, CKG.attributionEvidence, self.span(("relations", i, "attribution")))
        self.add(node, CKG.evidence, self.span(("relations", i)))

    def role(self, i: int, role: dict[str, Any]) -> None:
        node = iris.role(self.art.key, role["holder"], role["title"], role.get("in"))
        self.origins[node] = self.art.yaml_file
        self.add(node, RDF.type, CKG.Role)
        self.add(node, CKG.roleHolder, iris.entity(role["holder"]))
        self.add(node, CKG.roleTitle, role["title"])
        if "in" in role:
            self.add(node, CKG.roleIn, iris.entity(role["in"]))
        self.add(node, CKG.evidence, self.span(("roles", i)))

    def stance(self, i: int, st: dict[str, Any]) -> None:
        node = iris.stance(st["id"])
        self.origins.setdefault(node, self.art.yaml_file)
        self.add(node, RDF.type, CKG.Stance)
        for who in self.holders(st["holder"]):
            self.add(node, CKG.holder, who)
        self.add(node, CKG.proposition, iris.proposition(st["proposition"]))
        self.add(node, CKG.polarity, schema.POLARITY[st["polarity"]])
        self.add(node, CKG.modality, schema.MODALITY[st["modality"]])
        if st.get("strength"):
            self.add(node, CKG.strength, schema.STRENGTH[st["strength"]])
        self.add(node, CKG.condition, st.get("condition"))
        if "date" in st:  # its own date only: an undated stance is reported on its article's date
            self.date(node, dates.of(st["date"]), st["date"]["derivation"], None)
        span = self.span(("stances", i))
        self.add(span, CKG.speechMode, schema.SPEECH_MODE[st["speech_mode"]])
        self.add(node, CKG.evidence, span)

