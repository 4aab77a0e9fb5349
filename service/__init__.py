"""The HTTP service (Flask): SPARQL endpoint, saved questions, linked data, dumps, operations.

``create_app(settings=None)`` builds an app: settings come from defaults, then ``CRISISKG_*``
environment variables, then ``settings`` (see :mod:`crisiskg.service.settings`). It opens the published build
once (never re-running the pipeline); with no build it still starts, ``/healthz`` answers and
``/readyz`` says why it is not ready. Blueprints, one per URL family:

=================  ==========================================================================
``sparql``         ``/sparql`` (SPARQL 1.1 Protocol, service description, query page)
``ld``             ``/id/…``, ``/graph/…``, ``/cameo/…``, ``/ontology``, ``/shapes``, ``/dumps``,
                   ``/.well-known/void`` and ``/dataset``
``api``            ``/queries``, ``/queries/<id>``, ``/openapi.json``
``ops``            ``/healthz``, ``/readyz``, ``/metrics``
``home``           ``/``
``curate``         ``/curate/`` (only with the ``curate`` setting: ``crisiskg serve --curate``)
=================  ==========================================================================

In front of them, in this order: the response cache's front (:mod:`crisiskg.service.cache`), then
the lean path (:mod:`crisiskg.service.lean`), which answers the plain GETs of ``/queries/<id>`` and
``/sparql`` with the views' own parts without entering Flask.

Run it with ``crisiskg serve`` (waitress). Example::

    >>> from crisiskg.service import create_app
    >>> app = create_app({"build_dir": "build"})
    >>> app.test_client().get("/healthz").status_code
    200
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from crisiskg.service.settings import Settings, load_settings


def create_app(settings: Mapping[str, Any] | Settings | None = None) -> Flask:
    """A new app configured from defaults, the environment, then ``settings``."""
    from crisiskg.service import api, cache, errors, home, hooks, html, lean, linkeddata, ops, sparql, ui
    from crisiskg.service.state import KEY, State

    config = load_settings(settings)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_request_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    st = State.open(config)
    app.extensions[KEY] = st
    st.metrics.gauge("crisiskg_build_info", "The build being served (value 1).",
                     lambda: [((("version", st.version or "none"),), 1.0)])
    st.metrics.gauge("crisiskg_triples", "Triples in the served build.", lambda: [((), float(len(st.store) if st.store else 0))])
    st.metrics.gauge("crisiskg_queries_running", "Query evaluations running now (timed-out ones until they stop).",
                     lambda: [((), float(st.evaluator.running))])
    errors.register(app)
    hooks.register(app)
    lean.register(app)  # the plain GETs of saved questions and /sparql without Flask; before the cache, whose front wraps it
    cache.register(app)  # after hooks: see crisiskg.service.cache
    html.register(app)
    for blueprint in (sparql.bp, linkeddata.bp, api.bp, ops.bp, home.bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(ui.bp)
    from crisiskg.service import views  # the saved questions' views (map, timeline, charts, graph)

    app.register_blueprint(views.bp)
    app.register_blueprint(views.editor_bp)  # /ui/sparql/view.json: the editor's views
    from crisiskg.service import place_map  # the small map on a place's page

    app.register_blueprint(place_map.bp)
    if config.curate:  # it writes the seed files: registered only when asked for, behind its token
        import secrets

        from crisiskg.service import curate

        app.config["CRISISKG_CURATE_TOKEN"] = config.curate_token or secrets.token_urlsafe(24)
        app.config["CRISISKG_SEEDS_DIR"] = str(config.seeds_dir)
        app.config["CRISISKG_BUILD_DIR"] = str(config.build_dir)
        app.register_blueprint(curate.bp)
    from crisiskg.service import dumps

    app.register_blueprint(dumps.bp)  # /context.jsonld
    return app
