"""The record of downloads in the models folder: which models are complete and verified,
and which are still in progress (so they can resume after a restart, at the same commit).

A model appears under "models" only after every file's sha256 matched, so nothing that reads
this record can be handed a partial or damaged file.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from app.core.modelfiles.catalog import ResolvedModel
from app.core.modelfiles.jsonstore import JsonStore

log = logging.getLogger(__name__)

MANIFEST_NAME = "downloads.json"
MANIFEST_VERSION = 1


def model_folder(models_dir: Path, model: ResolvedModel) -> Path:
    """`models/<owner>--<name>/<commit>/`: one folder per pinned revision."""
    return models_dir / model.repo.replace("/", "--") / model.revision


def file_path(folder: Path, name: str) -> Path:
    return folder.joinpath(*PurePosixPath(name).parts)


def remove_empty_dirs(folder: Path, stop: Path) -> None:
    """Remove `folder` and its parents up to (not including) `stop` while they are empty."""
    while folder != stop and stop in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


@dataclass(frozen=True)
class DownloadedModel:
    resolved: ResolvedModel
    folder: Path
    verified_at: str

    @property
    def path(self) -> Path:
        """The file to give llama.cpp (the first part of a split model)."""
        return file_path(self.folder, self.resolved.primary.name)

    @property
    def file_paths(self) -> list[Path]:
        return [file_path(self.folder, f.name) for f in self.resolved.files]

    def missing(self) -> list[str]:
        """Files that are gone or have the wrong size since they were verified."""
        wrong = []
        for remote, path in zip(self.resolved.files, self.file_paths, strict=True):
            try:
                if path.stat().st_size != remote.size:
                    wrong.append(remote.name)
            except OSError:
                wrong.append(remote.name)
        return wrong


def _same(a: dict[str, Any], model: ResolvedModel) -> bool:
    return a.get("repo") == model.repo and a.get("revision") == model.revision and \
        [f.get("name") for f in a.get("files", [])] == [f.name for f in model.files]


class DownloadManifest:
    """`models/downloads.json`, shared by the downloader (writes) and the library (reads)."""

    def __init__(self, models_dir: Path) -> None:
        self.models_dir = models_dir
        self._store = JsonStore(models_dir / MANIFEST_NAME, MANIFEST_VERSION,
                                "the list of downloaded models")

    @property
    def notice(self) -> str | None:
        return self._store.notice

    def models(self) -> list[DownloadedModel]:
        out = []
        for entry in self._store.load().get("models", []):
            try:
                out.append(DownloadedModel(ResolvedModel.from_dict(entry),
                                           self.models_dir / str(entry["folder"]),
                                           str(entry.get("verified_at", ""))))
            except (KeyError, TypeError, ValueError) as exc:
                log.warning("skipping a bad entry in %s: %s", MANIFEST_NAME, exc)
        return out

    def pending(self) -> list[ResolvedModel]:
        out = []
        for entry in self._store.load().get("pending", []):
            try:
                out.append(ResolvedModel.from_dict(entry))
            except (KeyError, TypeError, ValueError) as exc:
                log.warning("skipping a bad pending entry in %s: %s", MANIFEST_NAME, exc)
        return out

    def add_pending(self, model: ResolvedModel) -> None:
        def change(data: dict[str, Any]) -> None:
            pending = [p for p in data.get("pending", []) if not _same(p, model)]
            data["pending"] = [*pending, model.to_dict()]

        self._store.update(change)

    def remove_pending(self, model: ResolvedModel) -> None:
        def change(data: dict[str, Any]) -> None:
            data["pending"] = [p for p in data.get("pending", []) if not _same(p, model)]

        self._store.update(change)

    def add_model(self, model: ResolvedModel) -> DownloadedModel:
        """Record a verified model (and drop it from the pending list)."""
        folder = model_folder(self.models_dir, model)
        stamp = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        entry = {**model.to_dict(), "folder": folder.relative_to(self.models_dir).as_posix(),
                 "verified_at": stamp}

        def change(data: dict[str, Any]) -> None:
            data["pending"] = [p for p in data.get("pending", []) if not _same(p, model)]
            data["models"] = [*(m for m in data.get("models", []) if not _same(m, model)), entry]

        self._store.update(change)
        return DownloadedModel(model, folder, stamp)

    def remove_model(self, model: ResolvedModel) -> None:
        def change(data: dict[str, Any]) -> None:
            data["models"] = [m for m in data.get("models", []) if not _same(m, model)]

        self._store.update(change)
