"""The Markdown report, its PNG charts and the summary table, from the sections' results.

Charts are drawn with Qt's QPainter (already a dependency) rather than a plotting library.
"""

from __future__ import annotations

import datetime
import itertools
import math
import os
import platform
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

from bench.common import Line, SectionResult, fmt, load_average

CHART_W, CHART_H = 900, 420
COLOURS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c"]


@dataclass(frozen=True)
class Machine:
    cpu: str
    cores: int
    threads: int
    ram_gb: float
    system: str
    python: str
    llama_cpp_python: str
    llama_features: str

    @classmethod
    def describe(cls) -> Machine:
        cpu = platform.processor() or platform.machine()
        try:
            with open("/proc/cpuinfo", encoding="utf-8") as info:
                names = [line.split(":", 1)[1].strip() for line in info
                         if line.startswith("model name")]
            cpu = names[0] if names else cpu
        except OSError:
            pass
        try:
            import llama_cpp

            version = llama_cpp.__version__
            features = llama_cpp.llama_print_system_info().decode(errors="replace").strip(" |")
        except ImportError:
            version, features = "not installed", ""
        return cls(cpu=cpu, cores=psutil.cpu_count(logical=False) or 0,
                   threads=psutil.cpu_count() or 0,
                   ram_gb=psutil.virtual_memory().total / 1e9,
                   system=f"{platform.system()} {platform.release()}",
                   python=sys.version.split()[0], llama_cpp_python=version,
                   llama_features=features)

    def one_line(self) -> str:
        return (f"{self.cpu}, {self.cores} cores ({self.threads} threads), "
                f"{self.ram_gb:.0f} GB RAM, {self.system}, no GPU used" )


def verdict_text(line: Line) -> str:
    if not line.verdict:
        return ""
    text = ("PASS" if line.verdict == "PASS" or line.target is None
            else f"**MISS** {line.target.miss(line.value, line.unit)}")
    return text + (" (disturbed: not reliable)" if line.disturbed else "")


def summary_table(lines: Sequence[Line], *, targets_only: bool) -> str:
    rows = ["| Measure | Result | Target | Verdict |", "|---|---:|---|---|"]
    for line in lines:
        if targets_only and line.target is None:
            continue
        target = line.target.describe(line.unit) if line.target else ""
        rows.append(f"| {line.name} | {fmt(line.value, line.unit)} | {target} | "
                    f"{verdict_text(line)} |")
    return "\n".join(rows)


def print_summary(lines: Sequence[Line]) -> None:
    print("\nSummary")
    for line in lines:
        if line.target is None:
            continue
        verdict = line.verdict
        if verdict == "MISS":
            verdict += " " + line.target.miss(line.value, line.unit)
        if line.disturbed:
            verdict += " (disturbed: not reliable)"
        print(f"  {line.section:<13} {line.name:<52} {fmt(line.value, line.unit):>14}  "
              f"target {line.target.describe(line.unit):<12} {verdict}")


# -- charts --------------------------------------------------------------------------------
def _ensure_gui() -> object:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    return QGuiApplication.instance() or QGuiApplication([sys.argv[0]])


