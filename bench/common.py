"""What every benchmark section shares: result lines with targets, statistics, conditions.

Each section runs in its own process (`python -m bench.SECTION --json OUT …`) so that one
section's model, threads and memory never disturb another's figures; it writes its lines and
chart series as JSON, which `bench/run.py` gathers into the summary and the report.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # this checkout's `app` and `tests.modelgen`


@dataclass(frozen=True)
class Target:
    """`value <= limit` (lower is better) or `value >= limit` (higher is better)."""

    limit: float
    higher_is_better: bool = False

    def met(self, value: float) -> bool:
        return value >= self.limit if self.higher_is_better else value <= self.limit

    def describe(self, unit: str) -> str:
        return f"{'≥' if self.higher_is_better else '≤'} {fmt(self.limit, unit)}"

    def miss(self, value: float, unit: str) -> str:
        """How far from the target a missed value is, in the unit and in percent."""
        gap = abs(value - self.limit)
        return f"by {fmt(gap, unit)} ({gap / self.limit:.0%})" if self.limit else ""


@dataclass
class Line:
    """One measured figure of the summary table."""

    section: str
    name: str
    value: float
    unit: str  # "tok/s", "×", "ms", "s", "MB", ""
    target: Target | None = None
    detail: str = ""  # runs, spread, conditions
    disturbed: bool = False  # other processes used the CPU during a kept run: not reliable

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        return "PASS" if self.target.met(self.value) else "MISS"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["target"] = asdict(self.target) if self.target else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Line:
        target = Target(**data["target"]) if data.get("target") else None
        return cls(**{**data, "target": target})


@dataclass
class SectionResult:
    """What one section reports: its lines, chart series and free-form notes."""

    section: str
    lines: list[Line] = field(default_factory=list)
    series: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, name: str, value: float, unit: str, target: Target | None = None,
            detail: str = "", *, disturbed: bool = False) -> Line:
        line = Line(self.section, name, value, unit, target, detail, disturbed)
        self.lines.append(line)
        show(line)
        return line

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  note: {text}", flush=True)

    def write(self, path: Path) -> None:
        data = {"section": self.section, "lines": [line.to_json() for line in self.lines],
                "series": self.series, "notes": self.notes}
        path.write_text(json.dumps(data, indent=1), encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> SectionResult:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data["section"], [Line.from_json(x) for x in data["lines"]],
                   data.get("series", {}), data.get("notes", []))


def fmt(value: float, unit: str) -> str:
    if unit == "×":
        return f"{value:.3f}×"
    if unit in ("ms", "MB"):
        return f"{value:,.0f} {unit}" if value >= 100 else f"{value:.1f} {unit}"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "tok/s":
        return f"{value:.2f} tok/s"
    return f"{value:g} {unit}".strip()


def show(line: Line) -> None:
    target = f"  (target {line.target.describe(line.unit)})" if line.target else ""
    verdict = f"  {line.verdict}" if line.verdict else ""
    if line.verdict == "MISS" and line.target is not None:
        verdict += " " + line.target.miss(line.value, line.unit)
    if line.disturbed:
        verdict += "  (disturbed by other processes: not reliable)"
    print(f"  {line.name:<52} {fmt(line.value, line.unit):>14}{target}{verdict}", flush=True)
    if line.detail:
        print(f"  {'':<52} {line.detail}", flush=True)


@dataclass(frozen=True)
class Spread:
    median: float
    low: float
    high: float
    n: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(statistics.median(values), min(values), max(values), len(values))

    def describe(self, unit: str) -> str:
        return (f"median of {self.n}, range {fmt(self.low, unit)} – {fmt(self.high, unit)}"
                f" (±{(self.high - self.low) / 2 / self.median:.1%})" if self.median else "")


# -- conditions ---------------------------------------------------------------------------
def load_average() -> float:
    return os.getloadavg()[0]


def others_busy(interval: float = 0.5) -> float:
    """CPU use (0–100 %, all cores) during `interval` while this process sleeps."""
    return psutil.cpu_percent(interval=interval)


def conditions(label: str) -> str:
    """Print and return the load before a measurement, so that the report shows it."""
    text = f"load average {load_average():.2f} (1 min), CPU busy {others_busy():.0f} %"
    print(f"  [{label}: {text}]", flush=True)
    return text


class OthersMeter:
    """How much CPU other processes used while a block ran, in cores (1.0 = one whole core).

    System-wide busy time minus this process's own CPU time, over the wall time: a round
    that others disturbed can be run again instead of skewing the median.
    """

    def __init__(self) -> None:
        self.cores = 0.0

    @staticmethod
    def _busy() -> float:
        times = psutil.cpu_times()
        return sum(times) - times.idle - getattr(times, "iowait", 0.0)

    @staticmethod
    def _own() -> float:
        times = psutil.Process().cpu_times()
        return times.user + times.system

    def __enter__(self) -> OthersMeter:
        self._start = (time.perf_counter(), self._busy(), self._own())
        return self

    def __exit__(self, *_: object) -> None:
        wall, busy, own = self._start
        elapsed = max(time.perf_counter() - wall, 1e-9)
        self.cores = max(0.0, ((self._busy() - busy) - (self._own() - own)) / elapsed)


DISTURBED = 0.15  # cores used by others during a round that make it worth running again
RETRIES = 4


def wait_for_quiet(limit: float, max_wait: float) -> None:
    """Wait (up to `max_wait` s) until other processes use less than `limit` % of the CPU.

    Other work on the machine (tests, builds) slows llama.cpp's threads far more than it
    slows a single thread: they wait for each other at every graph node.
    """
    if max_wait <= 0:
        return
    deadline = time.monotonic() + max_wait
    busy = others_busy(1.0)
    while busy > limit and time.monotonic() < deadline:
        print(f"  [waiting for a quieter machine: CPU busy {busy:.0f} %]", flush=True)
        time.sleep(4)
        busy = others_busy(1.0)


# -- the section command line ---------------------------------------------------------------
def section_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--model", type=Path, help="a GGUF to measure (default: generated)")
    parser.add_argument("--cache", type=Path, help="where the generated model is kept")
    parser.add_argument("--quick", action="store_true", help="small model, few runs")
    parser.add_argument("--runs", type=int, default=0, help="runs per measurement (0: default)")
    parser.add_argument("--threads", type=int, default=0, help="llama.cpp threads (0: the app's)")
    parser.add_argument("--quiet-wait", type=float, default=0.0, metavar="S",
                        help="wait up to S seconds for other CPU use to drop before measuring")
    parser.add_argument("--quiet-limit", type=float, default=25.0, metavar="PCT",
                        help="what --quiet-wait calls quiet: other CPU use below PCT %%")
    parser.add_argument("--only", default="", help="comma-separated measurements of this section")
    return parser


def selected(args: argparse.Namespace, name: str) -> bool:
    return not args.only or name in args.only.split(",")


def bench_model(args: argparse.Namespace) -> Path:
    """The model to measure: --model, or the generated benchmark model (made when missing)."""
    if args.model is not None:
        return Path(args.model)
    from bench.model import FULL_SPEC, QUICK_SPEC, default_cache, ensure_model

    return ensure_model(QUICK_SPEC if args.quick else FULL_SPEC, args.cache or default_cache())


def finish(result: SectionResult, args: argparse.Namespace) -> int:
    if args.json is not None:
        result.write(args.json)
    return 0
