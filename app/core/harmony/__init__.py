"""The harmony conversation format of gpt-oss: exact prompt rendering, tokenization that keeps
text from forging markers, and a tolerant streaming parser of what the model writes.

Qt-free and independent of llama.cpp: the model's tokenizer comes in as a `Vocabulary`.
"""

from app.core.harmony.events import (
    AnswerDelta,
    CommentaryDelta,
    Event,
    MessageComplete,
    ReasoningDelta,
    StopReason,
    ToolCallComplete,
    ToolCallDelta,
    TurnEnd,
)
from app.core.harmony.parser import HarmonyStreamParser
from app.core.harmony.prompt import (
    FunctionTool,
    Message,
    Prompt,
    PromptError,
    ReasoningEffort,
    ResponseFormat,
)
from app.core.harmony.render import render_text, render_tokens
from app.core.harmony.vocab import (
    HarmonyMarkers,
    SafeTokenizer,
    Vocabulary,
    VocabularyError,
    safe_tokenize,
)

__all__ = [
    "AnswerDelta", "CommentaryDelta", "Event", "FunctionTool", "HarmonyMarkers",
    "HarmonyStreamParser", "Message", "MessageComplete", "Prompt", "PromptError",
    "ReasoningDelta", "ReasoningEffort", "ResponseFormat", "SafeTokenizer", "StopReason",
    "ToolCallComplete", "ToolCallDelta", "TurnEnd", "Vocabulary", "VocabularyError",
    "render_text", "render_tokens", "safe_tokenize",
]
