"""`oss-chat export`, run for real as `python -m app --data-dir DIR export …`."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.storage import ConversationStore

ROOT = Path(__file__).resolve().parents[2]


def _export(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app", "--data-dir", str(data_dir), "export",
                           *args], cwd=ROOT, capture_output=True, text=True, encoding="utf-8",
                          timeout=60, check=False)


def _chat(store: ConversationStore, question: str, answer: str) -> int:
    conversation = store.create_conversation()
    store.add_user_message(conversation.id, question)
    writer = store.begin_reply(conversation.id)
    writer.append_reasoning("thinking")
    writer.append_answer(answer)
    writer.finish()
    return conversation.id


@pytest.fixture
def filled(db_path: Path) -> list[int]:
    """Two conversations and a deleted one; ids in list order (newest first)."""
    with ConversationStore.open(db_path) as store:
        _chat(store, "Bonjour, ça va ?", "Très bien, merci.")
        _chat(store, "Second question", "Second answer")
        deleted = _chat(store, "Deleted question", "Deleted answer")
        store.delete_conversation(deleted)
        return store.conversation_ids()


def test_everything_as_one_json_document_on_stdout(data_dir: Path, db_path: Path,
                                                   filled: list[int]) -> None:
    result = _export(data_dir)
    assert result.returncode == 0, result.stderr
    bundle = json.loads(result.stdout)
    assert bundle["format"] == "oss-chat-conversations"
    assert [doc["conversation"]["id"] for doc in bundle["conversations"]] == filled
    with ConversationStore.open(db_path, read_only=True) as store:
        assert bundle["conversations"] == [store.export_json(i) for i in filled]
    assert _export(data_dir, "--all", "--format", "json").stdout == result.stdout


def test_one_conversation_as_markdown(data_dir: Path, db_path: Path,
                                      filled: list[int]) -> None:
    result = _export(data_dir, "--conversation", str(filled[-1]), "--format", "markdown")
    assert result.returncode == 0, result.stderr
    with ConversationStore.open(db_path, read_only=True) as store:
        assert result.stdout == store.export_markdown(filled[-1])
    assert result.stdout.startswith("# Bonjour, ça va ?")


def test_one_conversation_as_json_imports_back(data_dir: Path, filled: list[int]) -> None:
    result = _export(data_dir, "--conversation", str(filled[0]))
    document = json.loads(result.stdout)
    assert document["format"] == "oss-chat-conversation"
    with ConversationStore.open(":memory:") as other:
        imported = other.import_json(document)
        assert [m.answer for m in other.active_branch(imported)] == ["Second question",
                                                                     "Second answer"]


@pytest.mark.parametrize("missing", ["999", "deleted"])
def test_an_unknown_conversation_is_a_one_line_error(data_dir: Path, db_path: Path,
                                                     filled: list[int], missing: str) -> None:
    if missing == "deleted":
        missing = str(max(filled) + 1)  # the deleted one was created last
    result = _export(data_dir, "--conversation", missing)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines()[-1] == f"oss-chat: no conversation with id {missing}"


def test_out_file_and_out_folder(data_dir: Path, tmp_path: Path, filled: list[int]) -> None:
    target = tmp_path / "backup.md"
    result = _export(data_dir, "--format", "markdown", "--out", str(target))
    assert result.returncode == 0 and result.stdout == ""
    text = target.read_text(encoding="utf-8")
    assert text.count("\n---\n") == 1 and "Second answer" in text and "Deleted" not in text
    folder = tmp_path / "per-conversation"
    folder.mkdir()
    assert _export(data_dir, "--out", str(folder)).returncode == 0
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted([f"{filled[0]}-second-question.json",
                            f"{filled[1]}-bonjour-ça-va.json"])
    for path in folder.iterdir():
        assert json.loads(path.read_text(encoding="utf-8"))["format"] == "oss-chat-conversation"


def test_export_never_changes_the_database(data_dir: Path, db_path: Path,
                                           filled: list[int]) -> None:
    with ConversationStore.open(db_path) as store:  # the app is running, mid-reply
        conversation = store.create_conversation()
        store.add_user_message(conversation.id, "still streaming")
        writer = store.begin_reply(conversation.id)
        writer.append_answer("partial")
        writer.flush()
        digest = hashlib.sha256(db_path.read_bytes()).hexdigest()
        result = _export(data_dir, "--conversation", str(conversation.id))
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["messages"][1]["status"] == "streaming"
        assert hashlib.sha256(db_path.read_bytes()).hexdigest() == digest
        assert store.get_message(writer.message_id).status == "streaming"
        writer.finish()


def test_no_database_yet_exports_nothing_and_creates_nothing(data_dir: Path,
                                                             db_path: Path) -> None:
    result = _export(data_dir)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["conversations"] == []
    assert not db_path.exists()


def test_all_and_conversation_together_are_refused(data_dir: Path) -> None:
    result = _export(data_dir, "--all", "--conversation", "1")
    assert result.returncode == 2 and "not allowed with argument" in result.stderr


def test_a_damaged_database_is_reported_not_touched(data_dir: Path, db_path: Path) -> None:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    db_path.write_bytes(b"garbage" * 1000)
    result = _export(data_dir)
    assert result.returncode == 1
    assert "damaged" in result.stderr
    assert db_path.read_bytes() == b"garbage" * 1000


def test_an_unwritable_out_path_is_a_one_line_error(data_dir: Path, tmp_path: Path,
                                                    filled: list[int]) -> None:
    target = tmp_path / "missing-folder" / "backup.json"
    result = _export(data_dir, "--out", str(target))
    assert result.returncode == 1
    assert result.stderr.strip() == f"oss-chat: cannot write {target}: No such file or directory"
    assert not target.parent.exists()
