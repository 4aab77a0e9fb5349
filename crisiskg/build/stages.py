"""The stages a build is made of, shared by the full and the incremental build: the result,
counts and summary, the quads, the provenance record, the manifest and the conformance check."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import RDF

from crisiskg import __version__
from crisiskg.build import gate
from crisiskg.build.publish import Release
from crisiskg.build.validation import Validation
from crisiskg.errors import SeedError, ValidationFailed
from crisiskg.loaders import SeedSet, audits, iris
from crisiskg.loaders.provenance import article_files
from crisiskg.loaders.seeds import check_seeds, usable
from crisiskg.terms import to_oxigraph, to_rdflib
from crisiskg.vocab import BUILD_GRAPHS, CKG, ENTITIES_GRAPH, ID, INFERRED_GRAPH, NIF, PROVENANCE_GRAPH, article_graph, package_folder

# the packages whose files shape a build, by the folder they come from in the checkout
CODE_PACKAGES = {"crisiskg": "crisiskg", "crisiskg.loaders": "loaders", "crisiskg.ontology": "ontology"}


@dataclass
class BuildResult:
    """What a build produced: its validation, manifest, seconds per stage, and the data.

    ``quads`` holds every published quad (pyoxigraph terms, asserted ones as written; an
    incremental build reads them back from the release on first use); ``dataset`` is the same as
    an rdflib Dataset, made on first use (slow at scale).
    """

    _quads: list[Any] | None
    validation: Validation
    manifest: dict[str, Any]
    seconds: dict[str, float] = field(default_factory=dict)
    release: Release | None = None
    inconsistencies: list[str] = field(default_factory=list)
    note: str = ""  # e.g. why an incremental build ran as a full one
    path: str = "full"  # which build ran: "full", "incremental" (new articles added) or "reissue" (a new audit only)
    answers: Any = None  # crisiskg.query.answers.Written, once the release's answers are kept
    _dataset: Dataset | None = field(default=None, repr=False)

    @property
    def quads(self) -> list[Any]:
        if self._quads is None:
            if self.release is None:
                raise ValueError("a build result without its quads must have been published")
            self._quads = list(ox.parse(path=str(self.release.dataset_file), format=ox.RdfFormat.N_QUADS))
        return self._quads

    @property
    def dataset(self) -> Dataset:
        if self._dataset is None:
            self._dataset = to_rdflib_dataset(self.quads)
        return self._dataset


def code_files() -> list[tuple[str, str]]:
    """(relative path, sha256) of the code and ontology that shape a build."""
    out = []
    for package, folder in CODE_PACKAGES.items():
        root = package_folder(package)
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root)
            if rel.parts[0] in _MAPPED or path.suffix not in (".py", ".ttl") or "__pycache__" in rel.parts:
                continue  # a package mapped from another folder is counted once, under its own name
            out.append((f"{folder}/{rel.as_posix()}", hashlib.sha256(path.read_bytes()).hexdigest()))
    return out


_MAPPED = ("loaders", "service", "ontology", "queries")  # inside crisiskg/ in a wheel, beside it in a checkout


def version_of(seeds: SeedSet, code: list[tuple[str, str]]) -> str:
    h = hashlib.sha256()
    for rel, sha in sorted([*seeds.files.items(), *code]):
        h.update(f"{rel}\0{sha}\n".encode())
    return h.hexdigest()[:16]


_EVENT = str(ID) + "event/"
_TYPE, _STANCE, _EVIDENCE, _TA_IDENT = str(RDF.type), str(CKG.Stance), str(CKG.evidence), str(NIF.taIdentRef)
TYPE, STANCE, EVIDENCE = ox.NamedNode(_TYPE), ox.NamedNode(_STANCE), ox.NamedNode(_EVIDENCE)


@dataclass
class Tally:
    """What the manifest counts in some quads: quads per graph, event and stance IRIs, mentions."""

    sizes: Counter[str] = field(default_factory=Counter)
    events: set[str] = field(default_factory=set)
    stances: set[str] = field(default_factory=set)
    mentions: int = 0

    def add(self, quads: Iterable[Any], sign: int = 1) -> Tally:
        """Count ``quads`` in (``sign=-1``: out, for sizes and mentions only)."""
        for q in quads:
            g, p = q.graph_name.value, q.predicate.value
            self.sizes[g] += sign
            if p == _EVIDENCE:
                s = q.subject.value
                if s.startswith(_EVENT) and "/casualties/" not in s and sign > 0:
                    self.events.add(s)
            elif p == _TYPE and q.object.value == _STANCE:
                if sign > 0:
                    self.stances.add(q.subject.value)
            elif p == _TA_IDENT:
                self.mentions += sign
        return self


def counts(quads: Iterable[Any], seeds: SeedSet) -> dict[str, Any]:
    """The manifest's counts, from every published quad (provenance counts as asserted)."""
    t = Tally().add(quads)
    return summary(seeds, t.sizes, len(t.events), len(t.stances), t.mentions)


