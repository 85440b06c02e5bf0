"""The app's resident memory beside the model, with a 2,000-message conversation open.

Two processes are measured from `/proc/self/smaps`:

- the app: the real AppSession (store, engine thread, window) with the model loaded at the
  app's default settings, the long conversation open and painted, after a short reply;
- bare llama.cpp: the same model and context (through the same native layer, so the same
  parameters), after the same short reply, and nothing else.

The model file's pages are mapped (shared with the page cache); llama.cpp's own allocations
(KV cache, compute buffers, weights it repacks for the CPU) come from the bare process. What
is left of the app's RSS is the app's own memory: Python, Qt, the conversation, the views.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.common import ROOT, SectionResult, Target, conditions

MEMORY_TARGET = Target(300.0)
MB = 1 << 20


@dataclass(frozen=True)
class Resident:
    rss: int  # bytes
    model_mapped: int  # bytes of the model file's mapping that are resident


def resident(model: Path) -> Resident:
    """This process's RSS and the part of it that is the mapped model file."""
    target = str(model.resolve())
    total = mapped = 0
    in_model = False
    with open("/proc/self/smaps", encoding="utf-8", errors="replace") as smaps:
        for line in smaps:
            first = line.split(maxsplit=1)[0]
            if not first.endswith(":"):  # a mapping's header: address perms offset dev inode path
                parts = line.split(maxsplit=5)
                in_model = len(parts) == 6 and parts[5].strip() == target
            elif first == "Rss:":
                kb = int(line.split()[1]) * 1024
                total += kb
                if in_model:
                    mapped += kb
    return Resident(total, mapped)


def _prompt():  # type: ignore[no-untyped-def]
    from app.core.harmony.prompt import Message, Prompt

    return Prompt(messages=(Message("user", "Hello"),))


def child_app(data: Path, model: Path, threads: int, conversation_id: int) -> Resident:
    """The app as a user has it: window, long conversation on screen, model loaded."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from app.core.engine.config import EngineConfig, SamplingConfig
    from app.core.paths import AppPaths
    from app.ui.application import AppSession, create_application
    from bench.gui import _wait

    app = create_application([sys.argv[0]])
    session = AppSession.start(AppPaths.under(data))
    session.window.show()
    controller = session.controller
    controller.load_model(model, EngineConfig(n_threads=threads or None))
    _wait(app, lambda: controller.model_info is not None, 600, "the model")
    controller.open_conversation(conversation_id)
    done: list[object] = []
    session.engine.finished.connect(lambda *_: done.append(True))
    session.engine.generate(_prompt(), SamplingConfig(max_tokens=4))
    _wait(app, lambda: bool(done), 600, "a short reply")
    for _ in range(50):  # let layout and paint settle
        app.processEvents()
        time.sleep(0.01)
    figures = resident(model)
    print(json.dumps({**asdict(figures), "n_ctx": controller.model_info.n_ctx,
                      "n_threads": controller.model_info.n_threads}))
    session.close()
    return figures


def child_bare(model: Path, n_ctx: int, threads: int) -> None:
    """llama.cpp alone with the same model and context; prints its RSS before and after.

    Built with the engine's native layer and the engine's parameters, so the buffers are the
    same; none of the engine's Python side (vocabulary caches, parser) is there.
    """
    from app.core.engine.config import EngineConfig
    from app.core.engine.native import NativeContext, NativeModel, NativeSampler, preload

    preload()
    before = resident(model)
    config = EngineConfig(n_ctx=n_ctx, n_threads=threads or None)
    native = NativeModel.load(model)
    context = NativeContext(native, n_ctx=n_ctx, n_threads=config.threads,
                            n_batch=config.n_batch, n_ubatch=config.n_batch,
                            flash_attn=config.flash_attn)
    context.decode_prompt(list(range(300, 320)), 0)
    sampler = NativeSampler(temperature=1.0, top_p=1.0, top_k=0, min_p=0.0, seed=1)
    for _ in range(4):
        context.decode_one(sampler.sample(context))
    after = resident(model)
    print(json.dumps({"before": asdict(before), "after": asdict(after)}))


def _child(arguments: list[str]) -> dict:  # type: ignore[type-arg]
    done = subprocess.run([sys.executable, "-m", "bench.memory", *arguments], cwd=ROOT,
                          capture_output=True, text=True, timeout=1800, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"memory child failed: {done.stderr[-800:]}")
    return json.loads(lines[-1])  # type: ignore[no-any-return]


def run(args: argparse.Namespace, model: Path, result: SectionResult) -> None:
    from bench.gui import fill_store

    load = conditions("memory")
    with tempfile.TemporaryDirectory(prefix="oss-chat-bench-memory-") as temporary:
        root = Path(temporary)
        from app.core.paths import AppPaths

        paths = AppPaths.under(root).ensure()
        long_id, _ = fill_store(paths.database)
        app = _child(["--child-app", str(root), "--model", str(model), "--threads",
                      str(args.threads), "--conversation", str(long_id)])
    bare = _child(["--child-bare", "--model", str(model), "--n-ctx", str(app["n_ctx"]),
                   "--threads", str(args.threads)])
    before, after = bare["before"], bare["after"]
    llama_own = (after["rss"] - after["model_mapped"]) - (before["rss"] - before["model_mapped"])
    beside = app["rss"] - app["model_mapped"]
    own = beside - llama_own
    result.series["memory_mb"] = {"rss": app["rss"] / MB, "model pages": app["model_mapped"] / MB,
                                  "llama.cpp buffers": llama_own / MB, "app": own / MB}
    result.add("app memory beside the model", own / MB, "MB", MEMORY_TARGET,
               detail=f"RSS {app['rss'] / MB:,.0f} MB = model file pages "
                      f"{app['model_mapped'] / MB:,.0f} MB + llama.cpp's KV cache, compute "
                      f"and repacked buffers {llama_own / MB:,.0f} MB (context {app['n_ctx']:,}, "
                      f"measured in a bare process) + the app {own / MB:,.0f} MB; "
                      f"{LONG_LABEL} open; {load}")
    result.add("RSS minus mapped weights (app + llama.cpp buffers)", beside / MB, "MB",
               detail="the literal figure; includes the KV cache of the app's default context")


LONG_LABEL = "a 2,000-message conversation"


def main() -> int:
    from bench.common import bench_model, finish, section_parser

    parser = section_parser(__doc__ or "")
    parser.add_argument("--child-app", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-bare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--conversation", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--n-ctx", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_app is not None:
        child_app(args.child_app, args.model, args.threads, args.conversation)
        return 0
    if args.child_bare:
        child_bare(args.model, args.n_ctx, args.threads)
        return 0
    result = SectionResult("Memory")
    run(args, bench_model(args), result)
    return finish(result, args)


if __name__ == "__main__":
    raise SystemExit(main())
