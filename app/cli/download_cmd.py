"""`oss-chat [--data-dir DIR] download [--repo R] [--file F] [--revision REV]`: fetch a model
on a terminal, for headless set-up and scripts.

The same path as the app: resolve and pin the revision, check the disk, download with resume,
verify the sha256, record the model (as the default when there is none). Ctrl+C pauses: the
partial file stays and running the command again continues it. The model's path is the only
thing written to stdout; progress and errors go to stderr.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli import UsageError
from app.core.paths import AppPaths

if TYPE_CHECKING:
    from app.core.modelfiles.catalog import ResolvedModel
    from app.core.modelfiles.download import ModelDownloader


def add_parser(subparsers: Any) -> None:
    from app.core.modelfiles.catalog import DEFAULT_MODEL

    parser = subparsers.add_parser(
        "download", help="download a model from Hugging Face",
        description="Download a gpt-oss GGUF model from Hugging Face into the models folder, "
                    "verify its sha256 and make it the default model if there is none. An "
                    "interrupted download resumes when the command is run again. Prints the "
                    "model's path on stdout.")
    parser.add_argument("--repo", default=DEFAULT_MODEL.repo, metavar="R",
                        help=f"the Hugging Face repository (default: {DEFAULT_MODEL.repo})")
    parser.add_argument("--file", metavar="F",
                        help="the GGUF file in the repository (default: the MXFP4 one); for a "
                             "split model, any of its parts")
    parser.add_argument("--revision", metavar="REV",
                        help="branch, tag or commit (default: main, or the commit of an "
                             "unfinished download of the same model)")


def run(args: argparse.Namespace, paths: AppPaths) -> int:
    from app.core.modelfiles.errors import DownloadCancelled, DownloadError
    from app.core.modelfiles.gguf_info import ModelFileError

    if not args.repo or args.repo.count("/") != 1:
        raise UsageError(f"--repo must look like owner/name, not {args.repo!r}")
    try:
        path = _download(args, paths)
    except DownloadCancelled:
        print("oss-chat: download paused; run the same command again to continue.",
              file=sys.stderr)
        return 130
    except (DownloadError, ModelFileError) as exc:
        print(f"oss-chat: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


def _download(args: argparse.Namespace, paths: AppPaths) -> Path:
    from app.core.modelfiles.catalog import resolve
    from app.core.modelfiles.download import ModelDownloader
    from app.core.modelfiles.library import ModelLibrary
    from app.core.modelfiles.progress import human_size

    downloader = ModelDownloader(paths)
    revision = args.revision
    if revision is None:
        revision = _pending_revision(downloader, args.repo, args.file)
    resolved = resolve(args.repo, args.file, revision)
    parts = f" in {len(resolved.files)} files" if len(resolved.files) > 1 else ""
    _say(f"{resolved.name}: {human_size(resolved.total_bytes)}{parts} from {resolved.repo} "
         f"at {resolved.revision[:12]}")
    plan = downloader.plan(resolved)
    _say(f"Disk: {plan.disk.describe()}")
    if plan.memory is not None:
        _say(f"Memory: {plan.memory.describe()}")
    path = _run_with_progress(downloader, resolved)
    library = ModelLibrary(paths)
    if library.default is None:
        library.set_default(path)
        _say("It is now the default model.")
    return path


def _pending_revision(downloader: ModelDownloader, repo: str,
                      file: str | None) -> str | None:
    """Continue an unfinished download at its commit rather than restart at a newer one."""
    for pending in reversed(downloader.pending()):
        names = {f.name.lower() for f in pending.files}
        if pending.repo.lower() == repo.lower() and (file is None or file.lower() in names):
            _say(f"Continuing the download started earlier (revision {pending.revision[:12]}).")
            return pending.revision
    return None


def _run_with_progress(downloader: ModelDownloader, resolved: ResolvedModel) -> Path:
    """Download on a worker thread so that Ctrl+C here can cancel it cleanly."""
    from huggingface_hub.utils import tqdm  # honours HF_HUB_DISABLE_PROGRESS_BARS

    from app.core.modelfiles.progress import DownloadProgress

    cancel = threading.Event()
    bars: dict[str, Any] = {}
    outcome: dict[str, Any] = {}

    def on_progress(p: DownloadProgress) -> None:
        bar = bars.get(p.phase)
        if bar is None:
            for other in bars.values():
                other.close()
            bar = bars[p.phase] = tqdm(total=p.total, initial=p.done, unit="B", unit_scale=True,
                                       desc=p.phase.capitalize(), file=sys.stderr,
                                       disable=None)
        bar.update(p.done - bar.n)

    def work() -> None:
        try:
            outcome["path"] = downloader.download(resolved, on_progress=on_progress,
                                                  cancel=cancel)
        except BaseException as exc:
            outcome["error"] = exc
        finally:
            done.set()

    # Waiting on an Event, not Thread.join(): a join interrupted by Ctrl+C can leave the
    # thread's state inconsistent, and the wait must be resumed after cancelling.
    done = threading.Event()
    worker = threading.Thread(target=work, name="download")
    worker.start()
    try:
        while not done.wait(0.2):
            pass
    except KeyboardInterrupt:
        cancel.set()
        done.wait()
    finally:
        for bar in bars.values():
            bar.close()
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return Path(outcome["path"])


def _say(text: str) -> None:
    print(text, file=sys.stderr)
