"""The storage issue's scale figures (10,000 conversations, 100,000 messages), through
bench/bench_store.py: the same database, operations and targets, gathered for the report.

A target there applies to the worst of the runs, so the line's value is the worst one.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench.common import SectionResult, Target, conditions


def run(args: argparse.Namespace, result: SectionResult) -> None:
    from bench import bench_store

    repeat = args.runs or (5 if args.quick else 20)
    with tempfile.TemporaryDirectory(prefix="oss-chat-bench-store-") as temporary:
        path = Path(temporary) / "conversations.sqlite3"
        long_id, characters, text = bench_store.build(path)
        load = conditions("store")
        size = bench_store.measure(path, long_id, characters, text, repeat)
    print()
    for timing in bench_store.TIMINGS:
        target = Target(timing.target) if timing.target is not None else None
        value = timing.worst if target is not None else timing.median
        label = "worst" if target is not None else "median"
        result.add("store: " + timing.name.strip(" ."), value, "ms", target,
                   detail=f"{label} of {repeat}; median {timing.median:.2f} ms, first "
                          f"{timing.first:.2f} ms {timing.detail}".rstrip())
    result.add("store: database size", size / 1e6, "MB",
               detail=f"for {characters / 1e6:.1f} MB of text; {load}")


def main() -> int:
    from bench.common import finish, section_parser

    args = section_parser(__doc__ or "").parse_args()
    result = SectionResult("Store")
    run(args, result)
    return finish(result, args)


if __name__ == "__main__":
    raise SystemExit(main())
