"""The repeatable audit (issue 15, item 4): the fact list, the draw, the reviewer's flow, the audit
file's checks, and the estimate a build publishes (manifest, stats, VoID, home page)."""

from __future__ import annotations

import json
import math
import shutil
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from crisiskg.build.pipeline import build
from crisiskg.build.publish import current
from crisiskg.build.stages import BuildResult
from crisiskg.cli import main
from crisiskg.curate import facts
from crisiskg.errors import SeedError
from crisiskg.loaders import audits, read_seeds
from crisiskg.query.store import Store, open_store
from crisiskg.scale.push import push
from crisiskg.service import create_app
from crisiskg.service.quality import ANNOTATION, DQV, OA
from crisiskg.textscan import sentences

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

CKG = "https://w3id.org/crisiskg/ontology#"
TIMES = {"http://www.w3.org/ns/prov#startedAtTime", "http://www.w3.org/ns/prov#endedAtTime"}


def run(*args: Any, input: str | None = None) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def fill(path: Path, verdicts: Sequence[str | None], date: str = "2026-12-05") -> None:
    """Give the audit file at ``path`` these verdicts, in order, and ``date``, as a reviewer editing it would."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["audit"]["date"] = date
    for fact, verdict in zip(data["facts"], verdicts, strict=True):
        fact["verdict"] = verdict
    audits.write(path, data)


# ---------------------------------------------------------------- the fact list and the draw


@pytest.fixture(scope="module")
def mini_facts(mini_store: Store) -> list[facts.Fact]:
    return facts.facts(mini_store)


def test_the_fact_list_has_every_kind_and_no_plumbing(mini_store: Store, mini_facts: list[facts.Fact]) -> None:
    kinds = Counter(f.kind for f in mini_facts)

    def count(pattern: str) -> int:
        sparql = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ {pattern} }} FILTER(STRSTARTS(STR(?g), ?prefix)) }}"
        return int(str(mini_store.query(sparql, bindings={"prefix": Literal(facts.ARTICLE_GRAPHS)}, answers=False).rows[0]["n"]))

    assert kinds["mention"] == count("?m nif:taIdentRef ?x") > 0
    assert kinds["claim"] == count("?c a ckg:Claim") > 0
    assert kinds["statement"] > 0
    for f in mini_facts:
        assert not f.predicate.startswith("http://persistence.uni-leipzig.org/nlp2rdf/") or f.kind == "mention"
        assert f.predicate not in facts.PLUMBING and not f.predicate.endswith("Derivation")
    assert mini_facts == sorted(set(mini_facts))
    assert len({f.id for f in mini_facts}) == len(mini_facts)


def test_what_counts_as_a_fact(mini_facts: list[facts.Fact]) -> None:
    by = {(f.kind, f.subject, f.predicate, f.object) for f in mini_facts}
    stance, event = "<https://w3id.org/crisiskg/id/stance/roe-against-retaliation>", "<https://w3id.org/crisiskg/id/event/camp-alpha-attack>"
    entity = "<https://w3id.org/crisiskg/id/entity/{}>".format
    assert ("statement", stance, CKG + "holder", entity("jane-roe")) in by
    assert ("statement", event, facts.TYPE, f"<{CKG}RocketAttack>") in by  # an event's class can be checked
    assert ("statement", stance, facts.TYPE, f"<{CKG}Stance>") not in by  # a node's kind cannot
    assert not any(p == "http://www.w3.org/2000/01/rdf-schema#label" for _, _, p, _ in by)
    # the claim is one fact, and the triple it asserts is not a second one
    assert ("claim", entity("red-militia"), CKG + "backedBy", entity("northland")) in by
    assert ("statement", entity("red-militia"), CKG + "backedBy", entity("northland")) not in by


def test_the_draw_is_reproducible_and_independent_of_order(mini_facts: list[facts.Fact]) -> None:
    drawn = facts.sample(mini_facts, 5, 7)
    assert len(drawn) == 5 == len(set(drawn))
    assert facts.sample(list(reversed(mini_facts)), 5, 7) == drawn
    assert facts.sample(mini_facts, 5, 8) != drawn
    assert facts.sample(mini_facts, 3, 7) == drawn[:3]  # a smaller sample is the start of a larger one
    assert sorted(facts.sample(mini_facts, len(mini_facts) + 10, 7)) == mini_facts


def test_the_draw_is_uniform(mini_facts: list[facts.Fact]) -> None:
    """Every fact is drawn as often as every other over many seeds (chi-squared far below what a
    biased draw gives), and every position of the draw too."""
    seeds, n, m = 3000, 3, len(mini_facts)
    seen: Counter[facts.Fact] = Counter()
    for seed in range(seeds):
        seen.update(facts.sample(mini_facts, n, seed))
    expected = seeds * n / m
    chi2 = sum((seen[f] - expected) ** 2 / expected for f in mini_facts)
    assert chi2 < (m - 1) + 5 * math.sqrt(2 * (m - 1)), chi2
    assert min(seen.values()) > 0.7 * expected and max(seen.values()) < 1.3 * expected


# ---------------------------------------------------------------- the Wilson interval


@pytest.mark.parametrize(("right", "n", "low", "high"), [
    (58, 60, 0.8864, 0.9908), (0, 10, 0.0, 0.2775), (10, 10, 0.7225, 1.0), (1, 2, 0.0945, 0.9055),
])
def test_wilson_interval(right: int, n: int, low: float, high: float) -> None:
    got = audits.wilson(right, n)
    assert got is not None
    assert got == pytest.approx((low, high), abs=5e-5)
    # the interval's bounds are the two proportions p with (right/n - p)^2 = z^2 p (1 - p) / n
    z2 = audits.Z95 ** 2
    for p in got:
        if 0 < p < 1:
            assert (right / n - p) ** 2 == pytest.approx(z2 * p * (1 - p) / n, rel=1e-9)


def test_wilson_of_nothing_is_none() -> None:
    assert audits.wilson(0, 0) is None


# ---------------------------------------------------------------- the reviewer's flow


def test_the_reviewer_answers_and_resumes(mini_build: tuple[Path, BuildResult], tmp_path: Path) -> None:
    out, _ = mini_build
    file = tmp_path / "audits" / "a.yaml"
    first = run("audit", "--sample", 4, "--seed", 3, "--build", out, "--out", file, input="r\nw: the text names no target\nzzz\nq\n")
    assert first.exit_code == 0, first.output
    assert "quote:" in first.output and "sentence:" in first.output
    assert "answer r, w or u" in first.output  # 'zzz' is not an answer: asked again
    audit, problems = audits.read(file, "a.yaml")
    assert audit is not None and not problems
    assert [f["verdict"] for f in audit.facts] == ["right", "wrong", None, None]
    assert audit.facts[1]["note"] == "the text names no target"
    assert "2 of 4 judged" in first.output

    # drawn as the library draws them, each with its quote inside its sentence inside its article
    store = Store.open(out)
    assert [f["id"] for f in audit.facts] == [f.id for f in facts.sample(facts.facts(store), 4, 3)]
    text = (Path(__file__).parent / "fixtures" / "mini" / "articles" / "100_mini.txt").read_text(encoding="utf-8")
    for fact in audit.facts:
        assert fact["quote"] and fact["quote"] in fact["sentence"] and fact["sentence"] in text
        assert any(s.text in fact["sentence"] for s in sentences(text))  # whole sentences, as the linked data gives them
        assert fact["reading"].startswith(f"article {fact['article']}")
    header = audit.header
    assert header["seed"] == 3 and header["sample"] == 4 and header["build"] == current(out).manifest["data_version"]
    assert header["facts_in_build"] == len(facts.facts(store))

    again = run("audit", "--out", file, "--build", out, input="u the sentence says nothing of it\nright\n")
    assert again.exit_code == 0, again.output
    assert "resuming" in again.output and "2 of 4 facts judged" in again.output
    done, _ = audits.read(file, "a.yaml")
    assert done is not None and done.complete
    assert [f["verdict"] for f in done.facts] == ["right", "wrong", "unsupported", "right"]
    assert "precision 50.0%" in again.output


def test_no_input_writes_the_sample_to_fill_in(mini_build: tuple[Path, BuildResult], tmp_path: Path) -> None:
    file = tmp_path / "b.yaml"
    result = run("audit", "--sample", 6, "--seed", 1, "--build", mini_build[0], "--out", file, "--no-input")
    assert result.exit_code == 0, result.output
    audit, _ = audits.read(file, "b.yaml")
    assert audit is not None and audit.judged == 0 and len(audit.facts) == 6
    assert file.read_text(encoding="utf-8").startswith("# crisiskg audit")
    for fact in audit.facts:
        assert {"id", "article", "subject", "subject_label", "predicate", "predicate_label", "object", "object_label",
                "reading", "quote", "sentence", "verdict", "note"} <= set(fact)
    mismatch = run("audit", "--sample", 6, "--seed", 2, "--build", mini_build[0], "--out", file, "--no-input")
    assert mismatch.exit_code == 2 and "seed 1" in mismatch.output


def test_a_new_audit_needs_a_seed_and_a_size(mini_build: tuple[Path, BuildResult], tmp_path: Path) -> None:
    result = run("audit", "--sample", 6, "--build", mini_build[0], "--seeds", tmp_path)
    assert result.exit_code == 2 and "--seed" in result.output


# ---------------------------------------------------------------- the audit file's checks


def test_a_bad_audit_file_names_file_line_and_fix(mini_build: tuple[Path, BuildResult], mini_copy: Path) -> None:
    file = mini_copy / "audits" / "2026-01-01-seed1.yaml"
    assert run("audit", "--sample", 3, "--seed", 1, "--build", mini_build[0], "--out", file, "--no-input").exit_code == 0
    lines = file.read_text(encoding="utf-8").splitlines()
    verdicts = [i for i, line in enumerate(lines) if line.strip().startswith("verdict:")]
    lines[verdicts[0]] = lines[verdicts[0]].replace("verdict: null", "verdict: rigth")
    lines[verdicts[1]] = lines[verdicts[1]].replace("verdict: null", "verdit: right")
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SeedError) as caught:
        build(mini_copy, None)
    where = {(p.file, p.line, p.field): p for p in caught.value.problems}
    rel = "audits/2026-01-01-seed1.yaml"
    bad = where[(rel, verdicts[0] + 1, "facts[0].verdict")]
    assert "'rigth'" in bad.message and bad.hint == "did you mean 'right'?"
    typo = where[(rel, verdicts[1] + 1, "facts[1].verdit")]
    assert "unknown field" in typo.message and typo.hint == "did you mean 'verdict'?"
    result = run("validate", "--seeds", mini_copy)
    assert result.exit_code == 2 and f"{rel}:{verdicts[0] + 1}: facts[0].verdict" in result.output


def test_a_sample_size_that_is_not_the_facts_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "audits" / "x.yaml"
    audits.write(file, {"audit": {"date": "2026-01-01", "seed": 1, "sample": 2, "build": "b"},
                        "facts": [{"id": "f1", "kind": "mention", "article": "100", "reading": "r", "quote": "q",
                                   "predicate": "p", "object": "o", "verdict": "right"}]})
    with pytest.raises(SeedError) as caught:
        audits.latest(tmp_path)
    (problem,) = caught.value.problems
    assert problem.field == "audit.sample" and problem.line is not None and "holds 1 facts" in problem.message


def test_the_newest_complete_audit_is_the_one(tmp_path: Path) -> None:
    def one(name: str, date: str, verdict: str | None) -> None:
        audits.write(tmp_path / "audits" / name, {"audit": {"date": date, "seed": 1, "sample": 1, "build": "b"}, "facts": [
            {"id": "f1", "kind": "mention", "article": "100", "reading": "r", "quote": "q", "predicate": "p", "object": "o",
             "verdict": verdict}]})

    assert audits.latest(tmp_path) is None
    one("old.yaml", "2026-01-01", "right")
    one("new-unfinished.yaml", "2026-03-01", None)
    one("mid.yaml", "2026-02-01", "wrong")
    found = audits.latest(tmp_path)
    assert found is not None and found.file == "audits/mid.yaml"


def test_the_seed_reader_ignores_the_audits_folder(mini_build: tuple[Path, BuildResult], mini_copy: Path) -> None:
    before = read_seeds(mini_copy).files
    assert run("audit", "--sample", 2, "--seed", 1, "--build", mini_build[0], "--seeds", mini_copy, "--no-input").exit_code == 0
    assert list((mini_copy / "audits").glob("*-seed1.yaml"))
    assert read_seeds(mini_copy).files == before


# ---------------------------------------------------------------- what a build publishes


@pytest.fixture(scope="module")
def audited(mini_build: tuple[Path, BuildResult], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A copy of the mini seeds with a complete audit (all right but one wrong, one unsupported), built."""
    seeds = tmp_path_factory.mktemp("audited") / "seeds"
    shutil.copytree(Path(__file__).parent / "fixtures" / "mini", seeds)
    file = seeds / "audits" / "2026-12-05-seed7.yaml"
    assert run("audit", "--sample", 10, "--seed", 7, "--build", mini_build[0], "--out", file, "--no-input").exit_code == 0
    fill(file, ["right"] * 8 + ["wrong", "unsupported"])
    out = seeds.parent / "build"
    build(seeds, out)
    return seeds, out


