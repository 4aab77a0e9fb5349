"""crisiskg: an evidence-backed knowledge graph of news and opinion articles.

One distribution, one import root. Data flows seeds -> loaders -> build -> query -> service and
CLI; each layer imports only the layers below it (the import-linter contracts in
``pyproject.toml``, checked by ``tests/test_layers.py``), and no module imports itself through
others (each name below is under ``crisiskg``):

    cli                   click: one group, thin commands by job
    service               the Flask app factory and its blueprints (never the CLI)
    curate | scale        the curator's tools | a synthetic corpus, push to another store
    query                 the store facade and its kinds, results, saved questions, kept answers
    build                 reasoning, SHACL gate, publication; the full and incremental build
    loaders               seeds -> RDF dataset (anchoring, entity resolution, IRIs); seed audits
    terms | textscan      term conversion | plain-text scanning
    errors | vocab        leaves: the exception hierarchy | namespaces, the ontology as data
    ontology | queries    data: the ontology, CAMEO and shapes | the saved questions (*.rq)

The folders ``loaders/``, ``service/``, ``ontology/`` and ``queries/`` beside this one install as
``crisiskg.loaders``, ``crisiskg.service``, ``crisiskg.ontology`` and ``crisiskg.queries``. This
module imports nothing, so that every layer may read it: it holds the version and
``REASONING``, the reasoning settings a query may name (here rather than in :mod:`crisiskg.vocab`,
which loads rdflib and the ontology, so that the CLI builds its options without them).
"""

from __future__ import annotations

__version__ = "0.1.0"
REASONING = ("owlrl", "none")  # what a query may read: asserted and inferred triples, or asserted only (crisiskg.query.store)
