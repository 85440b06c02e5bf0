"""Opening the SQLite file safely, and running statements on it from any thread.

Opening never loses data: a file from a newer version is refused untouched; a file that is
not a readable database is moved aside (never deleted) and a fresh one started, with a notice
for the user; a read-only file or folder is reported at once instead of at the first save.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.core.storage.errors import (
    DatabaseCorruptError,
    StorageError,
    is_corruption,
    translate,
)
from app.core.storage.migrations import (
    latest_version,
    migrate,
    refuse_if_too_new,
    user_version,
)

log = logging.getLogger(__name__)

MEMORY = ":memory:"
_BUSY_TIMEOUT_SECONDS = 5.0
_JOURNAL_SIZE_LIMIT = 16 * 1024 * 1024
_SIDE_FILES = ("", "-wal", "-shm", "-journal")


class Database:
    """One connection, shared by the threads that use the store, one at a time.

    The GUI thread reads and edits while a generation worker streams a reply; a lock
    serialises them on this connection. `write()` is one IMMEDIATE transaction, `read()` one
    read transaction (a snapshot); nested calls join the outer one. Both turn environment
    failures (full disk, read-only file) into StorageError with a message for the user.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path | None, *, read_only: bool) -> None:
        self._conn = conn
        self.path = path
        self.read_only = read_only
        self._lock = threading.RLock()
        self._write_depth = 0

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """One consistent snapshot for several statements (another process may be writing)."""
        with self._lock:
            own = not self._conn.in_transaction
            try:
                if own:
                    self._conn.execute("BEGIN")
                yield self._conn
            except sqlite3.Error as exc:
                raise (translate(exc, self.path) or exc) from exc
            finally:
                if own and self._conn.in_transaction:
                    self._conn.execute("COMMIT")

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._write_depth:
                self._write_depth += 1
                try:
                    yield self._conn
                finally:
                    self._write_depth -= 1
                return
            if self._conn.in_transaction:
                raise RuntimeError("cannot write inside a read snapshot")
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise (translate(exc, self.path) or exc) from exc
            self._write_depth = 1
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException as exc:
                self._rollback()
                if isinstance(exc, sqlite3.Error):
                    raise (translate(exc, self.path) or exc) from exc
                raise
            finally:
                self._write_depth = 0

    def _rollback(self) -> None:
        if not self._conn.in_transaction:  # SQLite rolls back by itself after some errors
            return
        try:
            self._conn.execute("ROLLBACK")
        except sqlite3.Error:
            log.exception("Rolling back a failed transaction failed")

    def close(self) -> None:
        with self._lock:
            if not self.read_only:
                try:
                    self._conn.execute("PRAGMA optimize")
                except sqlite3.Error as exc:
                    log.debug("PRAGMA optimize failed on close: %s", exc)
            self._conn.close()


