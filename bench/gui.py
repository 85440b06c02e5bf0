"""The window's responsiveness through the real app: store, engine thread, controller, window.

Offscreen (QT_QPA_PLATFORM=offscreen), so it runs anywhere; painting still happens.

- The longest event-loop stall while a reply streams at full speed: a scripted endless model
  (real llama.cpp, tiny weights) streams Markdown thousands of tokens a second; a 1 ms timer
  on the GUI thread notes every gap in its ticks.
- Opening a 2,000-message conversation, and switching between ordinary ones: from
  `ChatController.open_conversation` until the chat view has painted and stopped building
  message documents.
- Decode speed in the app: the benchmark model through the same session, the window showing
  the reply (the GUI thread competes with llama.cpp's threads for the cores).
- Cold start: `python -m app` until the window's first paint (OSS_CHAT_EXIT_AFTER_SHOWN).
- The chat view alone (bench/bench_chatview.py): first show and the time per streamed update.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench.common import (
    DISTURBED,
    RETRIES,
    ROOT,
    OthersMeter,
    SectionResult,
    Spread,
    Target,
    conditions,
    selected,
    wait_for_quiet,
)

STALL_TARGET = Target(30.0)
OPEN_TARGET = Target(300.0)
COLD_START_TARGET = Target(1.5)
LONG_MESSAGES = 2000
SHORT_CONVERSATIONS = 20

# What the endless model streams: one table, then Markdown prose with emphasis, inline code,
# lists and code blocks over and over, so every update exercises the renderer as a real
# answer does.
STREAM_SCRIPT = (
    "<|channel|>", "final", "<|message|>",
    "| name | value |\n", "|---|---|\n", "| a | 1 |\n\n",
    "## A heading\n\n", "Streaming ", "text ", "with ", "**bold** ", "and ", "`code` ",
    "spans, ", "then ", "a list ", "of ", "the ", "points ", "that ", "matter ", "most:\n\n",
    "- first ", "item\n", "- second ", "point\n\n", "Then ", "some ", "code:\n\n",
    "```python\n", "def step(x):\n", "    return ", "x * 2\n", "```\n\n",
    "More ", "prose ", "follows ", "here, ", "long ", "enough ", "to ", "wrap ", "over ",
    "several ", "lines ", "in ", "this ", "window ", "as ", "answers ", "usually ", "do.\n\n",
)
STREAM_LOOP_FROM = 6  # the table is written once
STREAM_TOKENS = 2000  # a long answer: about 13,000 characters
STREAM_TIMEOUT = 90.0  # seconds; about 10 s on a quiet machine
APP_DECODE_TOKENS = 64


def _tick_gaps(until, timeout: float) -> list[float]:  # type: ignore[no-untyped-def]
    """Run the event loop until `until()`; the gaps (ms) between ticks of a 1 ms timer.

    A gap is time the GUI thread could not respond: a slot running, a layout or paint, or
    waiting for the GIL held by the engine thread.
    """
    from PySide6.QtCore import QEventLoop, Qt, QTimer

    stamps: list[float] = []
    loop = QEventLoop()
    deadline = time.perf_counter() + timeout

    def tick() -> None:
        stamps.append(time.perf_counter())
        if until() or stamps[-1] > deadline:
            loop.quit()

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(1)
    timer.timeout.connect(tick)
    timer.start()
    loop.exec()
    timer.stop()
    return [(b - a) * 1000 for a, b in itertools.pairwise(stamps)]


def _wait(app, condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        app.processEvents()
        time.sleep(0.002)


class _PaintCounter:
    """Counts paints of a widget (an event filter; the paint itself is not delayed)."""

    def __init__(self, widget) -> None:  # type: ignore[no-untyped-def]
        from PySide6.QtCore import QEvent, QObject

        counter = self

        class Filter(QObject):
            def eventFilter(self, _watched, event) -> bool:  # type: ignore[no-untyped-def]
                if event.type() == QEvent.Type.Paint:
                    counter.paints += 1
                return False

        self.paints = 0
        self._filter = Filter()
        widget.installEventFilter(self._filter)


def _open_until_painted(app, session, conversation_id: int,  # type: ignore[no-untyped-def]
                        paints: _PaintCounter) -> float:
    """Milliseconds from open_conversation to the view painted and settled."""
    view = session.window.chat_view
    started = time.perf_counter()
    before = paints.paints
    session.controller.open_conversation(conversation_id)
    quiet = 0
    while paints.paints == before or quiet < 3:
        built = view.delegate.documents_built
        app.processEvents()
        quiet = quiet + 1 if view.delegate.documents_built == built else 0
    return (time.perf_counter() - started) * 1000


def fill_store(database: Path) -> tuple[int, list[int]]:
    """A 2,000-message conversation and a few ordinary ones, with Markdown in the answers."""
    from app.core.storage import ConversationStore
    from bench.bench_store import TextMaker, insert_conversation

    class MarkdownText(TextMaker):
        def paragraph(self, words: int) -> str:
            text = super().paragraph(words)
            pick = self._rng.random()
            if pick < 0.25:
                text += "\n\n```python\nfor item in items:\n    print(item)\n```"
            elif pick < 0.4:
                text += "\n\n- " + self.sentence(6) + "\n- " + self.sentence(5)
            return text

    rng = random.Random(11)
    text = MarkdownText(rng)
    start = time.time() - 30 * 86400
    with ConversationStore.open(database) as store:
        shorts = [insert_conversation(store, text, rng, 10, start + i * 3600)[0]
                  for i in range(SHORT_CONVERSATIONS)]
        long_id, _ = insert_conversation(store, text, rng, LONG_MESSAGES // 2, time.time())
    return long_id, shorts


def scripted_model(cache: Path) -> Path:
    from tests.modelgen.scripted import script_key, write_scripted_model

    path = cache / script_key(STREAM_SCRIPT, True, STREAM_LOOP_FROM)
    if not path.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        write_scripted_model(path, STREAM_SCRIPT, endless=True, loop_from=STREAM_LOOP_FROM)
    return path


def run(args: argparse.Namespace, result: SectionResult) -> None:
    from app.core.engine.config import EngineConfig
    from app.core.paths import AppPaths
    from app.ui.application import AppSession, create_application

    runs = args.runs or (3 if args.quick else 7)
    cache = (args.cache or Path.home() / ".cache" / "oss-chat-bench")
    with tempfile.TemporaryDirectory(prefix="oss-chat-bench-gui-") as temporary:
        paths = AppPaths.under(Path(temporary)).ensure()
        long_id, shorts = fill_store(paths.database)
        app = create_application([sys.argv[0]])
        session = AppSession.start(paths)
        try:
            session.window.show()
            _wait(app, lambda: session.window.windowHandle().isExposed(), 10, "the window")
            paints = _PaintCounter(session.window.chat_view.viewport())
            if selected(args, "open"):
                wait_for_quiet(args.quiet_limit, args.quiet_wait)
                open_and_switch(app, session, long_id, shorts, paints=paints, runs=runs,
                                result=result)
            if selected(args, "stall"):
                model = scripted_model(cache)
                session.controller.load_model(model, EngineConfig(
                    n_ctx=32768, n_threads=args.threads or None))
                _wait(app, lambda: session.controller.model_info is not None, 60, "the model")
                wait_for_quiet(args.quiet_limit, args.quiet_wait)
                stream_stalls(app, session, result)
            if selected(args, "appdecode"):
                from bench.common import bench_model

                app_decode(app, session, bench_model(args), args, runs=max(3, runs // 2),
                           result=result)
        finally:
            session.close()
            session.window.close()
        if selected(args, "cold"):
            wait_for_quiet(args.quiet_limit, args.quiet_wait)
            cold_start(Path(temporary), runs, result)
    if selected(args, "view"):
        chat_view_alone(app, result)


def open_and_switch(app, session, long_id: int, shorts: list[int], *,  # type: ignore[no-untyped-def]
                    paints: _PaintCounter, runs: int, result: SectionResult) -> None:
    conditions("open and switch")
    opens: list[float] = []
    switches: list[float] = []
    for run_ in range(runs):
        switches.append(_open_until_painted(app, session, shorts[(2 * run_) % len(shorts)],
                                            paints))
        switches.append(_open_until_painted(app, session, shorts[(2 * run_ + 1) % len(shorts)],
                                            paints))
        opens.append(_open_until_painted(app, session, long_id, paints))
    o, s = Spread.of(opens), Spread.of(switches)
    result.series["open_long_ms"] = opens
    result.add(f"open a {LONG_MESSAGES:,}-message conversation", o.median, "ms", OPEN_TARGET,
               detail=f"{o.describe('ms')}; first {opens[0]:.0f} ms; until painted")
    result.add("switch between 20-message conversations", s.median, "ms",
               detail=s.describe("ms"))


def stream_stalls(app, session, result: SectionResult) -> None:  # type: ignore[no-untyped-def]
    """A long answer streamed at full speed into a new chat; every gap of the event loop."""
    from app.core.engine.config import SamplingConfig

    controller = session.controller
    controller.new_chat()
    controller.sampling = SamplingConfig(max_tokens=STREAM_TOKENS)
    finished: list[object] = []
    controller.replyFinished.connect(finished.append)
    load = conditions("streaming")
    controller.send("Write a long answer with code, please.", "medium")
    started = time.perf_counter()
    with OthersMeter() as others:
        gaps = _tick_gaps(lambda: bool(finished), STREAM_TIMEOUT)
    elapsed = time.perf_counter() - started
    if not finished:  # a machine too busy to finish in time: report what streamed
        controller.stop()
        _wait(app, lambda: bool(finished), 60, "the stop")
    stats = finished[0]
    chars = len(controller.model.item_at(1).answer)
    stall = max(gaps) - 1.0
    quarter = max(1, len(gaps) // 4)
    early, late = max(gaps[:quarter]) - 1.0, max(gaps[-quarter:]) - 1.0
    result.series["stream_gaps_ms"] = gaps
    result.add("longest event-loop stall while streaming", stall, "ms", STALL_TARGET,
               detail=f"a {stats.generated_tokens:,}-token answer ({chars:,} characters, "  # type: ignore[attr-defined]
                      f"Markdown) in {elapsed:.1f} s, {stats.decode_tok_s:.0f} tok/s; "  # type: ignore[attr-defined]
                      f"longest stall in the first quarter {early:.0f} ms, in the last "
                      f"{late:.0f} ms; median tick gap {statistics.median(gaps):.2f} ms, "
                      f"{sum(g > 16 for g in gaps)} gaps over 16 ms; others used "
                      f"{others.cores:.2f} cores; {load}")


def app_decode(app, session, model: Path, args: argparse.Namespace, *,  # type: ignore[no-untyped-def]
               runs: int, result: SectionResult) -> None:
    """Decode speed as the user gets it: the engine thread beside a window that shows the reply.

    The GUI thread needs the CPU too, and llama.cpp's threads wait for each other at every
    graph node: what the window costs the decode loop shows here.
    """
    from app.core.engine.config import EngineConfig, SamplingConfig

    controller = session.controller
    loaded: list[object] = []
    controller.modelLoaded.connect(loaded.append)
    controller.load_model(model, EngineConfig(n_ctx=4096, n_threads=args.threads or None))
    _wait(app, lambda: bool(loaded), 900, "the benchmark model")
    controller.sampling = SamplingConfig(max_tokens=APP_DECODE_TOKENS + 1)
    finished: list[object] = []
    controller.replyFinished.connect(finished.append)
    rates: list[float] = []
    disturbance: list[float] = []
    for run_ in range(runs + 1):  # the first one warms up
        for _attempt in range(RETRIES):
            wait_for_quiet(args.quiet_limit, args.quiet_wait)
            load = conditions(f"decode in the app {run_}/{runs}")
            controller.new_chat()
            finished.clear()
            with OthersMeter() as others:
                controller.send(f"Tell me a story, number {run_} {random.random()}.", "medium")
                _wait(app, lambda: bool(finished), 900, "the reply")
            rate = finished[0].decode_tok_s  # type: ignore[attr-defined]
            print(f"    {rate:.2f} tok/s; others used {others.cores:.2f} cores  [{load}]",
                  flush=True)
            if not run_ or others.cores < DISTURBED:
                break
            print("    (disturbed by other processes: this run again)", flush=True)
        if run_:
            rates.append(rate)
            disturbance.append(others.cores)
    spread = Spread.of(rates)
    result.series["app_decode_tok_s"] = rates
    result.add("decode in the app (window showing the reply)", spread.median, "tok/s",
               disturbed=max(disturbance) >= DISTURBED,
               detail=f"{APP_DECODE_TOKENS} tokens; {spread.describe('tok/s')}; compare with "
                      "the engine alone under Engine speed")


def cold_start(data_root: Path, runs: int, result: SectionResult) -> None:
    """`python -m app` until the window's first paint, with the benchmark's conversations."""
    load = conditions("cold start")
    env = {**os.environ, "OSS_CHAT_EXIT_AFTER_SHOWN": "1", "QT_QPA_PLATFORM": "offscreen"}
    times: list[float] = []
    for _ in range(runs):
        started = time.time()
        done = subprocess.run([sys.executable, "-m", "app", "--data-dir", str(data_root)],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                              check=False)
        shown = [line for line in done.stdout.splitlines() if line.startswith("shown at ")]
        if done.returncode != 0 or not shown:
            raise RuntimeError(f"the app did not report its window: {done.stderr[-500:]}")
        times.append(float(shown[0].split()[-1]) - started)
    c = Spread.of(times)
    result.series["cold_start_s"] = times
    result.add("cold start to the window painted", c.median, "s", COLD_START_TARGET,
               detail=f"{c.describe('s')}; first {times[0]:.2f} s (`python -m app`, "
                      f"{LONG_MESSAGES + 20 * SHORT_CONVERSATIONS:,} messages stored); {load}")


def chat_view_alone(app, result: SectionResult) -> None:  # type: ignore[no-untyped-def]
    from bench import bench_chatview

    figures = bench_chatview.measure(app)
    stalls = figures.stalls_ms
    result.add("chat view alone: first show of 2,000 messages", figures.first_show_ms, "ms",
               detail="bench/bench_chatview.py")
    result.add("chat view alone: longest streamed update", max(stalls), "ms",
               detail=f"{len(stalls)} updates forced through processEvents(); median "
                      f"{statistics.median(stalls):.1f} ms")


def main() -> int:
    from bench.common import finish, section_parser

    args = section_parser(__doc__ or "").parse_args()
    result = SectionResult("GUI")
    run(args, result)
    return finish(result, args)


if __name__ == "__main__":
    raise SystemExit(main())