def _nice_ceiling(value: float) -> float:
    """The axis top: 1, 2, 2.5 or 5 times a power of ten, at or above `value`."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value)


def chart(path: Path, title: str, labels: Sequence[str], series: dict[str, Sequence[float]],
          *, y_label: str, bars: bool = False, references: dict[str, float] | None = None
          ) -> Path:
    """A line (or grouped bar) chart of `series` over `labels`, with optional reference lines."""
    _ensure_gui()
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen

    image = QImage(CHART_W, CHART_H, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    font = QFont()
    font.setPixelSize(13)
    painter.setFont(font)
    left, top, right, bottom = 70, 40, CHART_W - 20, CHART_H - 70
    values = [v for s in series.values() for v in s] + list((references or {}).values())
    high = _nice_ceiling(max(values, default=1.0) * 1.1)

    def y(value: float) -> float:
        return bottom - (bottom - top) * value / high

    painter.drawText(QRectF(0, 8, CHART_W, 24), Qt.AlignmentFlag.AlignCenter, title)
    painter.setPen(QPen(QColor("#d4d4d8"), 1))
    for step in range(6):
        value = high * step / 5
        painter.drawLine(QPointF(left, y(value)), QPointF(right, y(value)))
        painter.setPen(QColor("#3f3f46"))
        painter.drawText(QRectF(0, y(value) - 9, left - 8, 18),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                         f"{value:g}")
        painter.setPen(QPen(QColor("#d4d4d8"), 1))
    painter.setPen(QColor("#3f3f46"))
    painter.save()
    painter.translate(16, (top + bottom) / 2)
    painter.rotate(-90)
    painter.drawText(QRectF(-150, -10, 300, 20), Qt.AlignmentFlag.AlignCenter, y_label)
    painter.restore()
    n = max(len(labels), 1)
    slot = (right - left) / n
    for i, label in enumerate(labels):
        painter.drawText(QRectF(left + i * slot, bottom + 4, slot, 18),
                         Qt.AlignmentFlag.AlignCenter, label)
    for k, (name, data) in enumerate(series.items()):
        colour = QColor(COLOURS[k % len(COLOURS)])
        if bars:
            width = slot * 0.8 / max(len(series), 1)
            for i, value in enumerate(data):
                x = left + i * slot + slot * 0.1 + k * width
                painter.fillRect(QRectF(x, y(value), width - 2, bottom - y(value)), colour)
        else:
            painter.setPen(QPen(colour, 2.5))
            points = [QPointF(left + (i + 0.5) * slot, y(v)) for i, v in enumerate(data)]
            for a, b in itertools.pairwise(points):
                painter.drawLine(a, b)
            for point in points:
                painter.drawEllipse(point, 3.5, 3.5)
        painter.fillRect(QRectF(left + 10 + k * 220, bottom + 30, 14, 14), colour)
        painter.setPen(QColor("#18181b"))
        painter.drawText(QRectF(left + 30 + k * 220, bottom + 28, 190, 18),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
    for k, (name, value) in enumerate((references or {}).items()):
        colour = QColor(COLOURS[(len(series) + k) % len(COLOURS)])
        painter.setPen(QPen(colour, 1.5, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(left, y(value)), QPointF(right, y(value)))
        painter.drawText(QRectF(right - 330, y(value) - 20, 326, 18),
                         Qt.AlignmentFlag.AlignRight, f"{name}: {value:.3g}")
    painter.end()
    image.save(str(path))
    return path


def _charts(results: dict[str, SectionResult], folder: Path) -> list[tuple[str, str]]:
    made: list[tuple[str, str]] = []
    latency = results.get("Latency")
    speed = results.get("Engine speed")
    raw_decode = None
    if speed and "decode_runs" in speed.series:
        raw = speed.series["decode_runs"]["llama.cpp (dist)"]
        raw_decode = sorted(raw)[len(raw) // 2]
    if latency and "ttft_per_turn_s" in latency.series:
        ttft = latency.series["ttft_per_turn_s"]
        labels = [str(i + 1) for i in range(len(ttft))]
        chart(folder / "ttft_per_turn.png", "Time to first token per turn (prefix reuse)",
              labels, {"TTFT (s)": ttft}, y_label="seconds", bars=True,
              references={"1.3 × turn 2": ttft[1] * 1.3} if len(ttft) > 1 else None)
        made.append(("Time to first token per turn", "ttft_per_turn.png"))
        chart(folder / "tokens_per_turn.png", "Decode speed per turn", labels,
              {"engine (tok/s)": latency.series["decode_per_turn_tok_s"]},
              y_label="tokens / s",
              references={"llama.cpp median": raw_decode} if raw_decode else None)
        made.append(("Tokens per second per turn", "tokens_per_turn.png"))
    if speed:
        for key, title, file in (("decode_runs", "Decode runs (interleaved)", "decode_runs.png"),
                                 ("prompt_runs", "Prompt runs (interleaved)", "prompt_runs.png")):
            runs = speed.series.get(key)
            if runs:
                count = len(next(iter(runs.values())))
                chart(folder / file, title, [f"run {i + 1}" for i in range(count)], runs,
                      y_label="tokens / s", bars=True)
                made.append((title, file))
    return made


# -- the report ----------------------------------------------------------------------------
def write_report(results: dict[str, SectionResult], folder: Path, *, model: str, quick: bool,
                 started: datetime.datetime, load_before: float) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    machine = Machine.describe()
    lines = [line for result in results.values() for line in result.lines]
    charts = _charts(results, folder)
    missed = [line for line in lines if line.verdict == "MISS"]
    out = [
        "# OSS Chat benchmark",
        "",
        f"- When: {started:%Y-%m-%d %H:%M} ({(datetime.datetime.now() - started).seconds // 60}"
        " min)",
        f"- Machine: {machine.one_line()}",
        f"- Software: Python {machine.python}, llama-cpp-python {machine.llama_cpp_python}",
        f"- llama.cpp CPU features: {machine.llama_features}",
        f"- Model: {model}" + (" (quick mode)" if quick else ""),
        f"- Load average (1 min): {load_before:.2f} before, {load_average():.2f} after; each "
        "measurement below prints the load it ran under.",
        "",
        "## Summary",
        "",
        summary_table(lines, targets_only=True),
        "",
    ]
    if missed:
        out += ["Missed: " + "; ".join(f"{line.name} {verdict_text(line).removeprefix('**MISS** ')}"
                                       for line in missed) + ".", ""]
    for name, result in results.items():
        out += [f"## {name}", "", summary_table(result.lines, targets_only=False), ""]
        details = [f"- {line.name}: {line.detail}" for line in result.lines if line.detail]
        out += details + ([""] if details else [])
        out += [f"- {note}" for note in result.notes] + ([""] if result.notes else [])
    if charts:
        out += ["## Charts", ""]
        out += [f"![{title}]({file})\n" for title, file in charts]
    path = folder / "report.md"
    path.write_text("\n".join(out), encoding="utf-8")
    (folder / "summary.md").write_text(
        f"Measured on {machine.one_line()}; model: {model}.\n\n"
        + summary_table(lines, targets_only=True) + "\n", encoding="utf-8")
    return path
