"""The database schema, as a list of numbered migrations.

`PRAGMA user_version` holds the number of the last migration applied. A migration is never
edited once released: change the schema by appending a new one.

Design notes:
- Messages form a tree through `parent_id`. The branch on screen is `conversations.active_leaf_id`
  followed up to the root; each message remembers its last active child (`active_child_id`), so
  switching back to a branch returns to where the user was in it. These two pointers are kept
  by the store rather than by foreign keys: enforcing them would need two more indexes and
  would make every delete scan for them.
- Full-text search uses FTS5 tables with external content (the text is stored once, in
  `messages`/`conversations`); triggers keep the index in step with every insert, update and
  delete, including the cascades of a purge.
- Reasoning text has its own column and is not indexed: it is hidden by default and must never
  leak into answers.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


_FTS_TOKENIZER = "unicode61 remove_diacritics 2"

_V1 = (
    """
    CREATE TABLE conversations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        title TEXT NOT NULL DEFAULT '',
        title_source TEXT NOT NULL DEFAULT 'auto'
            CHECK (title_source IN ('auto', 'user', 'model')),
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        pinned INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
        effort TEXT NOT NULL DEFAULT 'medium' CHECK (effort IN ('low', 'medium', 'high')),
        instructions TEXT NOT NULL DEFAULT '',
        model TEXT NOT NULL DEFAULT '',
        active_leaf_id INTEGER,
        deleted_at REAL
    )
    """,
    """
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        parent_id INTEGER REFERENCES messages(id) ON DELETE CASCADE,
        active_child_id INTEGER,
        role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'tool')),
        answer TEXT NOT NULL DEFAULT '',
        reasoning TEXT NOT NULL DEFAULT '',
        tool_calls TEXT,
        tool_results TEXT,
        harmony TEXT,
        effort TEXT CHECK (effort IN ('low', 'medium', 'high')),
        stats TEXT,
        status TEXT NOT NULL DEFAULT 'complete'
            CHECK (status IN ('complete', 'streaming', 'interrupted', 'error')),
        error TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    )
    """,
    # The conversation list: pinned first, newest first, keyset-paged, deleted ones left out.
    """
    CREATE INDEX conversations_listing
        ON conversations(pinned DESC, updated_at DESC, id DESC) WHERE deleted_at IS NULL
    """,
    "CREATE INDEX conversations_deleted ON conversations(deleted_at) WHERE deleted_at IS NOT NULL",
    # Covers loading a conversation's tree shape (id, parent_id) without touching the rows.
    "CREATE INDEX messages_by_conversation ON messages(conversation_id, parent_id)",
    # Children of a message; also what the parent_id foreign key needs for cascading deletes.
    "CREATE INDEX messages_by_parent ON messages(parent_id)",
    # Start-up recovery finds interrupted replies without scanning every message.
    "CREATE INDEX messages_streaming ON messages(status) WHERE status = 'streaming'",
    f"""
    CREATE VIRTUAL TABLE message_search USING fts5(
        answer, content='messages', content_rowid='id', tokenize='{_FTS_TOKENIZER}')
    """,
    """
    CREATE TRIGGER message_search_insert AFTER INSERT ON messages BEGIN
        INSERT INTO message_search(rowid, answer) VALUES (new.id, new.answer);
    END
    """,
    """
    CREATE TRIGGER message_search_delete AFTER DELETE ON messages BEGIN
        INSERT INTO message_search(message_search, rowid, answer)
            VALUES ('delete', old.id, old.answer);
    END
    """,
    """
    CREATE TRIGGER message_search_update AFTER UPDATE OF answer ON messages BEGIN
        INSERT INTO message_search(message_search, rowid, answer)
            VALUES ('delete', old.id, old.answer);
        INSERT INTO message_search(rowid, answer) VALUES (new.id, new.answer);
    END
    """,
    f"""
    CREATE VIRTUAL TABLE conversation_search USING fts5(
        title, content='conversations', content_rowid='id', tokenize='{_FTS_TOKENIZER}')
    """,
    """
    CREATE TRIGGER conversation_search_insert AFTER INSERT ON conversations BEGIN
        INSERT INTO conversation_search(rowid, title) VALUES (new.id, new.title);
    END
    """,
    """
    CREATE TRIGGER conversation_search_delete AFTER DELETE ON conversations BEGIN
        INSERT INTO conversation_search(conversation_search, rowid, title)
            VALUES ('delete', old.id, old.title);
    END
    """,
    """
    CREATE TRIGGER conversation_search_update AFTER UPDATE OF title ON conversations BEGIN
        INSERT INTO conversation_search(conversation_search, rowid, title)
            VALUES ('delete', old.id, old.title);
        INSERT INTO conversation_search(rowid, title) VALUES (new.id, new.title);
    END
    """,
)

# Whether the model may run Python in a conversation: never, after asking, or always.
_V2 = (
    """
    ALTER TABLE conversations ADD COLUMN python_tool TEXT NOT NULL DEFAULT 'off'
        CHECK (python_tool IN ('off', 'ask', 'always'))
    """,
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "conversations, message tree and full-text search", _V1),
    Migration(2, "per-conversation permission for the Python tool", _V2),
)

SCHEMA_VERSION = MIGRATIONS[-1].version
