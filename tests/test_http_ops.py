"""Operations and what every response gets: health and readiness, Prometheus metrics, ETag / 304
from the build version, CORS, the one error body, settings from the environment."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from crisiskg.query.store import Store
from crisiskg.service import create_app
from crisiskg.service.settings import Settings, SettingsError, load_settings


def copy_release(mini_build: tuple[Path, Any], dest: Path, **manifest_changes: Any) -> Path:
    """A build folder with a copy of the mini release, its manifest changed."""
    src = (mini_build[0] / "current").resolve()
    release = dest / "releases" / src.name
    shutil.copytree(src, release)
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    manifest.update(manifest_changes)
    (release / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    os.symlink(Path("releases") / src.name, dest / "current")
    return dest


# ------------------------------------------------------------------------------ health and readiness


@pytest.mark.no_seeds
def test_healthz_and_readyz(client: FlaskClient, mini_store: Store) -> None:
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json == {"ok": True, "status": 200}
    assert health.headers["Cache-Control"] == "no-store" and "ETag" not in health.headers
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json["version"] == mini_store.version and ready.json["triples"] == len(mini_store)


@pytest.mark.no_seeds
def test_not_ready_without_a_build(tmp_path: Path) -> None:
    client = create_app({"build_dir": tmp_path / "nothing"}).test_client()
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503 and "no published build" in ready.json["error"]
    query = client.get("/sparql", query_string={"query": "ASK {}"})
    assert query.status_code == 503 and query.headers["Retry-After"] == "5"
    assert client.get("/metrics").status_code == 200
    assert 'crisiskg_build_info{version="none"} 1' in client.get("/metrics").get_data(as_text=True)


@pytest.mark.no_seeds
def test_not_ready_when_the_build_does_not_conform(mini_build: tuple[Path, Any], tmp_path: Path) -> None:
    build = copy_release(mini_build, tmp_path, validation={"conforms": False, "violations": 3})
    client = create_app({"build_dir": build}).test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 503 and "does not conform" in ready.json["error"] and "3 violations" in ready.json["error"]


@pytest.mark.no_seeds
def test_opens_the_published_build_from_the_environment(mini_build: tuple[Path, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRISISKG_BUILD_DIR", str(mini_build[0]))
    app = create_app()
    try:
        assert app.test_client().get("/readyz").json["version"] == Store.open(mini_build[0]).version
    finally:
        app.extensions["crisiskg"].close()


@pytest.mark.no_seeds
def test_not_ready_until_a_query_worker_runs(mini_build: tuple[Path, Any]) -> None:
    """Query worker processes start in the background: /readyz says 503 while none runs (a balancer
    sends no traffic that would wait for one), then 200."""
    app = create_app({"build_dir": mini_build[0], "reload_every": 0})
    st = app.extensions["crisiskg"]
    client = app.test_client()
    try:
        assert st.evaluator.pool.wait_ready(120)
        assert client.get("/readyz").status_code == 200
        st.evaluator.pool.close()  # every worker gone
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.headers["Retry-After"] == "5"
        assert "no query worker is running yet (0 of 4 started)" in ready.json["error"]
        assert ready.json["version"] == st.version
    finally:
        st.close()


# ------------------------------------------------------------------------------ metrics

_SAMPLE = re.compile(r'^[a-z_]+(\{([a-z_]+="([^"\\]|\\.)*",?)+\})? -?[0-9.e+-]+$|^[a-z_]+(\{.*\})? \+?Inf$')


@pytest.mark.no_seeds
def test_metrics_in_prometheus_text_format(mini_store: Store) -> None:
    client = create_app({"store": mini_store}).test_client()
    client.get("/sparql", query_string={"query": "ASK {}"})
    client.get("/sparql", query_string={"query": "ASK {"})
    client.get("/id/entity/jane-roe")
    client.get("/no/such/page")
    resp = client.get("/metrics")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    text = resp.get_data(as_text=True)
    for line in text.splitlines():
        if line.startswith("#"):
            assert re.match(r"^# (HELP|TYPE) [a-z_]+ .+$", line), line
        else:
            assert _SAMPLE.match(line), line
    assert 'crisiskg_http_requests_total{method="GET",route="/sparql",status="200"} 1' in text
    assert 'crisiskg_http_requests_total{method="GET",route="/sparql",status="400"} 1' in text
    assert 'crisiskg_http_errors_total{route="/sparql",status="400"} 1' in text
    assert 'crisiskg_http_requests_total{method="GET",route="/id/<path:key>",status="200"} 1' in text
    assert 'crisiskg_http_errors_total{route="unmatched",status="404"} 1' in text
    assert 'crisiskg_http_request_duration_seconds_count{route="/sparql"} 2' in text
    assert f'crisiskg_build_info{{version="{mini_store.version}"}} 1' in text
    assert f"crisiskg_triples {len(mini_store)}" in text
    assert "# TYPE crisiskg_http_request_duration_seconds histogram" in text
    buckets = [int(v) for v in re.findall(r'crisiskg_http_request_duration_seconds_bucket\{route="/sparql",le="[^"]+"\} (\d+)', text)]
    assert buckets == sorted(buckets) and buckets[-1] == 2


# ------------------------------------------------------------------------------ ETag and 304


@pytest.mark.no_seeds
@pytest.mark.parametrize("path, headers", [
    ("/id/entity/jane-roe", {}),
    ("/id/entity/jane-roe", {"Accept": "text/html"}),
    ("/sparql?query=ASK%20%7B%7D", {}),
    ("/sparql", {"Accept": "text/turtle"}),
    ("/.well-known/void", {}),
    ("/dumps/crisiskg.nt", {}),
    ("/ontology", {}),
    ("/queries", {}),
    ("/queries/timeline?_format=csv", {}),
    ("/openapi.json", {}),
])
def test_etag_and_304(client: FlaskClient, mini_store: Store, path: str, headers: dict[str, str]) -> None:
    first = client.get(path, headers=headers)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag.startswith(f'"{mini_store.version}-')
    again = client.get(path, headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    stale = client.get(path, headers={**headers, "If-None-Match": '"an-old-build-0000"'})
    assert stale.status_code == 200
    head = client.head(path, headers={**headers, "If-None-Match": etag})
    assert head.status_code == 304


@pytest.mark.no_seeds
def test_each_representation_has_its_own_etag(client: FlaskClient) -> None:
    tags = {client.get("/id/entity/jane-roe", headers={"Accept": a}).headers["ETag"]
            for a in ("text/turtle", "application/n-triples", "application/ld+json", "text/html")}
    assert len(tags) == 4
    turtle = client.get("/id/entity/jane-roe").headers["ETag"]
    assert client.get("/id/entity/jane-roe", headers={"Accept": "application/n-triples", "If-None-Match": turtle}).status_code == 200


def test_a_new_build_changes_the_etag(client: FlaskClient, seed_store: Store) -> None:
    other = create_app({"store": seed_store}).test_client()
    path = "/sparql?query=ASK%20%7B%7D"
    assert client.get(path).headers["ETag"] != other.get(path).headers["ETag"]


@pytest.mark.no_seeds
def test_no_etag_on_errors_posts_and_operations(client: FlaskClient) -> None:
    assert "ETag" not in client.get("/id/entity/nobody").headers
    assert "ETag" not in client.get("/metrics").headers
    assert "ETag" not in client.get("/readyz").headers


# ------------------------------------------------------------------------------ CORS


@pytest.mark.no_seeds
def test_cors_on_reads_and_preflight(client: FlaskClient) -> None:
    resp = client.get("/sparql?query=ASK%20%7B%7D", headers={"Origin": "https://yasgui.example"})
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in resp.headers["Access-Control-Expose-Headers"]
    pre = client.options("/sparql", headers={"Origin": "https://yasgui.example", "Access-Control-Request-Method": "POST",
                                             "Access-Control-Request-Headers": "Content-Type"})
    assert pre.status_code == 200
    assert pre.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in pre.headers["Access-Control-Allow-Headers"]
    assert client.get("/id/entity/jane-roe").headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/nothing/here").headers["Access-Control-Allow-Origin"] == "*"


# ------------------------------------------------------------------------------ errors and settings


@pytest.mark.no_seeds
def test_one_error_body(client: FlaskClient) -> None:
    resp = client.get("/nothing/here")
    assert resp.status_code == 404
    assert resp.json == {"ok": False, "error": "nothing at /nothing/here; see / for what this service offers", "status": 404}
    page = client.get("/nothing/here", headers={"Accept": "text/html"})
    assert page.mimetype == "text/html" and b"Error 404" in page.data and b"nothing at /nothing/here" in page.data


@pytest.mark.no_seeds
def test_settings_order(tmp_path: Path) -> None:
    env = {"CRISISKG_QUERY_TIMEOUT": "2.5", "CRISISKG_BUILD_DIR": str(tmp_path), "CRISISKG_MAX_RUNNING_QUERIES": "3"}
    s = load_settings({"max_running_queries": 9}, environ=env)
    assert s.query_timeout == 2.5 and s.build_dir == tmp_path and s.max_running_queries == 9
    assert load_settings(environ={}) == Settings()
    with pytest.raises(SettingsError, match="CRISISKG_QUERY_TIMEOUT='soon' is not a valid float"):
        load_settings(environ={"CRISISKG_QUERY_TIMEOUT": "soon"})
    with pytest.raises(SettingsError, match="unknown setting 'timeout'; settings: build_dir"):
        load_settings({"timeout": 3}, environ={})
    with pytest.raises(SettingsError, match="must be positive"):
        load_settings({"query_timeout": 0}, environ={})


@pytest.mark.no_seeds
def test_index(client: FlaskClient) -> None:
    body = client.get("/").json
    assert body["ok"] is True and body["links"]["sparql"] == "/sparql"
    for url in body["links"].values():
        assert client.get(url).status_code == 200, url
    browser = client.get("/", headers={"Accept": "text/html"})
    assert browser.status_code == 303 and browser.headers["Location"].endswith("/ui/")
    assert client.get("/", headers={"Accept": "text/html"}, follow_redirects=True).mimetype == "text/html"


@pytest.mark.no_seeds
def test_post_queries_are_tagged_too(client: FlaskClient, mini_store: Store) -> None:
    resp = client.post("/sparql", data="ASK {}", content_type="application/sparql-query")
    assert resp.status_code == 200 and resp.headers["ETag"].startswith(f'"{mini_store.version}-')
    again = client.post("/sparql", data="ASK {}", content_type="application/sparql-query", headers={"If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 200 and again.data == resp.data
