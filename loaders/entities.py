"""The entities graph of a build: the registry's entities and the propositions.

A place's point is written twice: as a GeoSPARQL WKT ``POINT(lon lat)`` and as ``schema:latitude``
and ``schema:longitude`` decimals, which every engine keeps digit for digit (Virtuoso rewrites WKT
literals into its own geometry type on load).
"""

from __future__ import annotations

from decimal import Decimal

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SDO, SKOS, XSD

from crisiskg.loaders import iris
from crisiskg.loaders.seeds import SeedSet
from crisiskg.vocab import CKG, GEO, GEONAMES, WIKIDATA

Origins = dict[URIRef, str]
"""The seed file each minted resource came from (the SHACL report says which file to fix)."""


def entity_origins(seeds: SeedSet, origins: Origins) -> None:
    """Record the seed file of every registry entity and proposition (a build of some articles only)."""
    for ent_id in seeds.entities:
        origins[iris.entity(ent_id)] = seeds.registry_file
    for prop_id in seeds.propositions:
        origins[iris.proposition(prop_id)] = "propositions.yaml"


def entities(g: Graph, seeds: SeedSet, origins: Origins) -> None:
    """The entities graph: every registry entity (types, labels, containment, point, links) and
    every proposition, into ``g``; ``origins`` records their seed files."""
    entity_origins(seeds, origins)
    for ent_id, ent in seeds.entities.items():
        node = iris.entity(ent_id)
        for t in seeds.types(ent_id):
            g.add((node, RDF.type, CKG[t]))
        g.add((node, RDFS.label, Literal(ent["label"])))
        g.add((node, SKOS.prefLabel, Literal(ent["label"])))
        for alias in ent.get("aliases", []):
            g.add((node, SKOS.altLabel, Literal(alias)))
        if "description" in ent:
            g.add((node, RDFS.comment, Literal(ent["description"])))
        if "located_in" in ent:
            g.add((node, CKG.locatedIn, iris.entity(ent["located_in"])))
        if "point" in ent:
            lat, lon = ent["point"]
            geom = iris.geometry(ent_id)
            g.add((node, GEO.hasGeometry, geom))
            g.add((geom, RDF.type, GEO.Geometry))
            g.add((geom, GEO.asWKT, Literal(f"POINT({lon} {lat})", datatype=GEO.wktLiteral)))
            # the point again as plain decimals: engines that rewrite WKT literals on load (Virtuoso
            # turns them into its own geometry type, coordinates as single floats) keep these digits
            g.add((node, SDO.latitude, _degrees(lat)))
            g.add((node, SDO.longitude, _degrees(lon)))
        for ref in ent.get("same_as", []):
            scheme, local = ref.split(":", 1)
            g.add((node, SKOS.exactMatch, (WIKIDATA if scheme == "wikidata" else GEONAMES)[local if scheme == "wikidata" else local + "/"]))
    for prop_id, prop in seeds.propositions.items():
        node = iris.proposition(prop_id)
        g.add((node, RDF.type, CKG.Proposition))
        g.add((node, RDFS.label, Literal(prop["label"])))
        g.add((node, SKOS.prefLabel, Literal(prop["label"])))
        g.add((node, SKOS.definition, Literal(prop["definition"])))


def _degrees(value: float) -> Literal:
    """A coordinate as an ``xsd:decimal`` with the digits the WKT point writes (``33.3``, ``44``)."""
    return Literal(format(Decimal(repr(value)), "f"), datatype=XSD.decimal)
