"""Where OSS Chat keeps its files.

By default the platform's folders (via platformdirs); with `--data-dir DIR` everything
lives under DIR, which makes the app portable and lets every test use a fresh folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import platformdirs

from app import APP_SLUG

_APP_AUTHOR: Literal[False] = False  # no vendor folder level on Windows


@dataclass(frozen=True)
class AppPaths:
    data: Path
    config: Path
    logs: Path
    cache: Path

    @property
    def models(self) -> Path:
        return self.data / "models"

    @property
    def database(self) -> Path:
        return self.data / "conversations.sqlite3"

    @property
    def settings_file(self) -> Path:
        return self.config / "settings.json"

    @property
    def model_library_file(self) -> Path:
        """The user's model choices: the default model and GGUF files added from disk."""
        return self.config / "models.json"

    @classmethod
    def platform_default(cls) -> AppPaths:
        return cls(
            data=Path(platformdirs.user_data_dir(APP_SLUG, _APP_AUTHOR)),
            config=Path(platformdirs.user_config_dir(APP_SLUG, _APP_AUTHOR)),
            logs=Path(platformdirs.user_log_dir(APP_SLUG, _APP_AUTHOR)),
            cache=Path(platformdirs.user_cache_dir(APP_SLUG, _APP_AUTHOR)),
        )

    @classmethod
    def under(cls, root: Path) -> AppPaths:
        root = root.expanduser().resolve()
        return cls(data=root / "data", config=root / "config", logs=root / "logs",
                   cache=root / "cache")

    @classmethod
    def resolve(cls, data_dir: Path | None) -> AppPaths:
        return cls.under(data_dir) if data_dir is not None else cls.platform_default()

    def ensure(self) -> AppPaths:
        """Create the folders; raises OSError with the path when that is impossible."""
        for folder in (self.data, self.config, self.logs, self.cache, self.models):
            folder.mkdir(parents=True, exist_ok=True)
        return self
