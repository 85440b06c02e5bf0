"""Measure the conversation store at the scale of years of use.

Builds, in a temporary folder, one database with 10,000 conversations holding about 100,000
messages, plus one conversation of 2,000 messages, then times what the app does most:

- the first page of the conversation list (target: <= 50 ms);
- loading the 2,000-message conversation (target: <= 100 ms);
- full-text search over the 100,000 messages (target: <= 100 ms);
- opening the database (the integrity check grows with the file);

and compares the file size with the amount of text stored.

Run: `python bench/bench_store.py [--keep DIR] [--repeat N]`.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's `app`

from app.core.storage import ConversationStore, Message
from app.core.storage import conversations as conversation_rows
from app.core.storage import messages as message_rows

CONVERSATIONS = 10_000
MESSAGES = 100_000
LONG_CONVERSATION = 2_000
VOCABULARY = 30_000
SEED = 20250601


def report(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class TextMaker:
    """Words with a Zipf-like frequency, like real text: a few very common, most rare."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        letters = "abcdefghijklmnopqrstuvwxyz"
        self.words = ["".join(rng.choice(letters) for _ in range(rng.randint(3, 9)))
                      + str(rank) for rank in range(VOCABULARY)]
        self._cumulative = list(_accumulate(1.0 / (rank + 1) for rank in range(VOCABULARY)))

    def sentence(self, words: int) -> str:
        picked = self._rng.choices(self.words, cum_weights=self._cumulative, k=words)
        return " ".join(picked).capitalize() + "."

    def paragraph(self, words: int) -> str:
        sentences = []
        while words > 0:
            length = min(words, self._rng.randint(6, 18))
            sentences.append(self.sentence(length))
            words -= length
        return " ".join(sentences)


def _accumulate(values: Any) -> Any:
    total = 0.0
    for value in values:
        total += value
        yield total


def insert_conversation(store: ConversationStore, text: TextMaker, rng: random.Random,
                         turns: int, created_at: float) -> tuple[int, int]:
    """One conversation of `turns` user/assistant pairs; returns (id, characters of text)."""
    characters = 0
    with store._db.write() as conn:
        title = text.sentence(rng.randint(3, 8))
        conversation_id = conversation_rows.insert(
            conn, title=title, title_source="auto", effort="medium", instructions="",
            model="gpt-oss-20b", created_at=created_at, updated_at=created_at)
        parent: int | None = None
        now = created_at
        for _turn in range(turns):
            for role, words in (("user", rng.randint(5, 40)), ("assistant", rng.randint(30, 160))):
                now += rng.uniform(1, 120)
                answer = text.paragraph(words)
                reasoning = text.paragraph(rng.randint(10, 60)) if role == "assistant" else ""
                characters += len(answer) + len(reasoning)
                message_id = message_rows.insert(conn, Message(
                    id=0, conversation_id=conversation_id, parent_id=parent, role=role,
                    answer=answer, reasoning=reasoning, status="complete", created_at=now,
                    updated_at=now, effort="medium" if role == "assistant" else None,
                    stats={"tokens": words * 2, "tokens_per_second": 16.7}
                    if role == "assistant" else {}))
                if parent is not None:
                    conn.execute("UPDATE messages SET active_child_id = ? WHERE id = ?",
                                 (message_id, parent))
                parent = message_id
        conversation_rows.set_active_leaf(conn, conversation_id, parent)
        conversation_rows.touch(conn, conversation_id, now)
    return conversation_id, characters


def build(path: Path) -> tuple[int, int, TextMaker]:
    """Fill the database; returns the long conversation's id, the text size and the words."""
    rng = random.Random(SEED)
    text = TextMaker(rng)
    characters = 0
    start = time.perf_counter()
    with ConversationStore.open(path) as store:
        # 4.9 turns (9.8 messages) on average: 98,000 messages, plus the long conversation.
        mean_turns = (MESSAGES - LONG_CONVERSATION) / CONVERSATIONS / 2
        begin = time.time() - 3 * 365 * 86400
        for index in range(CONVERSATIONS):
            turns = int(mean_turns) + (rng.random() < mean_turns % 1)
            _id, size = insert_conversation(store, text, rng, turns, begin + index * 9000)
            characters += size
            if index % 1000 == 999:
                report(f"  built {index + 1:,} conversations "
                       f"({time.perf_counter() - start:.0f} s)")
        long_id, size = insert_conversation(store, text, rng, LONG_CONVERSATION // 2,
                                             time.time() - 86400)
        characters += size
        for index in range(3):  # a few pinned ones, as in real use
            store.set_pinned(index + 1, True)
    report(f"  built in {time.perf_counter() - start:.0f} s")
    return long_id, characters, text