def test_the_manifest_and_stats_give_the_estimate(audited: tuple[Path, Path]) -> None:
    _, out = audited
    manifest = current(out).manifest
    estimate = manifest["audit"]
    low, high = audits.wilson(8, 10)  # type: ignore[misc]
    assert estimate["right"] == 8 and estimate["wrong"] == 1 and estimate["unsupported"] == 1 and estimate["judged"] == 10
    assert estimate["precision"] == 0.8 and estimate["interval"] == [round(low, 4), round(high, 4)]
    assert estimate["seed"] == 7 and estimate["date"] == "2026-12-05" and estimate["current"] is True
    assert manifest["version"] != manifest["data_version"]  # the audit is part of what was published
    as_json = json.loads(run("stats", "--build", out, "--json").output)
    assert as_json["audit"] == estimate
    text = run("stats", "--build", out).output
    assert "audit              precision 80.0% (95% interval 49.0% to 94.3%): 8 of 10 sampled facts right, 1 wrong, 1 unsupported" in text


def test_stats_of_a_build_without_an_audit(mini_build: tuple[Path, BuildResult]) -> None:
    assert "audit              not audited" in run("stats", "--build", mini_build[0]).output
    assert json.loads(run("stats", "--build", mini_build[0], "--json").output)["audit"] is None


