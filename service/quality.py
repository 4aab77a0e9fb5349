"""The quality of the published facts as the latest audit measured it, in W3C Data Quality
Vocabulary (DQV) terms, for the VoID description (no Flask here)."""

from __future__ import annotations

from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD, ClosedNamespace

from crisiskg.loaders import audits
from crisiskg.vocab import BASE

DQV = ClosedNamespace("http://www.w3.org/ns/dqv#", ["QualityAnnotation", "QualityMeasurement", "Metric", "hasQualityAnnotation",
                                                    "hasQualityMeasurement", "computedOn", "isMeasurementOf", "value",
                                                    "expectedDataType", "inDimension", "qualityAssessment"])
OA = ClosedNamespace("http://www.w3.org/ns/oa#", ["hasTarget", "motivatedBy", "bodyValue"])
LDQD = ClosedNamespace("http://www.w3.org/2016/05/ldqd#", ["semanticAccuracy"])
ANNOTATION = URIRef(BASE + "dataset#audit")

# (name, label, definition, datatype, the estimate's key or index in its interval)
METRICS = (
    ("factPrecision", "precision of facts", "Share of the audited facts a reviewer found right against their article's words.",
     XSD.double, "precision"),
    ("factPrecisionLower", "precision of facts, lower bound", "Lower bound of the 95% Wilson score interval of the precision.",
     XSD.double, 0),
    ("factPrecisionUpper", "precision of facts, upper bound", "Upper bound of the 95% Wilson score interval of the precision.",
     XSD.double, 1),
    ("auditSampleSize", "audit sample size", "Number of facts drawn at random and judged.", XSD.integer, "judged"),
    ("auditWrong", "facts found wrong", "Audited facts the text contradicts.", XSD.integer, "wrong"),
    ("auditUnsupported", "facts found unsupported", "Audited facts the text does not support.", XSD.integer, "unsupported"),
)


def quality(g: Graph, ds: URIRef, audit: dict[str, Any] | None) -> None:
    """The latest audit in W3C DQV terms: a quality annotation saying it in words ("not audited"
    without one), and with one, a ``dqv:QualityMeasurement`` per metric (precision, its interval's
    bounds, sample size, wrong and unsupported counts), each metric described here."""
    g.bind("dqv", str(DQV))
    g.bind("oa", str(OA))
    note = ANNOTATION
    g.add((ds, DQV.hasQualityAnnotation, note))
    g.add((note, RDF.type, DQV.QualityAnnotation))
    g.add((note, OA.hasTarget, ds))
    g.add((note, OA.motivatedBy, DQV.qualityAssessment))
    g.add((note, OA.bodyValue, Literal(audits.describe(audit), lang="en")))
    if not audit or audit.get("precision") is None:
        return
    g.add((note, DCTERMS.date, Literal(audit["date"], datatype=XSD.date)))
    g.add((note, RDFS.comment, Literal(f"audit file {audit['file']} (sha256 {audit['sha256']}), drawn from build {audit['build']}")))
    for name, label, definition, datatype, key in METRICS:
        value = audit["interval"][key] if isinstance(key, int) else audit[key]
        metric, measurement = URIRef(BASE + f"dataset#{name}"), URIRef(BASE + f"dataset#{name}-measurement")
        g.add((metric, RDF.type, DQV.Metric))
        g.add((metric, SKOS.prefLabel, Literal(label, lang="en")))
        g.add((metric, SKOS.definition, Literal(definition, lang="en")))
        g.add((metric, DQV.expectedDataType, datatype))
        g.add((metric, DQV.inDimension, LDQD.semanticAccuracy))
        g.add((ds, DQV.hasQualityMeasurement, measurement))
        g.add((measurement, RDF.type, DQV.QualityMeasurement))
        g.add((measurement, DQV.computedOn, ds))
        g.add((measurement, DQV.isMeasurementOf, metric))
        g.add((measurement, DQV.value, Literal(value, datatype=datatype)))
        g.add((measurement, PROV.wasDerivedFrom, note))
