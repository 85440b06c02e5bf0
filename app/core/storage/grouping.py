"""Date groups of the conversation list (Pinned / Today / Yesterday / Previous 7 days / Older).

Days are calendar days in local time, as the user sees them: a chat from 23:50 is "Yesterday"
ten minutes later.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from app.core.storage.models import Conversation, GroupLabel

GROUP_ORDER: tuple[GroupLabel, ...] = ("Pinned", "Today", "Yesterday", "Previous 7 days",
                                       "Older")


def _local_date(timestamp: float) -> date:
    return datetime.fromtimestamp(timestamp).date()


def group_label(updated_at: float, now: float, *, pinned: bool = False) -> GroupLabel:
    if pinned:
        return "Pinned"
    today = _local_date(now)
    day = _local_date(updated_at)
    if day >= today:  # today, or a clock that was ahead
        return "Today"
    if day == today - timedelta(days=1):
        return "Yesterday"
    if day >= today - timedelta(days=7):
        return "Previous 7 days"
    return "Older"


def group_conversations(conversations: Iterable[Conversation], now: float
                        ) -> list[tuple[GroupLabel, list[Conversation]]]:
    """Consecutive groups of a list already sorted by the store, empty groups left out."""
    groups: list[tuple[GroupLabel, list[Conversation]]] = []
    for conversation in conversations:
        label = group_label(conversation.updated_at, now, pinned=conversation.pinned)
        if groups and groups[-1][0] == label:
            groups[-1][1].append(conversation)
        else:
            groups.append((label, [conversation]))
    return groups