def summary(seeds: SeedSet, sizes: Mapping[str, int], events: int, stances: int, mentions: int) -> dict[str, Any]:
    """The manifest's counts from quads per graph and the other totals."""
    inferred = sizes.get(str(INFERRED_GRAPH), 0)
    return {
        "articles": len(seeds.articles),
        "entities": len(seeds.entities),
        "propositions": len(seeds.propositions),
        "events": events,
        "stances": stances,
        "mentions": mentions,
        "entity_triples": sizes.get(str(ENTITIES_GRAPH), 0),
        "triples_asserted": sum(sizes.values()) - inferred,
        "triples_inferred": inferred,
        "graphs": {g: n for g, n in sorted(sizes.items()) if n},
    }


_PROV = "http://www.w3.org/ns/prov#"
_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"


def _nt_literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


def provenance_nquads(seeds: SeedSet, *, version: str, started: str, ended: str, code: Iterable[tuple[str, str]]) -> bytes:
    """:func:`crisiskg.loaders.provenance.provenance` written directly as N-Quads, without
    building an rdflib graph and converting it (``tests/test_incremental_store.py`` checks it holds
    the same quads)."""
    g = f" <{PROVENANCE_GRAPH}> .\n"
    lines: dict[str, None] = {}

    def add(s: str, p: str, o: str) -> None:
        lines[f"{s} {p} {o}{g}"] = None

    run, agent = f"<{iris.build(version)}>", "<https://w3id.org/crisiskg/software/crisiskg>"
    a, label = f"<{RDF.type}>", f"<{_RDFS_LABEL}>"
    entity, used = f"<{_PROV}Entity>", f"<{_PROV}used>"
    generated, derived = f"<{_PROV}wasGeneratedBy>", f"<{_PROV}wasDerivedFrom>"
    seed_file, sha256 = f"<{CKG.seedFile}>", f"<{CKG.sha256}>"
    add(run, a, f"<{_PROV}Activity>")
    add(run, label, _nt_literal(f"crisiskg build {version}"))
    add(run, f"<{CKG.buildVersion}>", _nt_literal(version))
    add(run, f"<{_PROV}startedAtTime>", f"{_nt_literal(started)}^^<{_XSD_DATETIME}>")
    add(run, f"<{_PROV}endedAtTime>", f"{_nt_literal(ended)}^^<{_XSD_DATETIME}>")
    add(run, f"<{_PROV}wasAssociatedWith>", agent)
    add(agent, a, f"<{_PROV}SoftwareAgent>")
    add(agent, label, _nt_literal("crisiskg"))
    add(agent, f"<{CKG.softwareVersion}>", _nt_literal(__version__))
    # the IRIs of loaders.iris and vocab.article_graph, written as strings: this is most of the
    # record, and minting each as an rdflib term was most of its time
    file_nodes: dict[str, str] = {}
    of_articles = article_files(seeds)
    input_file, article, graph = f"<{iris.input_file('')}", f"<{iris.article('')}", f"<{article_graph('')}"
    for rel, sha in [*(("seeds/" + r, h) for r, h in seeds.files.items()), *code]:
        node = file_nodes[rel] = f"{input_file}{sha[:16]}>"
        lines[f"{node} {a} {entity}{g}"] = None
        lines[f"{node} {seed_file} {_nt_literal(rel)}{g}"] = None
        lines[f"{node} {sha256} {_nt_literal(sha)}{g}"] = None
        if rel not in of_articles:
            lines[f"{run} {used} {node}{g}"] = None
    for art in seeds.articles:
        graph_iri, yaml_node, text_node = f"{graph}{art.key}>", file_nodes["seeds/" + art.yaml_file], file_nodes["seeds/" + art.text_file]
        lines[f"{graph_iri} {a} {entity}{g}"] = None
        lines[f"{article}{art.key}> {derived} {text_node}{g}"] = None
        lines[f"{graph_iri} {derived} {yaml_node}{g}"] = None
        lines[f"{graph_iri} {derived} {text_node}{g}"] = None
    for fixed in BUILD_GRAPHS:
        add(f"<{fixed}>", a, entity)
    entities = f"<{ENTITIES_GRAPH}>"
    add(entities, generated, run)
    add(entities, derived, file_nodes["seeds/registry.yaml"])
    return "".join(lines).encode()


