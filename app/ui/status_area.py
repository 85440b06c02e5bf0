"""The status bar: model, backend, progress, speed of the last reply, and a context meter."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QWidget

from app.core.engine.results import GenerationStats, LoadInfo


class StatusArea(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model_label = self._label("Model", "No model")
        self.backend_label = self._label("Acceleration", "")
        self.progress_label = self._label("Progress", "")
        self.speed_label = self._label("Speed of the last reply", "")
        self.context_meter = QProgressBar()
        self.context_meter.setAccessibleName("Context used")
        self.context_meter.setMaximumWidth(140)
        self.context_meter.setTextVisible(True)
        self.context_meter.setFormat("Context %p%")
        self.context_meter.setValue(0)
        self.context_meter.hide()
        for widget in (self.progress_label, self.speed_label, self.model_label,
                       self.backend_label, self.context_meter):
            self.addPermanentWidget(widget)

    def _label(self, name: str, text: str) -> QLabel:
        label = QLabel(text)
        label.setAccessibleName(name)
        return label

    def show_model_state(self, state: str, detail: str) -> None:
        if state == "loading":
            self.progress_label.setText(f"Loading model {detail}")
        elif state == "failed":
            self.progress_label.setText("Model not loaded")
            self.showMessage(detail, 15000)
        else:
            self.progress_label.setText("")
        if state == "none":
            self.model_label.setText("No model")

    def show_model(self, info: LoadInfo) -> None:
        self.model_label.setText(info.name)
        self.model_label.setToolTip(info.path)
        where = info.backend if info.backend == "CPU" else f"{info.backend} · {info.device}"
        self.backend_label.setText(where)
        self.backend_label.setToolTip(f"{info.backend} on {info.device}, {info.n_threads} threads"
                                      + (f"\n{info.note}" if info.note else ""))

    def show_prompt_progress(self, done: int, total: int) -> None:
        self.progress_label.setText(f"Reading {done:,} / {total:,} tokens")

    def show_reply_stats(self, stats: GenerationStats) -> None:
        self.progress_label.setText("")
        if stats.generated_tokens:
            self.show_reply_stats_text(f"{stats.decode_tok_s:.1f} tok/s · first token "
                                       f"{stats.ttft_s:.2f} s")

    def show_reply_stats_text(self, text: str) -> None:
        self.speed_label.setText(text)

    def show_context(self, used: int, total: int) -> None:
        self.context_meter.setMaximum(max(total, 1))
        self.context_meter.setValue(min(used, total))
        self.context_meter.setToolTip(f"{used:,} of {total:,} tokens of context used")
        self.context_meter.show()
