"""`oss-chat export`: conversations as JSON or Markdown, from the terminal (backups, scripts).

The database is opened read-only, so exporting is safe while the app is running and never
changes anything (not even the recovery the app does at start-up).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

from app.cli import UsageError
from app.core.paths import AppPaths
from app.core.storage import ConversationStore, NotFoundError, StorageError
from app.core.storage.export import bundle_document, dump_json

_SUFFIXES = {"json": ".json", "markdown": ".md"}
_MARKDOWN_SEPARATOR = "\n---\n\n"

_DESCRIPTION = """\
Write saved conversations as JSON (lossless: every branch, status and timestamp; the app can
import it back) or as Markdown (the branch on screen, for reading and sharing).

Without --conversation every conversation is exported. Without --out the export goes to
standard output. If --out is an existing folder, each conversation is written to its own file
in it (ID-title.json or ID-title.md); otherwise --out is one file: with JSON and several
conversations, one document {"format": "oss-chat-conversations", "conversations": [...]};
with Markdown, the conversations one after another.
"""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "export", help="write conversations as JSON or Markdown", description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--all", action="store_true",
                       help="export every conversation (the default)")
    which.add_argument("--conversation", type=int, metavar="ID",
                       help="export only the conversation with this id")
    parser.add_argument("--format", choices=tuple(_SUFFIXES), default="json",
                        help="json (default) or markdown")
    parser.add_argument("--out", type=Path, metavar="PATH",
                        help="a file, or an existing folder for one file per conversation "
                             "(default: standard output)")


def run(args: argparse.Namespace, paths: AppPaths) -> int:
    try:
        with ConversationStore.open(paths.database, read_only=True) as store, store.snapshot():
            return _export(store, args)
    except StorageError as exc:
        print(f"oss-chat: {exc}", file=sys.stderr)
        return 1


def _export(store: ConversationStore, args: argparse.Namespace) -> int:
    if args.conversation is not None:
        ids = [args.conversation]
        try:
            if store.get_conversation(args.conversation).deleted_at is not None:
                raise NotFoundError(args.conversation)
        except NotFoundError:
            raise UsageError(f"no conversation with id {args.conversation}") from None
    else:
        ids = store.conversation_ids()
    out: Path | None = args.out
    try:
        if out is not None and out.is_dir():
            for conversation_id in ids:
                name = _file_name(store, conversation_id, args.format)
                _write_file(out / name, _render(store, [conversation_id], args.format,
                                                bundle=False))
        else:
            text = _render(store, ids, args.format, bundle=args.conversation is None)
            if out is None:
                _write_stdout(text)
            else:
                _write_file(out, text)
    except OSError as exc:
        print(f"oss-chat: cannot write {exc.filename or out}: {exc.strerror}", file=sys.stderr)
        return 1
    if out is not None:
        print(f"Exported {len(ids)} conversation(s) to {out}", file=sys.stderr)
    return 0


def _render(store: ConversationStore, ids: list[int], export_format: str, *,
            bundle: bool) -> str:
    if export_format == "markdown":
        return _MARKDOWN_SEPARATOR.join(store.export_markdown(each) for each in ids)
    if bundle:
        return dump_json(bundle_document(store.export_json(each) for each in ids))
    return dump_json(store.export_json(ids[0]))


def _file_name(store: ConversationStore, conversation_id: int, export_format: str) -> str:
    title = store.get_conversation(conversation_id).title
    slug = re.sub(r"[^\w]+", "-", title.lower()).strip("-_")[:40].rstrip("-_")
    stem = f"{conversation_id}-{slug}" if slug else str(conversation_id)
    return stem + _SUFFIXES[export_format]


def _write_file(target: Path, text: str) -> None:
    """Write through a temporary file and rename, so a failed export never leaves half a file.

    Errors name `target`, not the temporary file.
    """
    try:
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(target)) from exc
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.replace(temporary, target)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OSError(exc.errno, exc.strerror, str(target)) from exc
        raise


def _write_stdout(text: str) -> None:
    """UTF-8 whatever the console's code page, so a piped export is always valid."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(text)
    else:
        buffer.write(text.encode("utf-8"))
        buffer.flush()
