"""Opening safely: settings, migrations, newer files, damaged files, read-only and full disks."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from app.core.storage import (
    ConversationStore,
    DatabaseCorruptError,
    DatabaseTooNewError,
    DiskFullError,
    ReadOnlyDatabaseError,
    StorageError,
)
from app.core.storage import migrations as migrations_module
from app.core.storage.schema import MIGRATIONS, SCHEMA_VERSION, Migration


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fill(path: Path, conversations: int = 3) -> list[int]:
    with ConversationStore.open(path) as store:
        ids = []
        for index in range(conversations):
            conversation = store.create_conversation()
            store.add_user_message(conversation.id, f"question {index} " + "text " * 200)
            writer = store.begin_reply(conversation.id)
            writer.append_answer(f"answer {index}")
            writer.finish()
            ids.append(conversation.id)
    return ids


def _files_but_wal_and_shm(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(("-wal", "-shm")))


def _pragma(path: Path, name: str) -> object:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        conn.close()


def test_the_database_uses_wal_foreign_keys_and_a_schema_version(
        store: ConversationStore, db_path: Path) -> None:
    assert _pragma(db_path, "journal_mode") == "wal"
    assert _pragma(db_path, "user_version") == SCHEMA_VERSION
    assert _pragma(db_path, "auto_vacuum") == 2  # incremental: purges give space back
    with store._db.read() as conn:  # per-connection settings, so ask the store's connection
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("INSERT INTO messages (conversation_id, role, created_at, updated_at)"
                         " VALUES (12345, 'user', 0, 0)")


def test_a_database_from_a_newer_version_is_refused_untouched(db_path: Path) -> None:
    _fill(db_path)
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 6}")
    conn.close()
    before = _digest(db_path)
    files_before = _files_but_wal_and_shm(db_path.parent)
    with pytest.raises(DatabaseTooNewError) as raised:
        ConversationStore.open(db_path)
    message = str(raised.value)
    assert f"version {SCHEMA_VERSION + 6}" in message and f"version {SCHEMA_VERSION}" in message
    assert "not changed" in message
    assert _digest(db_path) == before
    assert _files_but_wal_and_shm(db_path.parent) == files_before  # no copy, nothing moved
    with pytest.raises(DatabaseTooNewError):
        ConversationStore.open(db_path, read_only=True)


_ADD_COLOUR = Migration(SCHEMA_VERSION + 1, "conversation colours",
                        ("ALTER TABLE conversations ADD COLUMN colour TEXT",))
_BROKEN = Migration(SCHEMA_VERSION + 1, "a broken step",
                    ("ALTER TABLE conversations ADD COLUMN colour TEXT",
                     "THIS IS NOT SQL"))


def test_an_upgrade_copies_the_file_first_then_migrates(db_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _fill(db_path)
    monkeypatch.setattr(migrations_module, "MIGRATIONS", (*MIGRATIONS, _ADD_COLOUR))
    with ConversationStore.open(db_path) as store:
        assert store.conversation_ids() == ids[::-1]
    assert _pragma(db_path, "user_version") == SCHEMA_VERSION + 1
    backups = list(db_path.parent.glob(f"{db_path.name}.v{SCHEMA_VERSION}-backup-*"))
    assert len(backups) == 1
    assert _pragma(backups[0], "user_version") == SCHEMA_VERSION
    with ConversationStore.open(backups[0], read_only=True) as copy:
        assert copy.conversation_ids() == ids[::-1]


def test_a_failed_migration_is_rolled_back_and_reported(db_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _fill(db_path)
    monkeypatch.setattr(migrations_module, "MIGRATIONS", (*MIGRATIONS, _BROKEN))
    with pytest.raises(StorageError) as raised:
        ConversationStore.open(db_path)
    assert f"left at version {SCHEMA_VERSION}" in str(raised.value)
    assert "A copy made before the upgrade is at" in str(raised.value)
    monkeypatch.undo()
    assert _pragma(db_path, "user_version") == SCHEMA_VERSION
    with ConversationStore.open(db_path) as store:  # the first statement was rolled back too
        assert store.conversation_ids() == ids[::-1]
        with store._db.read() as conn:
            columns = [row[1] for row in conn.execute("PRAGMA table_info(conversations)")]
        assert "colour" not in columns


def test_an_older_file_is_read_without_changing_it_in_read_only_mode(
        db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _fill(db_path)
    before = _digest(db_path)
    monkeypatch.setattr(migrations_module, "MIGRATIONS", (*MIGRATIONS, _ADD_COLOUR))
    with ConversationStore.open(db_path, read_only=True) as store:
        assert store.conversation_ids() == ids[::-1]
    assert _digest(db_path) == before
    assert _pragma(db_path, "user_version") == SCHEMA_VERSION


def _assert_moved_aside(db_path: Path, store: ConversationStore, content: bytes) -> Path:
    assert store.notice is not None
    moved = [p for p in db_path.parent.iterdir() if ".corrupt-" in p.name
             and not p.name.endswith(("-wal", "-shm"))]
    assert len(moved) == 1
    assert moved[0].read_bytes() == content
    assert str(moved[0]) in store.notice
    assert store.count_conversations() == 0
    store.add_user_message(store.create_conversation().id, "a fresh start works")
    return moved[0]


def test_a_file_that_is_not_a_database_is_moved_aside(db_path: Path) -> None:
    garbage = os.urandom(10_000)
    db_path.write_bytes(garbage)
    Path(f"{db_path}-wal").write_bytes(b"stale wal")
    with ConversationStore.open(db_path) as store:
        moved = _assert_moved_aside(db_path, store, garbage)
        assert "could not be read" in (store.notice or "")
    assert Path(f"{moved}-wal").read_bytes() == b"stale wal"


def test_a_truncated_database_is_moved_aside(db_path: Path) -> None:
    _fill(db_path, conversations=40)
    data = db_path.read_bytes()
    assert len(data) > 20 * 4096
    truncated = data[: len(data) // 2]
    db_path.write_bytes(truncated)
    with ConversationStore.open(db_path) as store:
        _assert_moved_aside(db_path, store, truncated)


def test_a_database_of_another_program_is_moved_aside(db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    content = db_path.read_bytes()
    with ConversationStore.open(db_path) as store:
        _assert_moved_aside(db_path, store, content)


def test_read_only_mode_never_moves_a_damaged_file(db_path: Path) -> None:
    db_path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(DatabaseCorruptError):
        ConversationStore.open(db_path, read_only=True)
    assert db_path.exists() and not list(db_path.parent.glob("*.corrupt-*"))


def test_a_store_opened_read_only_refuses_writes(db_path: Path) -> None:
    ids = _fill(db_path)
    with ConversationStore.open(db_path, read_only=True) as store:
        assert store.read_only
        assert store.conversation_ids() == ids[::-1]
        with pytest.raises(ReadOnlyDatabaseError, match="read-only"):
            store.rename(ids[0], "x")


def test_a_missing_file_opens_read_only_as_an_empty_store(db_path: Path) -> None:
    with ConversationStore.open(db_path, read_only=True) as store:
        assert store.conversation_ids() == []
    assert not db_path.exists()


@contextmanager
def _unprivileged() -> Iterator[None]:
    """Drop root's rights (which ignore file modes) for the duration; no-op for other users."""
    if os.geteuid() != 0:
        yield
        return
    import pwd

    nobody = pwd.getpwnam("nobody")
    os.setegid(nobody.pw_gid)
    os.seteuid(nobody.pw_uid)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder the unprivileged user can reach (pytest's own are private to root)."""
    with tempfile.TemporaryDirectory(prefix="oss-chat-ro-") as name:
        folder = Path(name)
        folder.chmod(0o755)
        try:
            yield folder
        finally:
            for path in [folder, *folder.rglob("*")]:
                path.chmod(0o777 if path.is_dir() else 0o666)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
@pytest.mark.parametrize("read_only", ["file", "folder"])
def test_a_read_only_file_or_folder_is_reported_and_nothing_is_lost(
        shared_folder: Path, read_only: str) -> None:
    data = shared_folder / "data"
    data.mkdir()
    db_path = data / "conversations.sqlite3"
    ids = _fill(db_path)
    before = _digest(db_path)
    if read_only == "file":
        data.chmod(0o777)
        db_path.chmod(0o444)
    else:
        db_path.chmod(0o666)
        data.chmod(0o555)
    with _unprivileged(), pytest.raises(ReadOnlyDatabaseError) as raised:
        ConversationStore.open(db_path)
    assert "read-only" in str(raised.value) and "Nothing already saved was lost" in str(
        raised.value)
    assert _digest(db_path) == before
    data.chmod(0o755)
    db_path.chmod(0o644)
    with ConversationStore.open(db_path) as store:
        assert store.conversation_ids() == ids[::-1]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_a_folder_that_cannot_be_created_is_reported(shared_folder: Path) -> None:
    shared_folder.chmod(0o555)
    with _unprivileged(), pytest.raises(StorageError, match="Cannot create the folder"):
        ConversationStore.open(shared_folder / "data" / "conversations.sqlite3")


def test_a_full_disk_is_reported_and_nothing_is_lost(store: ConversationStore) -> None:
    conversation = store.create_conversation()
    store.add_user_message(conversation.id, "kept")
    writer = store.begin_reply(conversation.id)
    with store._db.read() as conn:  # simulate a full disk: the file may not grow any more
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
    writer.append_answer("x" * 200_000)
    with pytest.raises(DiskFullError, match=r"disk .* is full"):
        writer.flush()
    with pytest.raises(DiskFullError):
        for index in range(1000):
            store.add_user_message(conversation.id, f"{index} " + "y" * 5000)
    assert [m.answer for m in store.active_branch(conversation.id)][:2] == ["kept", ""]
    with store._db.read() as conn:  # space is freed
        conn.execute("PRAGMA max_page_count = 1073741823")
    assert writer.finish().answer == "x" * 200_000  # the text was kept for the next write


def test_a_database_turning_read_only_mid_session_loses_no_reply_text(
        store: ConversationStore) -> None:
    conversation = store.create_conversation()
    store.add_user_message(conversation.id, "hi")
    writer = store.begin_reply(conversation.id)
    writer.append_answer("important text")
    with store._db.read() as conn:
        conn.execute("PRAGMA query_only = ON")
    with pytest.raises(ReadOnlyDatabaseError):
        writer.finish()
    with store._db.read() as conn:
        conn.execute("PRAGMA query_only = OFF")
    assert writer.finish().answer == "important text"


def test_a_version_1_database_gains_the_python_tool_permission(tmp_path: Path) -> None:
    """A file from the first release is copied, upgraded, and keeps every conversation."""
    db_path = tmp_path / "conversations.sqlite3"
    with closing(sqlite3.connect(db_path)) as conn:
        for statement in MIGRATIONS[0].statements:
            conn.execute(statement)
        conn.execute("INSERT INTO conversations (title, title_source, created_at, updated_at,"
                     " pinned, effort, instructions, model) VALUES"
                     " ('Old chat', 'user', 1, 1, 0, 'high', '', '')")
        conn.execute("PRAGMA user_version = 1")
        conn.commit()
    store = ConversationStore.open(db_path)
    try:
        (old,) = store.list_conversations(10).conversations
        assert (old.title, old.effort, old.python_tool) == ("Old chat", "high", "off")
        store.set_python_tool(old.id, "always")
        assert store.get_conversation(old.id).python_tool == "always"
        again = store.import_json(store.export_json(old.id))
        assert store.get_conversation(again).python_tool == "always"
    finally:
        store.close()
    assert _pragma(db_path, "user_version") == 2
    assert list(tmp_path.glob("conversations.sqlite3.v1-backup-*"))
