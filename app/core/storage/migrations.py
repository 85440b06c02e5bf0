"""Applying schema migrations safely.

Upgrades are where other chat apps lose people's history, so: a database from a newer version
is refused before anything is written to it; an older one is first copied next to itself (with
SQLite's online backup API, which gives a consistent copy even with a WAL file); then each
migration runs in its own transaction together with its `user_version` bump, so a failure
leaves the database at the last good version.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path

from app.core.storage.errors import DatabaseTooNewError, StorageError, translate
from app.core.storage.schema import MIGRATIONS, Migration

log = logging.getLogger(__name__)


def user_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def latest_version(migrations: Sequence[Migration] | None = None) -> int:
    return (MIGRATIONS if migrations is None else migrations)[-1].version


def refuse_if_too_new(found: int, path: Path | None,
                      migrations: Sequence[Migration] | None = None) -> None:
    latest = latest_version(migrations)
    if found > latest:
        raise DatabaseTooNewError(
            f"{path or 'The conversation database'} was written by a newer version of OSS Chat "
            f"(database version {found}; this version understands up to version {latest}). "
            "It was not changed. Update OSS Chat to open it.")


def backup_path_for(path: Path, from_version: int, now: float) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    candidate = path.with_name(f"{path.name}.v{from_version}-backup-{stamp}")
    counter = 1
    while candidate.exists():
        counter += 1
        candidate = path.with_name(f"{path.name}.v{from_version}-backup-{stamp}-{counter}")
    return candidate


def copy_database(conn: sqlite3.Connection, target: Path) -> None:
    """A consistent copy of the open database (committed data, WAL included) at `target`."""
    copy = sqlite3.connect(target)
    try:
        conn.backup(copy)
    finally:
        copy.close()


def migrate(conn: sqlite3.Connection, path: Path | None, *, now: float,
            migrations: Sequence[Migration] | None = None) -> Path | None:
    """Bring the database up to the last migration; returns the pre-migration copy, if any.

    `conn` must be in autocommit mode (isolation_level=None): each migration opens its own
    transaction.
    """
    migrations = MIGRATIONS if migrations is None else migrations
    found = user_version(conn)
    refuse_if_too_new(found, path, migrations)
    pending = [m for m in migrations if m.version > found]
    if not pending:
        return None
    backup: Path | None = None
    if found > 0 and path is not None:
        backup = backup_path_for(path, found, now)
        try:
            copy_database(conn, backup)
        except (sqlite3.Error, OSError) as exc:
            backup.unlink(missing_ok=True)
            raise StorageError(
                f"Cannot upgrade {path}: making a copy of it first failed ({exc}). "
                "The database was not changed.") from exc
        log.info("Copied the database to %s before upgrading it from version %d", backup, found)
    for migration in pending:
        _apply(conn, migration, path, backup)
    log.info("Database %s upgraded from version %d to %d", path or ":memory:", found,
             pending[-1].version)
    return backup


def _apply(conn: sqlite3.Connection, migration: Migration, path: Path | None,
           backup: Path | None) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in migration.statements:
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {int(migration.version)}")
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        if conn.in_transaction:  # SQLite has already rolled back after some errors
            conn.execute("ROLLBACK")
        environment = translate(exc, path)
        reached = user_version(conn)
        copy_note = f" A copy made before the upgrade is at {backup}." if backup else ""
        raise StorageError(
            f"Upgrading the conversation database to version {migration.version} "
            f"({migration.description}) failed: {environment or exc}. It was left at version "
            f"{reached}.{copy_note}") from exc
