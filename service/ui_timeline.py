"""The timeline: events by date, one lane per kind, coloured by Goldstein score, drawn as SVG on
the server (no scripts).

:func:`timeline_events` reads the dated events with their sources; :func:`timeline_svg` draws
them. Long empty stretches (more than ``GAP_DAYS``) are cut out of the axis and shown as a break,
so that 2015's nuclear deal and a week in January 2020 both stay readable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from crisiskg.store import Store
from service.ui_data import article_key, local_name

LANES = ("attack", "statement", "politics", "unrest", "other")
LANE_LABELS = {"attack": "attacks and killings", "statement": "statements and threats",
               "politics": "politics, sanctions, deals", "unrest": "protests and crises", "other": "other events"}
_LANE_OF = {
    "Attack": "attack", "MissileAttack": "attack", "RocketAttack": "attack", "DroneStrike": "attack",
    "Airstrike": "attack", "CyberAttack": "attack", "Killing": "attack",
    "Statement": "statement", "Threat": "statement", "Announcement": "statement", "ClaimOfResponsibility": "statement",
    "Vote": "politics", "Sanction": "politics", "Negotiation": "politics", "Agreement": "politics",
    "Withdrawal": "politics", "GovernmentFormation": "politics", "Deployment": "politics",
    "Protest": "unrest", "Crisis": "unrest",
}
_PRECISION_RANK = {"day": 0, "month": 1, "year": 2}
GAP_DAYS = 60

_EVENTS = """
SELECT ?ev ?label ?date ?prec ?g ?cls ?gs ?code WHERE {
  GRAPH ?g { ?ev sem:hasTimeStamp ?date ; rdf:type ?cls . OPTIONAL { ?ev ckg:datePrecision ?prec } }
  FILTER(STRSTARTS(STR(?g), "https://w3id.org/crisiskg/graph/article/"))
  OPTIONAL { ?ev rdfs:label ?label }
  OPTIONAL { ?ev ckg:cameoCode ?code OPTIONAL { ?code ckg:goldsteinScore ?gs } }
}
"""


@dataclass
class TimelineEvent:
    """One dated event: its most precise date, kind, Goldstein score and the articles that date it."""

    iri: str
    label: str
    date: dt.date
    precision: str
    classes: set[str] = field(default_factory=set)
    goldstein: float | None = None
    cameo: str | None = None
    sources: set[str] = field(default_factory=set)

    @property
    def lane(self) -> str:
        found = {_LANE_OF[c] for c in self.classes if c in _LANE_OF}
        return next((lane for lane in LANES if lane in found), "other")

    @property
    def kind(self) -> str:
        """The most specific class name, for display."""
        specific = sorted(c for c in self.classes if c in _LANE_OF and c not in ("Attack", "Statement"))
        return ", ".join(specific) or ", ".join(sorted(c for c in self.classes if c in _LANE_OF)) or "Event"

    @property
    def shown_date(self) -> str:
        if self.precision == "year":
            return f"{self.date.year}"
        if self.precision == "month":
            return self.date.strftime("%B %Y")
        return self.date.isoformat()


def timeline_events(store: Store) -> list[TimelineEvent]:
    """Every event with a date, by date; for an event dated by several articles, the most precise date."""
    res = store.query(_EVENTS)
    found: dict[str, TimelineEvent] = {}
    for r in res.rows:
        iri = str(r["ev"])
        try:
            day = dt.date.fromisoformat(str(r["date"])[:10])
        except ValueError:
            continue
        prec = str(r.get("prec") or "day")
        ev = found.get(iri)
        if ev is None:
            ev = found[iri] = TimelineEvent(iri, str(r.get("label") or local_name(iri)), day, prec)
        elif (_PRECISION_RANK.get(prec, 3), day) < (_PRECISION_RANK.get(ev.precision, 3), ev.date):
            ev.date, ev.precision = day, prec
        ev.classes.add(local_name(str(r["cls"])))
        key = article_key(str(r["g"]))
        if key:
            ev.sources.add(key)
        if r.get("gs") is not None:
            ev.goldstein = float(str(r["gs"]))
        if r.get("code") is not None:
            ev.cameo = local_name(str(r["code"]))
    return sorted(found.values(), key=lambda e: (e.date, e.label))


def goldstein_colour(score: float | None) -> str:
    """Red for conflict (-10), grey for neutral or unknown, blue for cooperation (+10); dark enough
    for contrast on white."""
    if score is None:
        return "#6b6b6b"
    t = max(-1.0, min(1.0, score / 10))
    if t < 0:
        return f"#{int(110 + 70 * -t):02x}{int(110 - 90 * -t):02x}{int(110 - 90 * -t):02x}"
    return f"#{int(110 - 90 * t):02x}{int(110 - 40 * t):02x}{int(110 + 70 * t):02x}"


@dataclass
class _Segment:
    start: dt.date
    end: dt.date
    x0: float = 0.0
    x1: float = 0.0

    def x(self, day: dt.date) -> float:
        span = max((self.end - self.start).days, 1)
        return self.x0 + (self.x1 - self.x0) * (day - self.start).days / span


def _segments(days: list[dt.date], width: float, gap_px: float) -> list[_Segment]:
    segs: list[_Segment] = []
    for d in sorted(set(days)):
        if segs and (d - segs[-1].end).days <= GAP_DAYS:
            segs[-1].end = d
        else:
            segs.append(_Segment(d, d))
    for s in segs:  # pad each segment so lone dates get some room
        s.start -= dt.timedelta(days=3)
        s.end += dt.timedelta(days=3)
    usable = width - gap_px * (len(segs) - 1)
    weights = [max((s.end - s.start).days, 25) for s in segs]  # busy stretches get room, lone dates a minimum
    x = 0.0
    for s, w in zip(segs, weights):
        s.x0, s.x1 = x, x + usable * w / sum(weights)
        x = s.x1 + gap_px
    return segs


def timeline_svg(events: list[TimelineEvent], *, href: dict[str, str], width: int = 960) -> Markup:
    """The SVG drawing of ``events``: one lane per kind, a marker per event linked to its page
    (``href``: event IRI -> URL), with a ``<title>`` giving label, date, kind and score."""
    left, top, lane_h, right = 170, 8, 56, 20
    lanes = [lane for lane in LANES if any(e.lane == lane for e in events)]
    height = top + lane_h * max(len(lanes), 1) + 40
    plot_w = width - left - right
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 {width} {height}" width="100%" '
             f'role="img" aria-labelledby="tl-title tl-desc" font-family="system-ui, sans-serif" font-size="12">',
             '<title id="tl-title">Timeline of events</title>',
             f'<desc id="tl-desc">{len(events)} dated events in {len(lanes)} lanes by kind; marker colour shows the '
             'Goldstein score from red (conflict) to blue (cooperation). The table below lists the same events.</desc>']
    if not events:
        parts.append(f'<text x="{left}" y="{top + 20}">No dated events in this build.</text></svg>')
        return Markup("".join(parts))
    segs = _segments([e.date for e in events], plot_w, 24)
    for i, lane in enumerate(lanes):
        y = top + lane_h * i
        fill = "#f4f4f4" if i % 2 == 0 else "#ffffff"
        parts.append(f'<rect x="0" y="{y}" width="{width}" height="{lane_h}" fill="{fill}"/>')
        parts.append(f'<text x="8" y="{y + lane_h / 2 + 4}" fill="#222">{escape(LANE_LABELS[lane])}</text>')
    axis_y = top + lane_h * len(lanes)
    parts.append(f'<line x1="{left}" y1="{axis_y}" x2="{width - right}" y2="{axis_y}" stroke="#444"/>')
    for j, s in enumerate(segs):
        x0, x1 = left + s.x0, left + s.x1
        label_start = s.start + dt.timedelta(days=3)
        label_end = s.end - dt.timedelta(days=3)
        parts.append(f'<text x="{x0:.1f}" y="{axis_y + 16}" fill="#222">{escape(_tick(label_start, label_end))}</text>')
        if j:
            bx = x0 - 12
            parts.append(f'<path d="M{bx - 4:.1f},{axis_y + 5} l4,-10 M{bx + 2:.1f},{axis_y + 5} l4,-10" stroke="#444"/>')
        parts.append(f'<line x1="{x0:.1f}" y1="{top}" x2="{x0:.1f}" y2="{axis_y}" stroke="#ccc" stroke-dasharray="2 3"/>')
        del x1
    placed: dict[tuple[str, int], int] = {}
    for e in events:
        seg = next(s for s in segs if s.start <= e.date <= s.end)
        x = left + seg.x(e.date)
        lane_i = lanes.index(e.lane)
        slot = placed.get((e.lane, round(x / 8)), 0)
        placed[(e.lane, round(x / 8))] = slot + 1
        y = top + lane_h * lane_i + 14 + (slot % 3) * 14
        colour = goldstein_colour(e.goldstein)
        score = "unknown" if e.goldstein is None else f"{e.goldstein:+g}"
        title = f"{e.label} — {e.shown_date} — {e.kind} — Goldstein {score} — sources: {', '.join(sorted(e.sources))}"
        shape = (f'<circle cx="{x:.1f}" cy="{y}" r="6" fill="{colour}" stroke="#000" stroke-width="0.8"/>'
                 if e.precision == "day" else
                 f'<rect x="{x - 5:.1f}" y="{y - 5}" width="10" height="10" fill="{colour}" stroke="#000" stroke-width="0.8" '
                 f'stroke-dasharray="2 1"/>')
        parts.append(f'<a href="{escape(href.get(e.iri, e.iri))}" class="tl-event"><title>{escape(title)}</title>{shape}</a>')
    legend_y = height - 10
    parts.append(f'<text x="{left}" y="{legend_y}" fill="#222">● dated to the day   ■ dated to the month or year   '
                 'colour: Goldstein score, red = conflict, blue = cooperation, grey = none</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _tick(start: dt.date, end: dt.date) -> str:
    if start.year != end.year:
        return f"{start.year}–{end.year}"
    if start.month != end.month:
        return f"{start.strftime('%b')}–{end.strftime('%b %Y')}"
    return start.strftime("%b %Y")