def to_quads(graphs: Mapping[URIRef, Iterable[Any]], typed: set[Any] | None = None) -> list[Any]:
    """rdflib triples per graph as pyoxigraph quads (each term converted once); the (property,
    typed literal) pairs met go into ``typed`` (validation needs those literals as written)."""
    cache: dict[Any, Any] = {}
    out = []
    for iri, triples in graphs.items():
        gn = ox.NamedNode(str(iri))
        for s, p, o in triples:
            try:
                so = cache[s]
            except KeyError:
                so = cache[s] = to_oxigraph(s)
            try:
                po = cache[p]
            except KeyError:
                po = cache[p] = to_oxigraph(p)
            try:
                oo = cache[o]
            except KeyError:
                oo = cache[o] = to_oxigraph(o)
            if typed is not None and isinstance(o, Literal) and o.datatype is not None and str(o.datatype) != _XSD_STRING:
                typed.add((po, oo))
            out.append(ox.Quad(so, po, oo, gn))
    return out


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def union_store(quads: Iterable[Any]) -> ox.Store:
    """A pyoxigraph store whose default graph is the union of ``quads`` (for rules and shapes)."""
    store = ox.Store()
    # no graph given is the default graph; pyoxigraph makes such a quad faster than one given
    # DefaultGraph() (benchmarks/README.md, "The fourteenth round")
    store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in quads)
    return store


