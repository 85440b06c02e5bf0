"""Storage errors, split the way the user needs them.

`StorageError` and its subclasses mean "the environment is broken" (read-only folder, full
disk, a database from a newer version): they carry a message meant for the user. Unknown ids
and bad import documents are caller-side problems and get their own exceptions.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


class StorageError(Exception):
    """The conversation database cannot be used; the message is written for the user."""


class ReadOnlyDatabaseError(StorageError):
    """The database file or its folder cannot be written."""


class DiskFullError(StorageError):
    """The disk (or the database's size limit) is full."""


class DatabaseTooNewError(StorageError):
    """The file was written by a newer OSS Chat; it is left untouched."""


class DatabaseCorruptError(StorageError):
    """The file is not a readable SQLite database (or not one of ours)."""

    def __init__(self, where: Path | str, reason: str) -> None:
        super().__init__(f"{where} is damaged or is not an OSS Chat database ({reason}).")
        self.reason = reason


class NotFoundError(LookupError):
    """No conversation or message with that id (or it was purged)."""


class ImportFormatError(ValueError):
    """A document given to import is not an OSS Chat export this version understands."""


def error_name(exc: sqlite3.Error) -> str:
    """SQLite's error name (`SQLITE_FULL`, …); derived from the message on Python 3.10."""
    name = getattr(exc, "sqlite_errorname", None)
    if isinstance(name, str):
        return name
    text = str(exc).lower()
    for fragment, guess in (("readonly", "SQLITE_READONLY"), ("read-only", "SQLITE_READONLY"),
                            ("disk is full", "SQLITE_FULL"), ("not a database", "SQLITE_NOTADB"),
                            ("malformed", "SQLITE_CORRUPT"), ("unable to open", "SQLITE_CANTOPEN"),
                            ("locked", "SQLITE_BUSY")):
        if fragment in text:
            return guess
    return "SQLITE_ERROR"


def is_corruption(exc: sqlite3.Error) -> bool:
    return error_name(exc).startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB"))


def translate(exc: sqlite3.Error, path: Path | None) -> StorageError | None:
    """A StorageError with a clear message when `exc` is about the environment (disk, file,
    permissions), else None: other sqlite3 errors are bugs and must surface as they are."""
    name = error_name(exc)
    where = str(path) if path is not None else "the conversation database"
    if name.startswith("SQLITE_READONLY"):
        return ReadOnlyDatabaseError(
            f"Cannot save conversations: {where} (or its folder) is read-only. "
            "Nothing already saved was lost; make the folder writable and try again.")
    if name == "SQLITE_FULL":
        return DiskFullError(
            f"Cannot save conversations: the disk holding {where} is full. "
            "Nothing already saved was lost; free some space and try again.")
    if name.startswith("SQLITE_CANTOPEN"):
        return StorageError(f"Cannot open {where}: {exc}. Check that the file and its folder "
                            "exist and that you have permission to read and write them.")
    if name.startswith("SQLITE_BUSY"):
        return StorageError(f"{where} is locked by another program; close it and try again.")
    if is_corruption(exc):
        return DatabaseCorruptError(where, str(exc))
    if name.startswith("SQLITE_IOERR"):
        return StorageError(f"Cannot read or write {where}: the disk reported an error ({exc}).")
    if name.startswith("SQLITE_PERM"):
        return StorageError(f"No permission to use {where} ({exc}).")
    return None
