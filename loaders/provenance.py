"""The PROV-O record of a build run as an rdflib graph: the seed and code files it read (with their
SHA-256), the software, the times, and which graph came from which file.

Only a handful of its lines name the run: the run itself, the files it used that are not one
article's (the registry, the propositions, an audit, the code) and the entities graph it generated.
An article graph is a ``prov:Entity`` derived from its article's two files, which are content-named
(``id/input/<sha256>``), so its lines stay the same from one build to the next while those files do:
an incremental build changes a few lines of this graph, not a few per article. (Which run made an
article graph is the one run of its release.)

Every graph of the release is a ``prov:Entity`` here (the article graphs and the ontology, entities,
inferred and provenance graphs): a store holding a build says which of its graphs are the build's,
and ``crisiskg push`` reads that instead of keeping a record of its own beside them (see
:mod:`crisiskg.query.remote`).

The build writes the same record directly as N-Quads (:func:`crisiskg.build.stages.provenance_nquads`);
this graph is the readable reference that ``tests/test_incremental_store.py`` compares it with.
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, XSD

from crisiskg import __version__
from crisiskg.loaders import iris
from crisiskg.loaders.seeds import SeedSet
from crisiskg.vocab import BUILD_GRAPHS, CKG, ENTITIES_GRAPH, PROVENANCE_GRAPH, article_graph


def provenance(seeds: SeedSet, *, version: str, started: str, ended: str, code_files: Iterable[tuple[str, str]]) -> Graph:
    """The PROV-O record of a build run: inputs with their SHA-256, software, times."""
    g = Graph(identifier=PROVENANCE_GRAPH)
    run = iris.build(version)
    agent = URIRef("https://w3id.org/crisiskg/software/crisiskg")
    g.add((run, RDF.type, PROV.Activity))
    g.add((run, RDFS.label, Literal(f"crisiskg build {version}")))
    g.add((run, CKG.buildVersion, Literal(version)))
    g.add((run, PROV.startedAtTime, Literal(started, datatype=XSD.dateTime)))
    g.add((run, PROV.endedAtTime, Literal(ended, datatype=XSD.dateTime)))
    g.add((run, PROV.wasAssociatedWith, agent))
    g.add((agent, RDF.type, PROV.SoftwareAgent))
    g.add((agent, RDFS.label, Literal("crisiskg")))
    g.add((agent, CKG.softwareVersion, Literal(__version__)))
    file_nodes: dict[str, URIRef] = {}
    of_articles = article_files(seeds)
    for rel, sha in [*(("seeds/" + r, h) for r, h in seeds.files.items()), *code_files]:
        node = iris.input_file(sha)
        file_nodes[rel] = node
        g.add((node, RDF.type, PROV.Entity))
        g.add((node, CKG.seedFile, Literal(rel)))
        g.add((node, CKG.sha256, Literal(sha)))
        if rel not in of_articles:
            g.add((run, PROV.used, node))
    for art in seeds.articles:
        graph_iri = article_graph(art.key)
        g.add((graph_iri, RDF.type, PROV.Entity))
        g.add((iris.article(art.key), PROV.wasDerivedFrom, file_nodes["seeds/" + art.text_file]))
        g.add((graph_iri, PROV.wasDerivedFrom, file_nodes["seeds/" + art.yaml_file]))
        g.add((graph_iri, PROV.wasDerivedFrom, file_nodes["seeds/" + art.text_file]))
    for graph_iri in BUILD_GRAPHS:
        g.add((graph_iri, RDF.type, PROV.Entity))
    g.add((ENTITIES_GRAPH, PROV.wasGeneratedBy, run))
    g.add((ENTITIES_GRAPH, PROV.wasDerivedFrom, file_nodes["seeds/registry.yaml"]))
    return g


def article_files(seeds: SeedSet) -> set[str]:
    """The seed files of articles (``seeds/...``): what an article graph is derived from, not what
    the run is recorded to use (see the module docstring)."""
    return {"seeds/" + f for art in seeds.articles for f in (art.yaml_file, art.text_file)}
