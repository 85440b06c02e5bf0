"""Write a small generated gpt-oss model for `oss-chat --self-test --model` in CI.

The model comes from the test suite's generator (tests/modelgen): real gpt-oss architecture,
a few MB, answering with a fixed harmony reply, so a bundle's self-test loads and runs real
llama.cpp without downloading the 12 GB model. `python packaging/selftest_model.py OUT.gguf`
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPLY = "<|channel|>final<|message|>Hello from the OSS Chat self-test.<|return|>"


def write_model(path: Path) -> Path:
    sys.path.insert(0, str(ROOT))
    from tests.modelgen.scripted import split_markers, write_scripted_model

    path.parent.mkdir(parents=True, exist_ok=True)
    return write_scripted_model(path, split_markers(REPLY)).path


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} OUT.gguf")
    print(write_model(Path(sys.argv[1])))  # noqa: T201
