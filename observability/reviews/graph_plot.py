"""Draw an alert's graph as a PNG (matplotlib, Agg) and keep its source series inside the file.

The series drawn, the query, the window and the marks go into a compressed `zTXt` chunk named
`obs-series` (JSON), so anyone holding the PNG (a test, a later reader) can read what it shows
without reading pixels: `read_source(png)`.
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot
import matplotlib.dates as mdates
import matplotlib.pyplot as plt

from observability.reviews.graph_query import GraphQuery
from observability.reviews.prometheus import Series

SOURCE_CHUNK = b"obs-series"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_SERIES_DRAWN = 10  # beyond this the legend is noise; the chunk says how many were left out


@dataclass(frozen=True)
class Marks:
    """Moments drawn as vertical lines, and the `for` window shaded before the alert fired."""

    paged_at: datetime | None = None
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    pending_from: datetime | None = None  # alert start minus the rule's `for`
    fired_at: datetime | None = None


def draw(title: str, graph: GraphQuery, series: Sequence[Series], marks: Marks) -> bytes:
    """The PNG of `series` over the graph's window with its threshold and marks."""
    figure, axes = plt.subplots(figsize=(9, 3.4), dpi=100)
    try:
        for item in series[:MAX_SERIES_DRAWN]:
            times = [_x(datetime.fromtimestamp(t, UTC)) for t, _ in item.points]
            axes.plot(times, [v for _, v in item.points], linewidth=1.2, label=_legend(item))
        if graph.threshold is not None:
            axes.axhline(
                graph.threshold,
                color="tab:red",
                linestyle="--",
                linewidth=1,
                label=f"threshold {graph.comparison} {graph.threshold:g}",
            )
        if (
            marks.pending_from is not None
            and marks.fired_at is not None
            and marks.pending_from < marks.fired_at
        ):
            axes.axvspan(
                _x(marks.pending_from),
                _x(marks.fired_at),
                color="tab:orange",
                alpha=0.15,
                label="for (pending)",
            )
        for moment, label, colour in (
            (marks.paged_at, "paged", "tab:purple"),
            (marks.acknowledged_at, "acknowledged", "tab:blue"),
            (marks.resolved_at, "resolved", "tab:green"),
        ):
            if moment is not None:
                axes.axvline(_x(moment), color=colour, linestyle=":", linewidth=1.4, label=label)
        axes.set_xlim(_x(graph.start), _x(graph.end))
        axes.set_title(title, fontsize=10, loc="left")
        axes.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M", tz=UTC))
        axes.set_xlabel("UTC")
        axes.grid(alpha=0.3)
        if axes.get_legend_handles_labels()[0]:
            axes.legend(fontsize=7, loc="upper left", framealpha=0.7)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", metadata={"Software": None})
    finally:
        plt.close(figure)
    return with_source(buffer.getvalue(), source_of(graph, series, marks))


def _x(moment: datetime) -> float:
    """A time as matplotlib's date axis number."""
    return float(mdates.date2num(moment))


def source_of(graph: GraphQuery, series: Sequence[Series], marks: Marks) -> dict[str, Any]:
    """What the graph shows, as JSON-ready data (the chunk's content)."""
    return {
        "expr": graph.expr,
        "query": graph.query,
        "threshold": graph.threshold,
        "comparison": graph.comparison,
        "start": graph.start.timestamp(),
        "end": graph.end.timestamp(),
        "step": graph.step_seconds,
        "marks": {name: _stamp(getattr(marks, name)) for name in Marks.__dataclass_fields__},
        "series": [
            {"labels": dict(item.labels), "values": [list(p) for p in item.points]} for item in series
        ],
        "drawn": min(len(series), MAX_SERIES_DRAWN),
    }


def _stamp(moment: datetime | None) -> float | None:
    return moment.timestamp() if moment is not None else None


def _legend(item: Series) -> str:
    labels = [f"{k}={v}" for k, v in item.labels if k != "__name__"]
    text = ", ".join(labels) or "value"
    return text if len(text) <= 60 else text[:57] + "…"


def with_source(png: bytes, source: dict[str, Any]) -> bytes:
    """`png` with a zTXt `obs-series` chunk holding `source` as JSON, just before IEND."""
    if not png.startswith(_PNG_SIGNATURE) or png[-12:-8] != b"\x00\x00\x00\x00":
        raise ValueError("not a PNG ending in IEND")
    text = json.dumps(source, sort_keys=True, separators=(",", ":")).encode("ascii")
    body = SOURCE_CHUNK + b"\x00\x00" + zlib.compress(text, 9)
    chunk = struct.pack(">I", len(body)) + b"zTXt" + body + struct.pack(">I", zlib.crc32(b"zTXt" + body))
    return png[:-12] + chunk + png[-12:]


def read_source(png: bytes) -> dict[str, Any] | None:
    """The `obs-series` source of a PNG made by `draw`, or None when it has none."""
    if not png.startswith(_PNG_SIGNATURE):
        return None
    offset = len(_PNG_SIGNATURE)
    while offset + 8 <= len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind = png[offset + 4 : offset + 8]
        body = png[offset + 8 : offset + 8 + length]
        if kind == b"zTXt" and body.startswith(SOURCE_CHUNK + b"\x00"):
            data: dict[str, Any] = json.loads(zlib.decompress(body[len(SOURCE_CHUNK) + 2 :]))
            return data
        offset += 12 + length
    return None
