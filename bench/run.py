"""`make bench`: OSS Chat against llama.cpp on this machine; PASS/MISS per target and a report.

    python bench/run.py [--model PATH] [--quick] [--only decode,prompt,…] [--runs N]

Without --model, a gpt-oss-20b-shaped model with random weights (~12 GB; --quick: 2 layers,
~2 GB) is generated into the cache folder first. Each section runs in its own process; the
report and charts go to results/ (report.md, summary.md, *.png, the sections' JSON).
"""

from __future__ import annotations

import argparse
import datetime
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, Line, SectionResult, load_average

# Section module -> (title, the measurements it can be limited to with --only).
SECTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "engine_speed": ("Engine speed", ("decode", "prompt")),
    "latency": ("Latency", ("ttft", "stop")),
    "gui": ("GUI", ("stall", "open", "appdecode", "cold", "view")),
    "memory": ("Memory", ("memory",)),
    "store": ("Store", ("store",)),
}
NEEDS_MODEL = {"engine_speed", "latency", "gui", "memory"}


def parse_args() -> argparse.Namespace:
    names = ", ".join(m for _, (_, ms) in SECTIONS.items() for m in ms)
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="benchmark this GGUF instead of the "
                        "generated random-weight model")
    parser.add_argument("--quick", action="store_true",
                        help="a 2-layer model and few runs: a smoke test, not a measurement")
    parser.add_argument("--only", default="", help=f"comma-separated: {names}")
    parser.add_argument("--runs", type=int, default=0, help="runs per measurement (0: default)")
    parser.add_argument("--threads", type=int, default=0, help="llama.cpp threads (0: as the app)")
    parser.add_argument("--cache", type=Path, help="folder of the generated models "
                        "(default ~/.cache/oss-chat-bench)")
    parser.add_argument("--results", type=Path, default=ROOT / "results",
                        help="where the report goes (default results/)")
    parser.add_argument("--quiet-wait", type=float, default=0.0, metavar="S",
                        help="before each measurement wait up to S s for other CPU use to drop")
    args = parser.parse_args()
    known = {m for _, (_, ms) in SECTIONS.items() for m in ms}
    unknown = set(filter(None, args.only.split(","))) - known
    if unknown:
        parser.error(f"unknown measurement(s) {', '.join(sorted(unknown))}; choose from {names}")
    return args


def section_command(module: str, args: argparse.Namespace, model: Path | None, out: Path,
                    only: list[str]) -> list[str]:
    command = [sys.executable, "-m", f"bench.{module}", "--json", str(out),
               "--threads", str(args.threads), "--runs", str(args.runs),
               "--quiet-wait", str(args.quiet_wait)]
    if args.quick:
        command.append("--quick")
    if args.cache:
        command += ["--cache", str(args.cache)]
    if model is not None and module in NEEDS_MODEL:
        command += ["--model", str(model)]
    if only:
        command += ["--only", ",".join(only)]
    return command


def add_derived(results: dict[str, SectionResult]) -> None:
    """Figures that need two sections: the app's decode speed against llama.cpp's."""
    speed, gui = results.get("Engine speed"), results.get("GUI")
    if speed is None or gui is None:
        return
    raw = next((x for x in speed.lines if x.name.startswith("decode: llama.cpp (same")), None)
    app = next((x for x in gui.lines if x.name.startswith("decode in the app")), None)
    if raw is not None and app is not None:
        gui.lines.append(Line("GUI", "decode in the app / llama.cpp", app.value / raw.value, "×",
                              detail="medians from two processes (not interleaved); "
                                     "informational"))


def main() -> int:
    args = parse_args()
    started = datetime.datetime.now()
    load_before = load_average()
    wanted = set(filter(None, args.only.split(",")))
    plan = {module: [m for m in measures if m in wanted] if wanted else []
            for module, (_, measures) in SECTIONS.items()
            if not wanted or wanted & set(measures)}

    model = args.model
    if model is None and plan.keys() & NEEDS_MODEL:
        from bench.model import FULL_SPEC, QUICK_SPEC, default_cache, ensure_model

        spec = QUICK_SPEC if args.quick else FULL_SPEC
        model = ensure_model(spec, args.cache or default_cache())
        model_label = f"{spec.label}, generated: {model.name}"
    else:
        model_label = str(model) if model else "none"
    if model is not None and not model.is_file():
        print(f"bench: model not found: {model}", file=sys.stderr)
        return 2

    results: dict[str, SectionResult] = {}
    failed: list[str] = []
    args.results.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="oss-chat-bench-") as temporary:
        for module, only in plan.items():
            title = SECTIONS[module][0]
            print(f"\n== {title} ==  (load average {load_average():.2f})", flush=True)
            out = Path(temporary) / f"{module}.json"
            begun = time.monotonic()
            done = subprocess.run(section_command(module, args, model, out, only), cwd=ROOT,
                                  check=False)
            print(f"   ({title}: {time.monotonic() - begun:.0f} s)", flush=True)
            if done.returncode != 0 or not out.is_file():
                failed.append(title)
                continue
            results[title] = SectionResult.read(out)
            (args.results / out.name).write_bytes(out.read_bytes())

    add_derived(results)
    from bench.report import print_summary, write_report

    lines = [line for result in results.values() for line in result.lines]
    print_summary(lines)
    report = write_report(results, args.results, model=model_label, quick=args.quick,
                          started=started, load_before=load_before)
    print(f"\nReport: {report}")
    if failed:
        print(f"Failed sections: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
