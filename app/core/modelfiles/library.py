"""The models on this computer: downloaded ones and GGUF files the user added from disk.

Everything here is local: listing, adding, removing and choosing the default never touch the
network, so Settings works offline. Added files are referenced where they are, never copied
(a 12 GB copy would surprise anyone); only files the app downloaded are ever deleted.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from app.core.modelfiles.download import PART_SUFFIX
from app.core.modelfiles.gguf_info import ModelFileError, inspect_gguf, split_parts
from app.core.modelfiles.jsonstore import JsonStore
from app.core.modelfiles.manifest import DownloadedModel, DownloadManifest, remove_empty_dirs
from app.core.paths import AppPaths

log = logging.getLogger(__name__)

LIBRARY_VERSION = 1
Source = Literal["downloaded", "added"]


@dataclass(frozen=True)
class LocalModel:
    path: Path  # the file to give llama.cpp (the first part of a split model)
    name: str
    size: int  # bytes, all parts together
    quantization: str
    source: Source
    verified: bool  # its sha256 matched the Hub's after the app downloaded it
    repo: str | None = None
    revision: str | None = None
    problem: str | None = None  # why it cannot be used right now (moved, deleted, damaged)

    @property
    def usable(self) -> bool:
        return self.problem is None


@functools.lru_cache(maxsize=64)
def _describe(path: Path, size: int, mtime_ns: int) -> tuple[str, str, int]:
    """Name, quantization and size from the GGUF header; cached while the file is unchanged."""
    info = inspect_gguf(path)
    return info.name, info.quantization, info.file_bytes


def _inspect(path: Path) -> tuple[str, str, int]:
    stat = path.stat()
    return _describe(path, stat.st_size, stat.st_mtime_ns)


def _same_file(a: Path, b: Path) -> bool:
    return a.absolute() == b.absolute()


class ModelLibrary:
    """The list Settings shows, and the default model the app loads.

    `notices` collects things the user should be told once (e.g. a damaged list file was
    set aside); the library keeps working in every case.
    """

    def __init__(self, paths: AppPaths) -> None:
        self.paths = paths
        self.manifest = DownloadManifest(paths.models)
        self._store = JsonStore(paths.model_library_file, LIBRARY_VERSION, "the model list")
        self._load()  # a damaged file is set aside now, so `notices` tells at start-up

    def _load(self) -> tuple[str | None, list[str]]:
        """The default and the added files, read afresh: the command line (or another
        window) may have changed them since."""
        data = self._store.load()
        default = data.get("default")
        added = data.get("added")
        return (default if isinstance(default, str) else None,
                [a for a in added if isinstance(a, str)] if isinstance(added, list) else [])

    @property
    def notices(self) -> list[str]:
        return [n for n in (self._store.notice, self.manifest.notice) if n]

    def models(self) -> list[LocalModel]:
        """Downloaded models first, then added files, in the order they were added."""
        downloaded = [self._downloaded(entry) for entry in self.manifest.models()]
        seen = {m.path.absolute() for m in downloaded}
        added = [self._added_model(Path(a)) for a in self._load()[1]
                 if Path(a).absolute() not in seen]
        return downloaded + added

    def find(self, path: Path) -> LocalModel | None:
        path = split_parts(Path(path))[0]
        return next((m for m in self.models() if _same_file(m.path, path)), None)

    @property
    def default(self) -> LocalModel | None:
        """The model to load at start-up, when it is still listed."""
        default = self._load()[0]
        return None if default is None else self.find(Path(default))

    def set_default(self, model: LocalModel | Path | None) -> None:
        value = None
        if model is not None:
            path = model.path if isinstance(model, LocalModel) else Path(model)
            found = self.find(path)
            if found is None:
                raise ModelFileError(f"{path.name} is not in the model list; add it first.")
            value = str(found.path.absolute())
        self._store.update(lambda data: data.update(default=value))

    def add_file(self, path: Path) -> LocalModel:
        """Validate a GGUF file without loading it and remember where it is.

        Raises ModelFileError with a message for the user (not GGUF, truncated, not gpt-oss,
        a split set with parts missing, an unfinished download).
        """
        path = Path(path).expanduser().absolute()
        if path.name.endswith((PART_SUFFIX, ".incomplete")):
            raise ModelFileError(f"{path.name} is an unfinished download, not a model file.")
        inspect_gguf(path)  # raises with the reason
        path = split_parts(path)[0]
        existing = self.find(path)
        if existing is not None:
            return existing
        self._store.update(lambda data: data.update(added=[*self._load()[1], str(path)]))
        model = self._added_model(path)
        log.info("added model file %s", path)
        return model

    def remove(self, model: LocalModel) -> None:
        """Delete a downloaded model's files, or forget an added file (left on disk)."""
        if model.source == "downloaded":
            for entry in self.manifest.models():
                if _same_file(entry.path, model.path):
                    self._delete_download(entry)

        def forget(data: dict[str, Any]) -> None:
            default, added = self._load()
            data["added"] = [a for a in added if not _same_file(Path(a), model.path)]
            if default is not None and _same_file(Path(default), model.path):
                data["default"] = None

        self._store.update(forget)

    def _delete_download(self, entry: DownloadedModel) -> None:
        self.manifest.remove_model(entry.resolved)  # first: never list a half-deleted model
        for path in entry.file_paths:
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:
                log.warning("cannot delete %s: %s", path, exc)
        remove_empty_dirs(entry.folder, self.paths.models)
        log.info("removed downloaded model %s", entry.path)

    def _downloaded(self, entry: DownloadedModel) -> LocalModel:
        resolved = entry.resolved
        base: dict[str, Any] = {"path": entry.path, "name": resolved.name,
                                "size": resolved.total_bytes, "quantization": "unknown",
                                "source": "downloaded", "repo": resolved.repo,
                                "revision": resolved.revision}
        missing = entry.missing()
        if missing:
            return LocalModel(**base, verified=False,
                              problem="Missing or changed since download: " + ", ".join(missing))
        try:
            name, quantization, _ = _inspect(entry.path)
        except (ModelFileError, OSError) as exc:
            return LocalModel(**base, verified=False, problem=str(exc))
        return LocalModel(**{**base, "name": name, "quantization": quantization},
                          verified=True)

    def _added_model(self, path: Path) -> LocalModel:
        try:
            name, quantization, size = _inspect(path)
        except FileNotFoundError:
            return LocalModel(path, path.stem, 0, "unknown", "added", False,
                              problem=f"{path} is no longer there (moved or deleted?).")
        except (ModelFileError, OSError) as exc:
            return LocalModel(path, path.stem, 0, "unknown", "added", False, problem=str(exc))
        return LocalModel(path, name, size, quantization, "added", False)
