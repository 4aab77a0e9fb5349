"""The plain text table (``--format text``, the default on a pipe, and ``crisiskg query list``):
aligned columns of CURIEs and literals as they are, each cell wrapped to its share of a width, for
scripts and for reading alike. The table for people is :mod:`crisiskg.cli.table`."""

from __future__ import annotations

import textwrap


def _widths(natural: list[int], width: int | None, headers: list[str] | None = None) -> list[int]:
    """Column widths that fit ``width``: every column first gets its header's width (at most 14) or
    less if its text is narrower; the space left goes to the columns that need the least more, so
    short columns stay whole and the long ones (quotes) share the rest. When even that does not
    fit, the widest columns shrink down to 3."""
    if not width:
        return list(natural)
    available = width - 2 * (len(natural) - 1)
    if sum(natural) <= available:
        return list(natural)
    names = headers or [""] * len(natural)
    widths = [min(n, max(3, min(len(h), 14))) for n, h in zip(natural, names)]
    extra = available - sum(widths)
    if extra < 0:
        widths = list(natural)
        while sum(widths) > available:
            i = max(range(len(widths)), key=lambda k: widths[k])
            if widths[i] <= 3:
                break
            widths[i] -= 1
        return widths
    pending = sorted(range(len(widths)), key=lambda k: natural[k] - widths[k])
    while pending:
        share = extra // len(pending)
        k = pending[0]
        need = natural[k] - widths[k]
        if need <= share:
            widths[k] += need
            extra -= need
            pending.pop(0)
            continue
        for j, k in enumerate(pending):
            widths[k] += share + (1 if j < extra - share * len(pending) else 0)
        break
    return widths


def render_table(headers: list[str], rows: list[list[str]], *, width: int | None = None) -> str:
    """An aligned text table; cells wider than their share of ``width`` wrap onto more lines."""
    if not headers:
        return ""
    natural = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    widths = _widths(natural, width, headers)
    wrapped_any = widths != natural

    def lines_of(values: list[str]) -> list[str]:
        cells = [textwrap.wrap(v, w, break_long_words=True, break_on_hyphens=False) or [""] for v, w in zip(values, widths)]
        height = max(len(c) for c in cells)
        out = []
        for k in range(height):
            parts = [(c[k] if k < len(c) else "").ljust(w) for c, w in zip(cells, widths)]
            out.append("  ".join(parts).rstrip())
        return out

    rule = "  ".join("-" * w for w in widths)
    out = [*lines_of(headers), rule]
    for n, row in enumerate(rows):
        if wrapped_any and n:
            out.append("  ".join("·" * min(w, 3) + " " * (w - min(w, 3)) for w in widths).rstrip())
        out.extend(lines_of(row))
    return "\n".join(out)
