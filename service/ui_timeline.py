"""The timeline: events by date, one lane per kind, coloured by Goldstein score, drawn as SVG on
the server (no scripts).

Each date is an interval of possible days (ckg:earliestDate .. ckg:latestDate) with the value as
the text writes it (ckg:dateValue): an event dated to the day is a point, an event dated to the
month, the year or a range of days is a bar over every day it can be, labelled with the date as
written, never a point on the first of the month.

:func:`timeline_events` reads the dated events with their sources; :func:`timeline_svg` draws
them. The axis is piecewise linear: it breaks at every event's first and last possible day and
gives each piece room by the logarithm of its length in days (each at least ``MIN_PIECE_PX``), so a week
of daily events and a year-long span both stay readable; long empty stretches (more than
``GAP_DAYS``) are cut out and shown as a break.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from itertools import pairwise

from markupsafe import Markup, escape

from crisiskg.query.store import Store
from crisiskg.service.ui_data import When, article_key, date_pattern, local_name, when_of

LANES = ("attack", "statement", "politics", "unrest", "other")
LANE_LABELS = {"attack": "attacks and killings", "statement": "statements and threats",
               "politics": "politics, sanctions, deals", "unrest": "protests and crises", "other": "other events"}
_LANE_OF = {
    "Attack": "attack", "MissileAttack": "attack", "RocketAttack": "attack", "DroneStrike": "attack",
    "Airstrike": "attack", "CyberAttack": "attack", "Killing": "attack", "Seizure": "attack",  # a seizure is force
    "Statement": "statement", "Threat": "statement", "Announcement": "statement", "ClaimOfResponsibility": "statement",
    "Vote": "politics", "Sanction": "politics", "Negotiation": "politics", "Agreement": "politics",
    "Withdrawal": "politics", "GovernmentFormation": "politics", "Deployment": "politics",
    "Protest": "unrest", "Crisis": "unrest",
    "Accident": "other",  # no one's act: neither force nor unrest
}
GAP_DAYS = 60
MIN_PIECE_PX = 16.0

_EVENTS = """
SELECT ?ev ?label ?g ?value ?prec ?deriv ?early ?late ?cls ?gs ?code WHERE {
  GRAPH ?g { """ + date_pattern("?ev") + """ ?ev rdf:type ?cls . }
  FILTER(STRSTARTS(STR(?g), "https://w3id.org/crisiskg/graph/article/"))
  ?ev a ckg:Event .
  OPTIONAL { ?ev rdfs:label ?label }
  OPTIONAL { ?ev ckg:cameoCode ?code OPTIONAL { ?code ckg:goldsteinScore ?gs } }
}
"""


@dataclass
class TimelineEvent:
    """One dated event: where it is drawn (its narrowest date, as one article writes it), the date
    each article gives, kind, Goldstein score and the articles that date it."""

    iri: str
    label: str
    when: When
    classes: set[str] = field(default_factory=set)
    goldstein: float | None = None
    cameo: str | None = None
    sources: set[str] = field(default_factory=set)
    dates: dict[str, When] = field(default_factory=dict)  # article key -> its date of the event

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
    def date(self) -> dt.date:
        """The first day it can be."""
        return self.when.earliest

    @property
    def precision(self) -> str:
        return self.when.precision

    @property
    def is_span(self) -> bool:
        """True if the date is more than one day (drawn as a bar)."""
        return not self.when.exact

    @property
    def shown_date(self) -> str:
        """The date as written, with its reading when it is not one day: "2020-01 (some day of January 2020)"."""
        return self.when.value if self.when.exact else f"{self.when.value} ({self.when.reading})"

    @property
    def other_dates(self) -> list[tuple[str, When]]:
        """The dates other articles give, where they write it otherwise: (article key, date)."""
        return sorted((k, w) for k, w in self.dates.items() if (w.value, w.earliest, w.latest) != (self.when.value, self.when.earliest, self.when.latest))


def _narrower(a: tuple[When, str], b: tuple[When, str]) -> bool:
    """True if date ``a`` (with its article key) says more than ``b``: fewer possible days, then earlier, then key."""
    return (a[0].days, a[0].earliest, a[1]) < (b[0].days, b[0].earliest, b[1])


def timeline_events(store: Store) -> list[TimelineEvent]:
    """Every event with a date, by its first possible day; an event dated by several articles is
    drawn at the narrowest of their dates (and lists the others)."""
    res = store.query(_EVENTS)
    found: dict[str, TimelineEvent] = {}
    chosen: dict[str, str] = {}
    for r in res.rows:
        iri = str(r["ev"])
        when = when_of(r)
        key = article_key(str(r["g"])) or ""
        if when is None:
            continue
        ev = found.get(iri)
        if ev is None:
            ev = found[iri] = TimelineEvent(iri, str(r.get("label") or local_name(iri)), when)
            chosen[iri] = key
        elif _narrower((when, key), (ev.when, chosen[iri])):
            ev.when, chosen[iri] = when, key
        ev.dates.setdefault(key, when)
        ev.classes.add(local_name(str(r["cls"])))
        if key:
            ev.sources.add(key)
        if r.get("gs") is not None:
            ev.goldstein = float(str(r["gs"]))
        if r.get("code") is not None:
            ev.cameo = local_name(str(r["code"]))
    return sorted(found.values(), key=lambda e: (e.when.earliest, e.when.latest, e.label))


def goldstein_colour(score: float | None) -> str:
    """Red for conflict (-10), grey for neutral or unknown, blue for cooperation (+10); dark enough
    for contrast on white."""
    if score is None:
        return "#6b6b6b"
    t = max(-1.0, min(1.0, score / 10))
    if t < 0:
        return f"#{int(110 + 70 * -t):02x}{int(110 - 90 * -t):02x}{int(110 - 90 * -t):02x}"
    return f"#{int(110 - 90 * t):02x}{int(110 - 40 * t):02x}{int(110 + 70 * t):02x}"


# ------------------------------------------------------------------------------ the axis


@dataclass
class _Piece:
    """Days ``start`` (inclusive) to ``end`` (exclusive, day ordinals) drawn from ``x0`` to ``x1``."""

    start: int
    end: int
    x0: float = 0.0
    x1: float = 0.0


@dataclass
class Axis:
    """A piecewise-linear time axis cut into segments at long empty stretches."""

    segments: list[list[_Piece]]

    def x(self, t: float) -> float:
        """Where moment ``t`` (a day ordinal; ``d + 0.5`` is the middle of day ``d``) is drawn."""
        for seg in self.segments:
            for p in seg:
                if p.start <= t <= p.end:
                    return p.x0 + (p.x1 - p.x0) * (t - p.start) / max(p.end - p.start, 1)
        raise ValueError(f"day {t} is not on the axis")

    def breakpoints(self) -> list[float]:
        """The x of every piece boundary (tick marks)."""
        return [x for seg in self.segments for x in (seg[0].x0, *(p.x1 for p in seg))]


def make_axis(spans: list[tuple[dt.date, dt.date]], width: float, gap_px: float, pad: int = 2) -> Axis:
    """The axis for ``spans`` (first and last day, inclusive) over ``width`` pixels, with
    ``gap_px`` between segments."""
    intervals = sorted({(a.toordinal(), b.toordinal() + 1) for a, b in spans})
    clusters: list[list[int]] = []  # [start, end) of covered stretches, gaps of at most GAP_DAYS kept
    for a, b in intervals:
        if clusters and a - clusters[-1][1] <= GAP_DAYS:
            clusters[-1][1] = max(clusters[-1][1], b)
        else:
            clusters.append([a, b])
    cuts = {t for a, b in intervals for t in (a, b)}
    segments: list[list[_Piece]] = []
    for start, end in clusters:
        points = sorted({start - pad, end + pad} | {t for t in cuts if start <= t <= end})
        segments.append([_Piece(a, b) for a, b in pairwise(points)])
    pieces = [p for seg in segments for p in seg]
    usable = width - gap_px * (len(segments) - 1)
    floor = min(MIN_PIECE_PX, usable / len(pieces) / 2)
    total = sum(math.log2(1 + p.end - p.start) for p in pieces)
    spare = usable - floor * len(pieces)
    x = 0.0
    for seg in segments:
        for p in seg:
            p.x0 = x
            x = p.x1 = x + floor + spare * math.log2(1 + p.end - p.start) / total
        x += gap_px
    return Axis(segments)


def _ticks(axis: Axis, char_px: float = 6.2) -> list[tuple[float, str, int]]:
    """Labels under the axis, (x, text, row 0 or 1), where there is room: first the first day of
    each segment, then the middle of each one-day piece ("8 Jan"), then the first day of each
    longer piece ("1 Feb"). The year is written on a segment's first label and wherever it changes
    from the label before."""
    cands: list[tuple[int, float, dt.date, int]] = []  # priority, x, day, segment
    for si, seg in enumerate(axis.segments):
        for i, p in enumerate(seg[1:-1]):  # the first and last pieces are padding
            one_day = p.end - p.start == 1
            cands.append((0 if i == 0 else 1 if one_day else 2, (p.x0 + p.x1) / 2 if one_day else p.x0,
                          dt.date.fromordinal(p.start), si))
    rows: list[list[tuple[float, float]]] = [[], []]
    placed: list[tuple[float, dt.date, int, int]] = []  # x, day, segment, row
    for _, x, day, si in sorted(cands, key=lambda c: (c[0], c[1])):
        half = len(day.strftime("%-d %b %Y")) * char_px / 2  # room for the year, whether written or not
        for row, taken in enumerate(rows):
            if all(x + half + 5 <= a or x - half - 5 >= b for a, b in taken):
                taken.append((x - half, x + half))
                placed.append((x, day, si, row))
                break
    out = []
    prev: tuple[int, int] | None = None
    for x, day, si, row in sorted(placed, key=lambda p: p[0]):
        out.append((x, day.strftime("%-d %b") + (f" {day.year}" if prev != (si, day.year) else ""), row))
        prev = (si, day.year)
    return out


def timeline_svg(events: list[TimelineEvent], *, href: dict[str, str], width: int = 960) -> Markup:
    """The SVG drawing of ``events``: one lane per kind, a point for an event dated to the day and
    a bar over every possible day for one dated to the month, year or a range (labelled with the
    date as written), each linked to its page (``href``: event IRI -> URL), with a ``<title>``
    giving label, date, kind and score."""
    left, top, right, row_h = 170, 8, 24, 18
    lanes = [lane for lane in LANES if any(e.lane == lane for e in events)]
    plot_w = width - left - right
    if not events:
        height = 60
        return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 {width} {height}" width="100%" '
                      f'role="img" aria-labelledby="tl-title" font-family="system-ui, sans-serif" font-size="12">'
                      f'<title id="tl-title">Timeline of events</title>'
                      f'<text x="{left}" y="{top + 20}">No dated events in this build.</text></svg>')
    axis = make_axis([(e.when.earliest, e.when.latest) for e in events], plot_w, 24)

    # where each event goes: x extent, then a row in its lane that nothing else occupies there
    placed: list[tuple[TimelineEvent, float, float, bool, int]] = []  # event, x0, x1, label inside, row
    rows_end: dict[str, list[float]] = {lane: [] for lane in lanes}
    for e in sorted(events, key=lambda e: (axis.x(e.when.earliest.toordinal()), e.label)):
        if e.is_span:
            x0 = left + axis.x(e.when.earliest.toordinal())
            x1 = left + axis.x(e.when.latest.toordinal() + 1)
            text_w = len(e.when.value) * 6.0 + 8
            inside = x1 - x0 >= text_w
            extent = (x0, x1 if inside else x1 + text_w)
        else:
            x0 = x1 = left + axis.x(e.when.earliest.toordinal() + 0.5)
            inside = False
            extent = (x0 - 7, x0 + 7)
        ends = rows_end[e.lane]
        row = next((i for i, end in enumerate(ends) if end + 3 <= extent[0]), len(ends))
        if row == len(ends):
            ends.append(extent[1])
        else:
            ends[row] = extent[1]
        placed.append((e, x0, x1, inside, row))
    lane_top: dict[str, float] = {}
    y = float(top)
    for lane in lanes:
        lane_top[lane] = y
        y += max(len(rows_end[lane]), 2) * row_h + 10
    axis_y = y
    height = int(axis_y + 100)

    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 {width} {height}" width="100%" '
              f'role="img" aria-labelledby="tl-title tl-desc" font-family="system-ui, sans-serif" font-size="12">'),
             '<title id="tl-title">Timeline of events</title>',
             (f'<desc id="tl-desc">{len(events)} dated events in {len(lanes)} lanes by kind: a dot for an event dated to the '
              'day, a bar over every day it can be for one dated to the month, the year or a range of days, labelled with the '
              'date as written. Colour shows the Goldstein score from red (conflict) to blue (cooperation). The table below '
              'lists the same events.</desc>')]
    for i, lane in enumerate(lanes):
        ly = lane_top[lane]
        lh = max(len(rows_end[lane]), 2) * row_h + 10
        fill = "#f4f4f4" if i % 2 == 0 else "#ffffff"
        parts.append(f'<rect x="0" y="{ly:.1f}" width="{width}" height="{lh}" fill="{fill}"/>')
        parts.append(f'<text x="8" y="{ly + lh / 2 + 4:.1f}" fill="#222">{escape(LANE_LABELS[lane])}</text>')
    parts.append(f'<line x1="{left}" y1="{axis_y:.1f}" x2="{width - right}" y2="{axis_y:.1f}" stroke="#444"/>')
    for j, seg in enumerate(axis.segments):
        x0 = left + seg[0].x0
        if j:
            bx = x0 - 12
            parts.append(f'<path d="M{bx - 4:.1f},{axis_y + 2:.1f} l4,-10 M{bx + 2:.1f},{axis_y + 2:.1f} l4,-10" stroke="#444"/>')
        parts.append(f'<line x1="{x0:.1f}" y1="{top}" x2="{x0:.1f}" y2="{axis_y:.1f}" stroke="#ccc" stroke-dasharray="2 3"/>')
    for x in axis.breakpoints():
        parts.append(f'<line x1="{left + x:.1f}" y1="{axis_y:.1f}" x2="{left + x:.1f}" y2="{axis_y + 4:.1f}" stroke="#444"/>')
    for x, text, row in _ticks(axis):
        if row:
            parts.append(f'<line x1="{left + x:.1f}" y1="{axis_y + 4:.1f}" x2="{left + x:.1f}" y2="{axis_y + 19:.1f}" stroke="#bbb"/>')
        parts.append(f'<text x="{left + x:.1f}" y="{axis_y + 16 + row * 14:.1f}" fill="#222" font-size="11" text-anchor="middle">'
                     f'{escape(text)}</text>')
    for e, x0, x1, inside, row in placed:
        y = lane_top[e.lane] + 5 + row * row_h + row_h / 2
        colour = goldstein_colour(e.goldstein)
        score = "unknown" if e.goldstein is None else f"{e.goldstein:+g}"
        others = "; ".join(f"{k}: {w.value}" for k, w in e.other_dates)
        title = (f"{e.label} — {e.shown_date}" + (f" (other sources: {others})" if others else "")
                 + f" — {e.kind} — Goldstein {score} — sources: {', '.join(sorted(e.sources))}")
        if e.is_span:
            label_x = (x0 + x1) / 2 if inside else x1 + 4
            shape = (f'<rect class="tl-span" x="{x0:.1f}" y="{y - 6:.1f}" width="{max(x1 - x0, 2):.1f}" height="12" rx="2" '
                     f'fill="{colour}" fill-opacity="0.3" stroke="{colour}" stroke-width="1.2"/>'
                     f'<text x="{label_x:.1f}" y="{y + 4:.1f}" font-size="10.5" fill="#111"'
                     f'{" text-anchor=" + chr(34) + "middle" + chr(34) if inside else ""}>{escape(e.when.value)}</text>')
        else:
            shape = f'<circle class="tl-day" cx="{x0:.1f}" cy="{y:.1f}" r="6" fill="{colour}" stroke="#000" stroke-width="0.8"/>'
        parts.append(f'<a href="{escape(href.get(e.iri, e.iri))}" class="tl-event" data-date="{escape(e.when.value)}" '
                     f'data-earliest="{e.when.earliest.isoformat()}" data-latest="{e.when.latest.isoformat()}">'
                     f'<title>{escape(title)}</title>{shape}</a>')
    legend_y = axis_y + 52
    parts.append(f'<circle cx="{left + 6}" cy="{legend_y - 4:.1f}" r="5" fill="#6b6b6b" stroke="#000" stroke-width="0.8"/>'
                 f'<text x="{left + 16}" y="{legend_y:.1f}" fill="#222">dated to the day</text>'
                 f'<rect x="{left + 130}" y="{legend_y - 10:.1f}" width="34" height="12" rx="2" fill="#6b6b6b" fill-opacity="0.3" '
                 f'stroke="#6b6b6b"/><text x="{left + 170}" y="{legend_y:.1f}" fill="#222">some day in that month, year or range '
                 f'(the date as written on it)</text>')
    parts.append(f'<text x="{left}" y="{legend_y + 18:.1f}" fill="#222">colour: Goldstein score, red = conflict, blue = '
                 'cooperation, grey = none.</text>'
                 f'<text x="{left}" y="{legend_y + 34:.1f}" fill="#222">The axis gives close dates more room than long spans; '
                 '// cuts out an empty stretch of more than two months.</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
