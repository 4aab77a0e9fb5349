"""The PROV-O record of a build run as an rdflib graph: the seed and code files it read (with their
SHA-256), the software, the times, and which graph came from which file.

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
from crisiskg.vocab import CKG, ENTITIES_GRAPH, PROVENANCE_GRAPH, article_graph


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
    for rel, sha in [*(("seeds/" + r, h) for r, h in seeds.files.items()), *code_files]:
        node = iris.input_file(sha)
        file_nodes[rel] = node
        g.add((node, RDF.type, PROV.Entity))
        g.add((node, CKG.seedFile, Literal(rel)))
        g.add((node, CKG.sha256, Literal(sha)))
        g.add((run, PROV.used, node))
    for art in seeds.articles:
        graph_iri = article_graph(art.key)
        g.add((graph_iri, RDF.type, PROV.Entity))
        g.add((graph_iri, PROV.wasGeneratedBy, run))
        g.add((iris.article(art.key), PROV.wasDerivedFrom, file_nodes["seeds/" + art.text_file]))
        g.add((graph_iri, PROV.wasDerivedFrom, file_nodes["seeds/" + art.yaml_file]))
        g.add((graph_iri, PROV.wasDerivedFrom, file_nodes["seeds/" + art.text_file]))
    g.add((ENTITIES_GRAPH, PROV.wasGeneratedBy, run))
    g.add((ENTITIES_GRAPH, PROV.wasDerivedFrom, file_nodes["seeds/registry.yaml"]))
    return g