def void_of(store: Store) -> Graph:
    client = create_app({"store": store}).test_client()
    resp = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert resp.status_code == 200
    return Graph().parse(data=resp.get_data(as_text=True), format="turtle")


def test_void_gives_the_estimate_as_dqv_measurements(audited: tuple[Path, Path]) -> None:
    g = void_of(Store.open(audited[1]))
    values: dict[str, Any] = {}
    for m in g.subjects(DQV.computedOn, URIRef("https://w3id.org/crisiskg/dataset")):
        metric = g.value(m, DQV.isMeasurementOf)
        assert (metric, RDF.type, DQV.Metric) in g and g.value(metric, DQV.inDimension) is not None
        values[str(metric).rsplit("#", 1)[-1]] = g.value(m, DQV.value)
    low, high = audits.wilson(8, 10)  # type: ignore[misc]
    assert values["factPrecision"] == Literal(0.8, datatype=XSD.double)
    assert values["factPrecisionLower"].toPython() == round(low, 4) and values["factPrecisionUpper"].toPython() == round(high, 4)
    assert values["auditSampleSize"] == Literal(10, datatype=XSD.integer)
    assert values["auditWrong"].toPython() == 1 and values["auditUnsupported"].toPython() == 1
    assert "precision 80.0%" in str(g.value(ANNOTATION, OA.bodyValue))