def timed(action: Callable[[], object], repeat: int) -> tuple[float, float, float]:
    """(first, median, max) in milliseconds; the first run is on a freshly opened store."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return times[0], statistics.median(times), max(times)


@dataclass(frozen=True)
class Timing:
    """One measured operation, in milliseconds; the target applies to the worst run."""

    name: str
    first: float
    median: float
    worst: float
    target: float | None = None
    detail: str = ""


TIMINGS: list[Timing] = []  # every line measured, for the benchmark suite's report


def line(name: str, result: tuple[float, float, float], target: float | None = None,
         detail: str = "") -> None:
    first, median, worst = result
    TIMINGS.append(Timing(name, first, median, worst, target, detail))
    verdict = "" if target is None else ("  OK" if worst <= target else "  OVER TARGET")
    target_text = "" if target is None else f" (target <= {target:.0f} ms)"
    report(f"{name:<44} first {first:7.2f} ms  median {median:7.2f} ms  max {worst:7.2f} ms"
           f"{target_text}{verdict} {detail}")


def _stream_once(store: ConversationStore, conversation_id: int) -> None:
    writer = store.begin_reply(conversation_id, interval=0.0)
    writer.append_answer("A streamed token.")
    writer.finish()


def measure(path: Path, long_id: int, characters: int, text: TextMaker, repeat: int) -> int:
    """Time everything (see the module's docstring); returns the database's size in bytes."""
    open_time = timed(lambda: ConversationStore.open(path).close(), 3)
    with ConversationStore.open(path) as store:
        with store._db.read() as conn:
            total = conn.execute("SELECT count(*) FROM messages").fetchone()[0]
        report(f"\n{store.count_conversations():,} conversations, {total:,} messages, "
               f"{characters / 1e6:.1f} MB of text\n")
        line("open (integrity check, recovery, purge)", open_time)
        line("list: first page of 50", timed(lambda: store.list_conversations(50), repeat),
             50)
        cursor = store.list_conversations(50).next_cursor
        line("list: second page of 50",
             timed(lambda: store.list_conversations(50, before=cursor), repeat), 50)
        line(f"load {LONG_CONVERSATION:,}-message conversation (branch)",
             timed(lambda: store.active_branch(long_id), repeat), 100)
        line("  ... plus sibling counts for the switchers",
             timed(lambda: (store.active_branch(long_id), store.branch_sibling_info(long_id)),
                   repeat), 100)
        words = text.words
        queries = {
            "common word": words[0],
            "medium word": words[200],
            "rare word": words[20000],
            "two words": f"{words[3]} {words[40]}",
            "prefix while typing": words[120][:3],
            "no match": "zzzzqqqq",
        }
        for label, query in queries.items():
            hits = store.search(query)
            line(f"search: {label}", timed(lambda q=query: store.search(q), repeat), 100,
                 f"[{len(hits)} hits]")
        # Writes, last: they change the database.
        branch = store.active_branch(long_id)
        line("start, stream and finish a reply",
             timed(lambda: _stream_once(store, long_id), repeat), 100)
        retry = store.begin_regenerate(branch[1].id)
        retry.append_answer("A second version of the first reply.")
        retry.finish()
        switches = iter([branch[1].id, retry.message_id] * repeat)
        line("switch branch near the root of the long one",
             timed(lambda: store.switch_to(next(switches)), repeat), 100)
    size = path.stat().st_size
    wal = Path(f"{path}-wal")
    size += wal.stat().st_size if wal.exists() else 0
    report(f"\ndatabase file {size / 1e6:.1f} MB for {characters / 1e6:.1f} MB of text "
           f"(x{size / characters:.2f}: text, full-text index, ids and stats)")
    return size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="build the database in DIR and keep it")
    parser.add_argument("--repeat", type=int, default=20, help="runs per measurement")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="oss-chat-bench-") as temporary:
        folder = args.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "conversations.sqlite3"
        if path.exists():
            parser.error(f"{path} already exists")
        report(f"SQLite {sqlite3.sqlite_version}, Python "
               f"{sys.version.split()[0]}; building {path}")
        long_id, characters, text = build(path)
        measure(path, long_id, characters, text, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