_paused = 0
_paused_lock = threading.Lock()
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block, as it was after it (nested or in
    several threads at once, the outermost block restores it).

    Reading the seeds and turning them into quads allocate millions of objects that live until
    the build ends and form no cycles; meanwhile the collector, triggered by every 700 new objects,
    would walk all of them again and again (benchmarks/README.md, "The seventeenth round")."""
    global _paused, _was_enabled
    with _paused_lock:
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _paused_lock:
            _paused -= 1
            if _paused == 0 and _was_enabled:
                gc.enable()


def to_rdflib_dataset(quads: Iterable[Any]) -> Dataset:
    ds = Dataset()
    for q in quads:
        ds.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object), to_rdflib(q.graph_name)))  # type: ignore[arg-type]
    return ds


def conclude(quads: list[Any], seeds: SeedSet, *, data_version: str, audit: audits.Audit | None, code: list[tuple[str, str]],
             started: dt.datetime, seconds: dict[str, float], **extra: Any) -> dict[str, Any]:
    """The end of a conforming build: its PROV-O run appended to ``quads``, and its manifest
    (``extra`` keys added, e.g. what an incremental build started from)."""
    ended = add_provenance(quads, seeds, version=audits.stamp(data_version, audit), code=code, started=started, audit=audit)
    return manifest_of(seeds, data_version=data_version, audit=audit, code=code, ended=ended, counted=counts(quads, seeds),
                       seconds=seconds, **extra)


def add_provenance(quads: list[Any], seeds: SeedSet, *, version: str, code: list[tuple[str, str]], started: dt.datetime,
                   audit: audits.Audit | None) -> dt.datetime:
    """The PROV-O run of a build ending now appended to ``quads`` (:func:`run_provenance`); the time it ended."""
    prov, ended = run_provenance(seeds, version=version, code=code, started=started, audit=audit)
    quads.extend(ox.parse(input=prov, format=ox.RdfFormat.N_QUADS))
    return ended


def run_provenance(seeds: SeedSet, *, version: str, code: list[tuple[str, str]], started: dt.datetime,
                   audit: audits.Audit | None = None) -> tuple[bytes, dt.datetime]:
    """The PROV-O record of a build ending now, as N-Quads (the audit file among its inputs), and
    the time it ended."""
    ended = dt.datetime.now(dt.UTC).replace(microsecond=0)
    used = [*code, *audits.inputs(audit)]
    return provenance_nquads(seeds, version=version, started=started.isoformat(), ended=ended.isoformat(), code=used), ended


def manifest_of(seeds: SeedSet, *, data_version: str, audit: audits.Audit | None, code: list[tuple[str, str]], ended: dt.datetime,
                counted: dict[str, Any], seconds: dict[str, float], **extra: Any) -> dict[str, Any]:
    """A conforming build's manifest (``extra`` keys added, e.g. what an incremental build started
    from). ``version`` is ``data_version`` (the seeds' and code's digest) stamped with the audit,
    whose estimate is ``audit`` (None: not audited)."""
    return {
        "version": audits.stamp(data_version, audit),
        "data_version": data_version,
        "created": ended.isoformat(),
        "software_version": __version__,
        "counts": counted,
        "validation": {"conforms": True, "violations": 0},
        "inputs": {**{"seeds/" + k: v for k, v in seeds.files.items()}, **dict(code)},
        "audit": audit.estimate(data_version) if audit is not None else None,
        "seconds": dict(seconds),  # publishing is timed too, but after the manifest is written
        **extra,
    }


def read_inputs(seeds_dir: Path | str, *, allow_drafts: bool) -> tuple[SeedSet, audits.Audit | None]:
    """The checked seeds and the newest complete audit; SeedError naming every problem in both,
    with the SHACL violations of what the seed checks leave usable (:mod:`crisiskg.build.gate`),
    so that one run shows every mistake of every stage."""
    problems = []
    try:
        audit = audits.latest(seeds_dir)
    except SeedError as exc:
        problems, audit = exc.problems, None
    seeds, found = check_seeds(seeds_dir, allow_drafts=allow_drafts)
    if found:
        raise SeedError([*found, *gate.shape_problems(usable(seeds, found)), *problems])
    if problems:
        raise SeedError(problems)
    return seeds, audit


def raise_unless_conforming(inconsistencies: list[str], validation: Validation, *, seeds: SeedSet | None = None) -> None:
    """ValidationFailed naming every OWL RL inconsistency and SHACL violation, if there is one;
    with ``seeds`` (what was built), each at the file, line and column of the seed entry that made it."""
    if seeds is not None and (inconsistencies or not validation.conforms):
        found = gate.located(validation, inconsistencies, seeds)
        raise ValidationFailed("\n".join(f"- {p}" for p in found), len(found))
    if inconsistencies:
        raise ValidationFailed("\n".join(f"- OWL RL inconsistency: {m}" for m in inconsistencies) + ("\n" + validation.report if not validation.conforms else ""),
                               len(inconsistencies) + len(validation.violations))
    if not validation.conforms:
        raise ValidationFailed(validation.report, len(validation.violations))