def connect(target: str, *, uri: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode: the store issues BEGIN/COMMIT itself."""
    return sqlite3.connect(target, uri=uri, isolation_level=None, check_same_thread=False,
                           timeout=_BUSY_TIMEOUT_SECONDS)


def open_database(path: Path | str, *, read_only: bool = False,
                  now: float | None = None) -> tuple[Database, str | None]:
    """Open (creating or upgrading) the database; returns it and a notice for the user, if any.

    `path` may be ":memory:" for a private in-memory database. With `read_only` nothing is
    ever written: no upgrade in place (an older file is upgraded in a copy in memory), no
    moving aside of a damaged file.
    """
    now = time.time() if now is None else now
    if str(path) == MEMORY:
        conn = connect(MEMORY)
        _configure(conn, None)
        migrate(conn, None, now=now)
        return Database(conn, None, read_only=read_only), None
    path = Path(path)
    if read_only:
        return _open_read_only(path, now), None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"Cannot create the folder {path.parent}: {exc.strerror}.") from exc
    try:
        return _open_read_write(path, now), None
    except DatabaseCorruptError as exc:
        moved = move_aside(path, now)
        log.warning("Moved the unreadable database %s aside to %s: %s", path, moved, exc)
        notice = (f"Your conversation database could not be read ({exc.reason}). "
                  f"It was kept as {moved} and a new, empty database was started.")
        return _open_read_write(path, now), notice


def _open_read_write(path: Path, now: float) -> Database:
    if path.exists():
        _inspect(path)
    conn = _connect_checked(str(path), path)
    try:
        found = user_version(conn)
        refuse_if_too_new(found, path)
        if found == 0:
            _prepare_new(conn, path)
        _configure(conn, path)
        _check_writable(conn, path)
        migrate(conn, path, now=now)
    except BaseException:
        conn.close()
        raise
    return Database(conn, path, read_only=False)


def _open_read_only(path: Path, now: float) -> Database:
    if not path.exists():  # nothing saved yet: an empty store
        conn = connect(MEMORY)
        migrate(conn, None, now=now)
        return Database(conn, None, read_only=True)
    conn = _connect_checked(f"{path.resolve().as_uri()}?mode=ro", path, uri=True)
    try:
        found = _probe(conn, path)
        refuse_if_too_new(found, path)
        if found < latest_version():
            memory = connect(MEMORY)
            conn.backup(memory)
            conn.close()
            conn = memory
            migrate(conn, None, now=now)
        conn.execute("PRAGMA query_only = ON")
    except sqlite3.Error as exc:
        conn.close()
        raise (translate(exc, path) or exc) from exc
    except BaseException:
        conn.close()
        raise
    return Database(conn, path, read_only=True)


def _inspect(path: Path) -> None:
    """Check an existing file through a read-only connection before opening it for writing.

    A read-write connection would replay or checkpoint a WAL file into a damaged database when
    it closes; a read-only one leaves every file as it was, ready to be moved aside intact.
    """
    conn = _connect_checked(f"{path.resolve().as_uri()}?mode=ro", path, uri=True)
    try:
        refuse_if_too_new(_probe(conn, path), path)
    finally:
        conn.close()


def _connect_checked(target: str, path: Path, *, uri: bool = False) -> sqlite3.Connection:
    try:
        return connect(target, uri=uri)
    except sqlite3.Error as exc:
        raise (translate(exc, path) or StorageError(f"Cannot open {path}: {exc}")) from exc


def _probe(conn: sqlite3.Connection, path: Path) -> int:
    """The schema version, after checking the file really is an intact database of ours."""
    try:
        found = user_version(conn)
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if found == 0 and tables:
            raise DatabaseCorruptError(path, "it holds another program's tables")
        if found:
            problems = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
            if problems != ["ok"]:
                raise DatabaseCorruptError(path, "; ".join(problems))
    except sqlite3.Error as exc:
        if is_corruption(exc):
            raise DatabaseCorruptError(path, str(exc)) from exc
        raise (translate(exc, path) or exc) from exc
    return found


def _prepare_new(conn: sqlite3.Connection, path: Path) -> None:
    """Settings that only a database without tables accepts."""
    try:
        # Space freed by purged conversations is given back to the file system.
        conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
    except sqlite3.Error as exc:
        raise (translate(exc, path) or exc) from exc


def _configure(conn: sqlite3.Connection, path: Path | None) -> None:
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        if path is not None:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                log.warning("SQLite refused WAL mode for %s (using %s)", path, mode)
            conn.execute("PRAGMA synchronous = NORMAL")  # durable enough with WAL, much faster
            conn.execute(f"PRAGMA journal_size_limit = {_JOURNAL_SIZE_LIMIT}")
        # Deleted conversations are overwritten inside the file, not just unlinked from it.
        conn.execute("PRAGMA secure_delete = FAST")
    except sqlite3.Error as exc:
        raise (translate(exc, path) or exc) from exc


def _check_writable(conn: sqlite3.Connection, path: Path) -> None:
    """Report a read-only file or folder now rather than at the first save."""
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(f"PRAGMA user_version = {user_version(conn)}")
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
    except sqlite3.Error as exc:
        raise (translate(exc, path) or exc) from exc


def move_aside(path: Path, now: float) -> Path:
    """Rename the database and its side files to `<name>.corrupt-<time>`; never deletes."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    counter = 1
    while any(Path(f"{target}{side}").exists() for side in _SIDE_FILES):
        counter += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{counter}")
    try:
        for side in _SIDE_FILES:
            source = Path(f"{path}{side}")
            if source.exists():
                source.replace(Path(f"{target}{side}"))
    except OSError as exc:
        raise StorageError(
            f"{path} is damaged and could not be moved aside ({exc.strerror}); "
            "move it away yourself to start with a new database.") from exc
    return target
