"""The conversation on screen: the store, the engine and the chat view, kept in step.

Everything the user writes is in SQLite before the engine sees it; a streaming reply goes
to the store through a ReplyWriter (saved at least once a second) and to the view at the
engine's coalesced pace.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from app.core.chat.prompts import PromptSettings, build_prompt, to_records
from app.core.engine.config import EngineConfig, SamplingConfig
from app.core.engine.results import GenerationResult, LoadInfo
from app.core.harmony.events import StopReason
from app.core.harmony.prompt import Message, Prompt
from app.core.storage import ConversationStore
from app.core.storage.models import Conversation, Effort, PythonTool
from app.core.storage.models import Message as StoredMessage
from app.core.storage.reply_writer import ReplyWriter
from app.ui.chat import ChatItem, MessageListModel, markdown
from app.ui.chat_items import chat_item, chat_items, tool_call_items
from app.ui.services.engine_service import EngineService, StreamUpdate
from app.ui.services.python_service import PythonService
from app.ui.tool_chain import ToolChain

log = logging.getLogger(__name__)


class ModelState(enum.Enum):
    NONE = "none"
    LOADING = "loading"
    READY = "ready"
    FAILED = "failed"


MAX_TOOL_CALLS = 20  # per reply: a model stuck in a loop of calls is stopped


@dataclass
class _Reply:
    """The reply being generated (it may belong to a conversation no longer on screen).

    A reply may be a chain: reasoning, a tool call, its result, more reasoning, the answer.
    `chain` holds the harmony messages done so far; each engine request continues it.
    """

    request_id: int
    conversation_id: int
    writer: ReplyWriter
    effort: Effort
    started: float
    prompt: Prompt
    thinking_since: float | None = None
    thinking_seconds: float | None = None
    chain: list[Message] = field(default_factory=list)
    tool_calls: list[dict[str, str]] = field(default_factory=list)


class ChatController(QObject):
    """Owns the message list model of the conversation on screen and drives generation.

    Signals:
        conversationOpened(object): the Conversation now on screen, or None for a new chat.
        conversationChanged(int): a conversation was created or changed (title, time, effort).
        generatingChanged(bool): a reply started or ended.
        modelStateChanged(str, str): ModelState value and a detail for the user.
        modelLoaded(object): the LoadInfo of the model now ready.
        promptProgress(int, int): tokens of the prompt read so far, and in all.
        replyFinished(object): the GenerationStats of the last reply (also when stopped).
        contextUsage(int, int): tokens used by the conversation so far, and the context size.
        notice(str): something to tell the user in the status bar.
        toolConsentRequested(str): the model wants to run this Python code; answer with
                                   approve_tool() or deny_tool().
    """

    conversationOpened = Signal(object)
    conversationChanged = Signal(int)
    generatingChanged = Signal(bool)
    modelStateChanged = Signal(str, str)
    modelLoaded = Signal(object)
    promptProgress = Signal(int, int)
    replyFinished = Signal(object)
    contextUsage = Signal(int, int)
    notice = Signal(str)
    toolConsentRequested = Signal(str)

    def __init__(self, store: ConversationStore, engine: EngineService,
                 python: PythonService | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.engine = engine
        self.tools = ToolChain(python or PythonService(), self)
        self.tools.consentRequested.connect(self.toolConsentRequested)
        self.tools.resultReady.connect(self._on_tool_result)
        self.model = MessageListModel()
        self.conversation: Conversation | None = None
        self.model_state = ModelState.NONE
        self.model_info: LoadInfo | None = None
        self.sampling = SamplingConfig()
        self.default_instructions = ""
        self.default_effort: Effort = "medium"
        self.default_python_tool: PythonTool = "off"
        self._load_request: int | None = None
        self._reply: _Reply | None = None
        self._waiting: int | None = None  # a conversation whose message waits for the model
        engine.loadProgress.connect(self._on_load_progress)
        engine.loaded.connect(self._on_loaded)
        engine.loadFailed.connect(self._on_load_failed)
        engine.streamed.connect(self._on_streamed)
        engine.promptProgress.connect(self._on_prompt_progress)
        engine.finished.connect(self._on_finished)
        engine.cancelled.connect(self._on_cancelled)
        engine.failed.connect(self._on_failed)

    # -- model ------------------------------------------------------------------------------
    def load_model(self, path: Path, config: EngineConfig | None = None) -> None:
        self._set_model_state(ModelState.LOADING, "0%")
        markdown.warm_up_in_background()  # while the model loads, not before the first paint
        self._load_request = self.engine.load(path, config)

    @property
    def generating(self) -> bool:
        return self._reply is not None

    def _set_model_state(self, state: ModelState, detail: str = "") -> None:
        self.model_state = state
        self.modelStateChanged.emit(state.value, detail)

    @Slot(int, float)
    def _on_load_progress(self, request_id: int, fraction: float) -> None:
        if request_id == self._load_request:
            self._set_model_state(ModelState.LOADING, f"{fraction:.0%}")

    @Slot(int, object)
    def _on_loaded(self, request_id: int, info: LoadInfo) -> None:
        if request_id != self._load_request:
            return
        self.model_info = info
        self._set_model_state(ModelState.READY, info.name)
        self.modelLoaded.emit(info)
        if info.note:
            self.notice.emit(info.note)
        waiting, self._waiting = self._waiting, None
        if waiting is not None and self.conversation and waiting == self.conversation.id:
            branch = self.store.active_branch(waiting)
            if branch and branch[-1].role == "user":
                self._start_reply(waiting, branch[-1].id)

    @Slot(int, str)
    def _on_load_failed(self, request_id: int, message: str) -> None:
        if request_id == self._load_request:
            self._set_model_state(ModelState.FAILED if message else ModelState.NONE, message)

    # -- conversations ----------------------------------------------------------------------
    def new_chat(self) -> None:
        """An empty chat; it is stored only when its first message is sent."""
        self.conversation = None
        self.model.set_items([])
        self.conversationOpened.emit(None)

    def open_conversation(self, conversation_id: int) -> None:
        self.conversation = self.store.get_conversation(conversation_id)
        self._reload_items()
        self.conversationOpened.emit(self.conversation)

    def set_effort(self, effort: Effort) -> None:
        """The dropdown changed: remembered for this conversation, used from the next reply."""
        self.default_effort = effort
        if self.conversation is not None and self.conversation.effort != effort:
            self.store.set_effort(self.conversation.id, effort)
            self.conversation = self.store.get_conversation(self.conversation.id)

    def set_python_tool(self, mode: PythonTool) -> None:
        """Allow Python in this chat ("ask" each time, "always") or not ("off")."""
        self.default_python_tool = mode
        if self.conversation is not None and self.conversation.python_tool != mode:
            self.store.set_python_tool(self.conversation.id, mode)
            self.conversation = self.store.get_conversation(self.conversation.id)

    def approve_tool(self, *, always: bool = False) -> None:
        reply = self._reply
        if always and reply is not None:
            self.store.set_python_tool(reply.conversation_id, "always")
            if self.conversation is not None and self.conversation.id == reply.conversation_id:
                self.conversation = self.store.get_conversation(reply.conversation_id)
                self.conversationOpened.emit(self.conversation)
        self.tools.approve()

    def deny_tool(self) -> None:
        self.tools.deny()

    def _reload_items(self) -> None:
        if self.conversation is None:
            self.model.set_items([])
            return
        conversation_id = self.conversation.id
        with self.store.snapshot():
            branch = self.store.active_branch(conversation_id)
            siblings = self.store.branch_sibling_info(conversation_id)
        items = chat_items(branch, siblings)
        reply = self._reply
        if reply is not None and reply.conversation_id == conversation_id:
            for i, item in enumerate(items):  # the live reply shows what is not yet saved
                if item.message_id == reply.writer.message_id:
                    items[i] = self._live_item(reply, item)
        self.model.set_items(items)

    # -- sending ----------------------------------------------------------------------------
    def send(self, text: str, effort: Effort) -> None:
        if self._reply is not None:
            return
        if self.conversation is None:
            self.conversation = self.store.create_conversation(
                effort=effort, instructions=self.default_instructions)
            if self.default_python_tool != "off":
                self.store.set_python_tool(self.conversation.id, self.default_python_tool)
                self.conversation = self.store.get_conversation(self.conversation.id)
            self.conversationOpened.emit(self.conversation)
        elif self.conversation.effort != effort:
            self.store.set_effort(self.conversation.id, effort)
        conversation_id = self.conversation.id
        message = self.store.add_user_message(conversation_id, text)
        self.conversation = self.store.get_conversation(conversation_id)
        self.conversationChanged.emit(conversation_id)
        self.model.append(chat_item(message))
        if self.model_state is ModelState.READY:
            self._start_reply(conversation_id, message.id)
        else:
            self._waiting = conversation_id
            self.notice.emit("Your message is saved; it is sent as soon as the model is ready.")

    def regenerate(self, assistant_id: int) -> None:
        if self._reply is not None or self.model_state is not ModelState.READY:
            return
        effort = self.conversation.effort if self.conversation else self.default_effort
        writer = self.store.begin_regenerate(assistant_id, effort=effort)
        self._begin(self.store.get_message(assistant_id).conversation_id, writer, effort)

    def edit(self, user_id: int, text: str) -> None:
        """Edit & resend: the edited message becomes a new branch, answered afresh."""
        if self._reply is not None:
            return
        message = self.store.edit_user_message(user_id, text)
        self._reload_items()
        if self.model_state is ModelState.READY:
            self._start_reply(message.conversation_id, message.id)
        else:
            self._waiting = message.conversation_id

    def switch_sibling(self, message_id: int, delta: int) -> None:
        info = self.store.sibling_info(message_id)
        target = info.next_id if delta > 0 else info.previous_id
        if target is not None:
            self.store.switch_to(target)
            self._reload_items()

    def delete_message(self, message_id: int) -> None:
        if self._reply is not None and self._reply.writer.message_id == message_id:
            return
        self.store.delete_message(message_id)
        self._reload_items()

    def stop(self) -> None:
        if self._reply is None:
            return
        if self.tools.busy:
            self.tools.stop()
        else:
            self.engine.cancel(self._reply.request_id)

    def _start_reply(self, conversation_id: int, parent_id: int) -> None:
        conversation = self.store.get_conversation(conversation_id)
        writer = self.store.begin_reply(conversation_id, parent_id=parent_id,
                                        effort=conversation.effort)
        self._begin(conversation_id, writer, conversation.effort)

    def _begin(self, conversation_id: int, writer: ReplyWriter, effort: Effort) -> None:
        conversation = self.store.get_conversation(conversation_id)
        branch = self.store.active_branch(conversation_id)
        prompt = build_prompt(branch, PromptSettings(
            effort=effort, instructions=conversation.instructions or self.default_instructions,
            current_date=datetime.date.today().isoformat(),
            python=conversation.python_tool != "off"))
        request_id = self.engine.generate(prompt, self.sampling, str(conversation_id))
        self._reply = _Reply(request_id, conversation_id, writer, effort, time.monotonic(),
                             prompt)
        if self.conversation is not None and self.conversation.id == conversation_id:
            self._show_new_reply(branch, writer.message_id)
        self.generatingChanged.emit(True)

    def _show_new_reply(self, branch: list[StoredMessage], reply_id: int) -> None:
        """Add the reply's row; the rows above stay unless the branch above it changed.

        A long conversation is not laid out again for every reply: only a regenerate or an
        edit (a different branch) reloads the list.
        """
        shown = [self.model.item_at(row).message_id for row in range(self.model.rowCount())]
        if shown == [m.id for m in branch[:-1] if m.role != "tool"]:
            siblings = self.store.sibling_info(reply_id)
            self.model.append(chat_item(branch[-1], siblings))
        else:
            self._reload_items()

    # -- streaming --------------------------------------------------------------------------
    @Slot(int, int, int)
    def _on_prompt_progress(self, request_id: int, done: int, total: int) -> None:
        if self._reply is not None and request_id == self._reply.request_id:
            self.promptProgress.emit(done, total)

    @Slot(object)
    def _on_streamed(self, update: StreamUpdate) -> None:
        reply = self._reply
        if reply is None or update.request_id != reply.request_id:
            return
        now = time.monotonic()
        answer = update.answer + update.commentary
        thinking_ended = False
        if update.reasoning:
            if reply.thinking_since is None:
                reply.thinking_since = now
            reply.writer.append_reasoning(update.reasoning)
        if answer:
            if reply.thinking_since is not None and reply.thinking_seconds is None:
                reply.thinking_seconds = now - reply.thinking_since
                thinking_ended = True
            reply.writer.append_answer(answer)
        if thinking_ended:  # "Thought for N s" appears: the whole item changes once
            self._refresh_live(reply)
        elif update.reasoning or answer:
            self.model.update_streaming(reply.writer.message_id, answer, update.reasoning)

    @staticmethod
    def _live_item(reply: _Reply, item: ChatItem) -> ChatItem:
        return dataclasses.replace(item, answer=reply.writer.answer,
                                   reasoning=reply.writer.reasoning, status="streaming",
                                   reasoning_seconds=reply.thinking_seconds,
                                   tool_calls=tool_call_items(reply.tool_calls))

    def _refresh_live(self, reply: _Reply) -> None:
        row = self.model.row_of(reply.writer.message_id)
        if row >= 0:
            self.model.replace(self._live_item(reply, self.model.item_at(row)))

    @Slot(int, object)
    def _on_finished(self, request_id: int, result: GenerationResult) -> None:
        reply = self._reply
        if (reply is not None and request_id == reply.request_id
                and result.stop_reason is StopReason.CALL and result.messages
                and result.messages[-1].recipient):
            self._on_tool_call(reply, result)
        else:
            self._end(request_id, result, "complete")

    def _on_tool_call(self, reply: _Reply, result: GenerationResult) -> None:
        call = result.messages[-1]
        reply.chain.extend(result.messages)
        reply.tool_calls.append({"name": call.recipient or "", "arguments": call.content,
                                 "result": ""})
        self._refresh_live(reply)
        if len(reply.tool_calls) > MAX_TOOL_CALLS:
            self.notice.emit(f"The reply was stopped after {MAX_TOOL_CALLS} tool calls.")
            self._end(reply.request_id, result, "complete", chained=False)
            return
        mode = self.store.get_conversation(reply.conversation_id).python_tool
        self.tools.handle(reply.conversation_id, mode, call)

    @Slot(object, bool)
    def _on_tool_result(self, message: Message, completed: bool) -> None:
        reply = self._reply
        if reply is None:
            return
        reply.chain.append(message)
        if reply.tool_calls:
            reply.tool_calls[-1]["result"] = message.content
        self._refresh_live(reply)
        if not completed:  # stopped while the code ran: the reply ends here
            self._finish_reply(reply, "interrupted", None)
            return
        prompt = dataclasses.replace(reply.prompt,
                                     messages=(*reply.prompt.messages, *reply.chain))
        reply.request_id = self.engine.generate(prompt, self.sampling,
                                                str(reply.conversation_id))

    @Slot(int, object)
    def _on_cancelled(self, request_id: int, result: GenerationResult) -> None:
        self._end(request_id, result, "interrupted")

    @Slot(int, str)
    def _on_failed(self, request_id: int, message: str) -> None:
        reply = self._reply
        if reply is None or request_id != reply.request_id:
            return
        self._reply = None
        reply.writer.finish("error", error=message)
        self.notice.emit(f"The reply failed: {message}")
        self._after_reply(reply.conversation_id, reply.writer.message_id)

    def _end(self, request_id: int, result: GenerationResult, status: str, *,
             chained: bool = True) -> None:
        reply = self._reply
        if reply is None or request_id != reply.request_id:
            return
        if chained:
            reply.chain.extend(result.messages)
        self._finish_reply(reply, status, result)

    def _finish_reply(self, reply: _Reply, status: str, result: GenerationResult | None) -> None:
        self._reply = None
        stats: dict[str, Any] = result.stats.to_dict() if result is not None else {}
        if reply.thinking_since is not None:
            stats["reasoning_seconds"] = round(
                reply.thinking_seconds if reply.thinking_seconds is not None
                else time.monotonic() - reply.thinking_since, 1)
        reply.writer.finish("complete" if status == "complete" else "interrupted", stats=stats,
                            harmony=to_records(reply.chain),
                            tool_calls=reply.tool_calls or None)
        if result is not None:
            if result.stats.dropped_turns:
                self.notice.emit(
                    f"The conversation is longer than the context: the oldest "
                    f"{result.stats.dropped_turns} turn(s) were left out of the prompt.")
            self.replyFinished.emit(result.stats)
            if self.model_info is not None:
                used = result.stats.prompt_tokens + result.stats.generated_tokens
                self.contextUsage.emit(used, self.model_info.n_ctx)
        self._after_reply(reply.conversation_id, reply.writer.message_id)

    def _after_reply(self, conversation_id: int, reply_id: int) -> None:
        if self.conversation is not None and self.conversation.id == conversation_id:
            self.conversation = self.store.get_conversation(conversation_id)
            stored = self.store.get_message(reply_id)
            if not self.model.replace(chat_item(stored, self.store.sibling_info(reply_id))):
                self._reload_items()
        self.conversationChanged.emit(conversation_id)
        self.generatingChanged.emit(False)
