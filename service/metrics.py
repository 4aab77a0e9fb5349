"""Request metrics in the Prometheus text exposition format (version 0.0.4), without a client library.

Counters and histograms are keyed by a few bounded labels: the route *rule* (``/id/<path:key>``,
never the raw path), the method, the status, and the saved question's id.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

Labels = tuple[tuple[str, str], ...]


def _labels(labels: Labels, extra: Iterable[tuple[str, str]] = ()) -> str:
    items = [*labels, *extra]
    if not items:
        return ""
    esc = [(k, v.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')) for k, v in items]
    return "{" + ",".join(f'{k}="{v}"' for k, v in esc) + "}"


class _Histogram:
    def __init__(self) -> None:
        self.counts = [0] * len(BUCKETS)
        self.total = 0
        self.sum = 0.0

    def observe(self, value: float) -> None:
        for i, bound in enumerate(BUCKETS):
            if value <= bound:
                self.counts[i] += 1
        self.total += 1
        self.sum += value


class Metrics:
    """Thread-safe counters and histograms; :meth:`render` writes them all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, dict[Labels, float]] = defaultdict(lambda: defaultdict(float))
        self._histograms: dict[str, dict[Labels, _Histogram]] = defaultdict(dict)
        self._help: dict[str, tuple[str, str]] = {}
        self._gauges: dict[str, Callable[[], Iterable[tuple[Labels, float]]]] = {}

    def describe(self, name: str, kind: str, text: str) -> None:
        self._help[name] = (kind, text)

    def inc(self, name: str, labels: dict[str, str], value: float = 1.0) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            self._counters[name][key] += value

    def observe(self, name: str, labels: dict[str, str], value: float) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            hist = self._histograms[name].setdefault(key, _Histogram())
            hist.observe(value)

    def gauge(self, name: str, text: str, read: Callable[[], Iterable[tuple[Labels, float]]], *, kind: str = "gauge") -> None:
        """A value read when the metrics are rendered (``kind="counter"`` for a count kept elsewhere)."""
        self._help[name] = (kind, text)
        self._gauges[name] = read

    def value(self, name: str, labels: dict[str, str]) -> float:
        """A counter's value (0 when never incremented); for tests and health checks."""
        with self._lock:
            return self._counters.get(name, {}).get(tuple(sorted(labels.items())), 0.0)

    def render(self) -> str:
        lines: list[str] = []
        with self._lock:
            names = sorted(set(self._counters) | set(self._histograms) | set(self._gauges) | set(self._help))
            for name in names:
                kind, text = self._help.get(name, ("untyped", name))
                lines.append(f"# HELP {name} {text}")
                lines.append(f"# TYPE {name} {kind}")
                for key, value in sorted(self._counters.get(name, {}).items()):
                    lines.append(f"{name}{_labels(key)} {value:g}")
                for key, hist in sorted(self._histograms.get(name, {}).items()):
                    for bound, count in zip(BUCKETS, hist.counts):
                        lines.append(f"{name}_bucket{_labels(key, [('le', f'{bound:g}')])} {count}")
                    lines.append(f"{name}_bucket{_labels(key, [('le', '+Inf')])} {hist.total}")
                    lines.append(f"{name}_sum{_labels(key)} {hist.sum:.6f}")
                    lines.append(f"{name}_count{_labels(key)} {hist.total}")
                if name in self._gauges:
                    for key, value in self._gauges[name]():
                        lines.append(f"{name}{_labels(key)} {value:g}")
        return "\n".join(lines) + "\n"