def test_void_and_home_page_say_not_audited(mini_store: Store) -> None:
    g = void_of(mini_store)
    assert str(g.value(ANNOTATION, OA.bodyValue)) == "not audited"
    assert not list(g.subjects(DQV.isMeasurementOf, None))
    client = create_app({"store": mini_store}).test_client()
    assert "<strong>not audited</strong>" in client.get("/ui/").get_data(as_text=True)
    assert client.get("/", headers={"Accept": "application/json"}).get_json()["audit_summary"] == "not audited"


def test_the_home_page_gives_the_estimate(audited: tuple[Path, Path]) -> None:
    client = create_app({"store": Store.open(audited[1])}).test_client()
    html = client.get("/ui/").get_data(as_text=True)
    assert 'id="audit"' in html and "precision 80.0% (95% interval 49.0% to 94.3%)" in html and "seed 7" in html
    index = client.get("/", headers={"Accept": "application/json"}).get_json()
    assert index["audit"]["precision"] == 0.8


# ---------------------------------------------------------------- the incremental build


def quads(out: Path) -> set[str]:
    return {str(q) for q in ox.parse(path=str(current(out).dataset_file), format=ox.RdfFormat.N_QUADS) if q.predicate.value not in TIMES}


def test_a_changed_audit_reissues_the_build_without_rebuilding_it(audited: tuple[Path, Path], tmp_path: Path) -> None:
    seeds = shutil.copytree(audited[0], tmp_path / "seeds")
    out = tmp_path / "build"
    build(seeds, out)
    before = current(out)
    push(f"oxigraph:{tmp_path / 'stores'}", out)
    fill(seeds / "audits" / "2026-12-05-seed7.yaml", ["right"] * 10)
    result = build(seeds, out, incremental=True)
    assert result.note.startswith("incremental: build") and "reissued" in result.note, result.note
    assert "reason" not in result.seconds and "validate" not in result.seconds
    after = current(out)
    assert after.manifest["audit"]["right"] == 10 and after.manifest["audit"]["precision"] == 1.0
    assert after.manifest["data_version"] == before.manifest["data_version"] and after.version != before.version
    assert after.manifest["incremental"] == {"from": before.version, "articles": [], "reissued": True}
    pushed = push(f"oxigraph:{tmp_path / 'stores'}", out)  # onto the store of the build it reissues: only what changed
    assert "not incrementally" not in pushed and open_store(f"oxigraph:{tmp_path / 'stores'}", out).version == after.version
    full_out = tmp_path / "full"
    full = build(seeds, full_out)
    assert after.version == full.manifest["version"]
    assert after.manifest["counts"] == full.manifest["counts"]
    assert quads(out) == quads(full_out)
    # and the reissued release is a base for the next incremental build like any other
    shutil.rmtree(seeds / "audits")
    result = build(seeds, out, incremental=True)
    assert "reissued with no audit" in result.note and current(out).manifest["audit"] is None
    assert current(out).version == before.manifest["data_version"]
    assert build(seeds, out, incremental=True).note == "full build: no new article files"
