"""crisiskg: an evidence-backed knowledge graph of news and opinion articles.

The package is the library every surface uses; :mod:`crisiskg.cli` and :mod:`crisiskg.service` are thin
layers over it. Stages, in the order data flows (a module imports only from stages before it):

    vocab, errors, config          leaf modules
    loaders                        seeds -> RDF dataset (anchoring, entity resolution, IRIs)
    crisiskg.build.reasoning             OWL 2 RL closure (owlrl), useful new triples only
    crisiskg.build.validation            SHACL gate (pyshacl)
    crisiskg.build.publish               atomic publication of a build to build/
    crisiskg.build.pipeline              the build, stage by stage
    crisiskg.query.store                 the one module that answers queries (pyoxigraph)
    crisiskg.query.savedqueries          saved competency questions (queries/*.rq)
"""

from __future__ import annotations

__version__ = "0.1.0"
REASONING = ("owlrl", "none")  # what a query may read: asserted and inferred triples, or asserted only (crisiskg.query.store)
