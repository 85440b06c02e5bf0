"""The models OSS Chat offers to download, and resolving one to exact files on the Hub.

A download is pinned before it starts: the Hub API gives the commit, and each file's exact
name, size and sha256, so resuming tomorrow fetches the same bytes and the checksum can be
verified. File names are matched, not hard-coded, because the MXFP4 file has been published
as both `gpt-oss-20b-mxfp4.gguf` and `gpt-oss-20b-MXFP4.gguf`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from app import APP_SLUG, __version__
from app.core.engine.config import DEFAULT_CONTEXT
from app.core.engine.memory import Fit, MemoryEstimate, estimate
from app.core.modelfiles import hub
from app.core.modelfiles.errors import DownloadError, NotFound
from app.core.modelfiles.gguf_info import REQUIRED_ARCHITECTURE, GGUFInfo

log = logging.getLogger(__name__)

_SPLIT = re.compile(r"^(?P<stem>.*)-(?P<index>\d{5})-of-(?P<count>\d{5})\.gguf$", re.IGNORECASE)
PREFERRED_QUANTIZATION = "mxfp4"


@dataclass(frozen=True)
class ModelShape:
    """The hyperparameters the memory estimate needs, known before any byte is downloaded."""

    n_layer: int
    n_expert: int
    n_embd: int = 2880
    n_head: int = 64
    n_head_kv: int = 8
    head_dim: int = 64
    n_ctx_train: int = 131072
    n_vocab: int = 201088
    sliding_window: int = 128


@dataclass(frozen=True)
class KnownModel:
    key: str
    title: str
    repo: str
    approx_bytes: int  # for offering it before the Hub is asked; resolve() gives the exact size
    shape: ModelShape


GPT_OSS_20B = KnownModel("gpt-oss-20b", "gpt-oss-20b", "ggml-org/gpt-oss-20b-GGUF",
                         12_109_566_624, ModelShape(n_layer=24, n_expert=32))
GPT_OSS_120B = KnownModel("gpt-oss-120b", "gpt-oss-120b", "ggml-org/gpt-oss-120b-GGUF",
                          63_387_346_944, ModelShape(n_layer=36, n_expert=128))
KNOWN_MODELS = (GPT_OSS_20B, GPT_OSS_120B)
DEFAULT_MODEL = GPT_OSS_20B


def known_model(repo: str) -> KnownModel | None:
    return next((m for m in KNOWN_MODELS if m.repo.lower() == repo.lower()), None)


@dataclass(frozen=True)
class RemoteFile:
    name: str  # path inside the repository
    size: int
    sha256: str


@dataclass(frozen=True)
class ResolvedModel:
    """One model at one commit: everything needed to download and verify it."""

    repo: str
    revision: str  # the commit sha, never a branch name
    files: tuple[RemoteFile, ...]  # split parts in order; the first one is given to llama.cpp

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)

    @property
    def primary(self) -> RemoteFile:
        return self.files[0]

    @property
    def name(self) -> str:
        stem = PurePosixPath(self.primary.name).name
        match = _SPLIT.match(stem)
        return match["stem"] if match else stem.removesuffix(".gguf")

    def to_dict(self) -> dict[str, Any]:
        return {"repo": self.repo, "revision": self.revision,
                "files": [{"name": f.name, "size": f.size, "sha256": f.sha256}
                          for f in self.files]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ResolvedModel:
        files = tuple(RemoteFile(str(f["name"]), int(f["size"]), str(f["sha256"]))
                      for f in data["files"])
        if not files:
            raise ValueError("a model without files")
        return cls(str(data["repo"]), str(data["revision"]), files)


def _split_sets(names: list[str]) -> dict[tuple[str, str], list[str]]:
    """GGUF files grouped into models: a split set is one model, any other file is one."""
    groups: dict[tuple[str, str], list[str]] = {}
    for name in names:
        path = PurePosixPath(name)
        match = _SPLIT.match(path.name)
        key = (str(path.parent), f"{match['stem']}#{match['count']}".lower()) if match else \
            (str(path.parent), path.name.lower())
        groups.setdefault(key, []).append(name)
    return {key: sorted(group, key=str.lower) for key, group in groups.items()}


def _complete_set(group: list[str], what: str) -> list[str]:
    match = _SPLIT.match(PurePosixPath(group[0]).name)
    if match and len(group) != int(match["count"]):
        raise NotFound(f"{what}: the split model {match['stem']} is incomplete on the Hub "
                       f"({len(group)} of {int(match['count'])} parts).")
    return group


def choose_files(names: list[str], repo: str, file: str | None = None) -> list[str]:
    """The repository files that make up the model to download, split parts in order.

    With `file`, that file (matched case-insensitively) and the rest of its split set;
    otherwise the MXFP4 GGUF, or the only GGUF there is.
    """
    ggufs = [n for n in names if n.lower().endswith(".gguf")]
    if file is not None:
        wanted = file.strip("/")
        found = next((n for n in names if n == wanted), None) or next(
            (n for n in names if n.lower() == wanted.lower()), None)
        if found is None:
            listing = ", ".join(ggufs) or "none"
            raise NotFound(f"{repo} has no file {file}. Its GGUF files: {listing}.")
        for group in _split_sets(ggufs).values():
            if found in group:
                return _complete_set(group, repo)
        return [found]
    candidates = [n for n in ggufs if PREFERRED_QUANTIZATION in n.lower()] or ggufs
    groups = list(_split_sets(candidates).values())
    if not groups:
        raise NotFound(f"{repo} has no GGUF model files.")
    if len(groups) > 1:
        listing = ", ".join(g[0] for g in groups)
        raise DownloadError(f"{repo} has several GGUF models; choose one with --file: {listing}")
    return _complete_set(groups[0], repo)


def resolve(repo: str, file: str | None = None, revision: str | None = None, *,
            timeout: float = 15.0) -> ResolvedModel:
    """Ask the Hub which exact files make up the model, with sizes, sha256 and the commit."""
    hub.require_online()
    from huggingface_hub import HfApi

    api = HfApi(endpoint=hub.endpoint(), library_name=APP_SLUG, library_version=__version__)
    try:
        info = api.model_info(repo, revision=revision, files_metadata=True, timeout=timeout)
    except Exception as exc:
        error = hub.translate(exc, what=repo if revision is None else f"{repo}@{revision}")
        if error is None:
            raise
        raise error from exc
    if not info.sha or not info.siblings:
        raise DownloadError(f"The Hub gave no file list for {repo}.")
    siblings = {s.rfilename: s for s in info.siblings}
    files = []
    for name in choose_files(list(siblings), repo, file):
        lfs = siblings[name].lfs
        if lfs is None:
            raise DownloadError(f"The Hub publishes no sha256 for {name}, so it cannot be "
                                "verified; OSS Chat downloads only verifiable model files.")
        files.append(RemoteFile(name, int(lfs.size), str(lfs.sha256).lower()))
    resolved = ResolvedModel(repo, info.sha, tuple(files))
    log.info("resolved %s at %s: %s (%d bytes)", repo, info.sha,
             ", ".join(f.name for f in files), resolved.total_bytes)
    return resolved


def expected_info(model: KnownModel, size: int | None = None) -> GGUFInfo:
    """What inspecting the downloaded file will say, for a memory estimate beforehand."""
    s = model.shape
    size = size if size is not None else model.approx_bytes
    return GGUFInfo(path=Path(model.key), architecture=REQUIRED_ARCHITECTURE, name=model.title,
                    n_layer=s.n_layer, n_embd=s.n_embd, n_head=s.n_head, n_head_kv=s.n_head_kv,
                    head_dim=s.head_dim, n_ctx_train=s.n_ctx_train, n_vocab=s.n_vocab,
                    sliding_window=s.sliding_window, n_expert=s.n_expert, tensor_bytes=size,
                    file_bytes=size, split_count=1, quantization="MXFP4")


def memory_fit(resolved: ResolvedModel, n_ctx: int | None = None, *,
               available: int | None = None) -> MemoryEstimate | None:
    """The engine's fits / tight / won't fit estimate before downloading; None for models
    whose shape is not known in advance (any repository other than the catalog's)."""
    model = known_model(resolved.repo)
    if model is None:
        return None
    return estimate(expected_info(model, resolved.total_bytes), n_ctx or DEFAULT_CONTEXT,
                    available=available)


def offered_models(available: int | None = None, n_ctx: int | None = None) -> list[KnownModel]:
    """The catalog models worth offering on this machine: gpt-oss-20b always (its label says
    whether it fits), the larger ones only where they can fit."""
    offered = [DEFAULT_MODEL]
    for model in KNOWN_MODELS:
        if model is DEFAULT_MODEL:
            continue
        fit = estimate(expected_info(model), n_ctx or DEFAULT_CONTEXT, available=available).fit
        if fit is not Fit.WONT_FIT:
            offered.append(model)
    return offered
