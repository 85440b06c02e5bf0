"""The Python tool's Qt service, through pytest-qt: runs end in exactly one `finished`."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import psutil
import pytest

from app.core.tools import PythonTools, ToolResult
from app.ui.services.python_service import PythonService


@pytest.fixture
def service(qtbot) -> Iterator[PythonService]:
    svc = PythonService(PythonTools(memory_limit=512 * 1024**2))
    yield svc
    assert svc.shutdown()


def _record(service: PythonService) -> list[tuple[int, ToolResult]]:
    ends: list[tuple[int, ToolResult]] = []
    service.finished.connect(lambda rid, result: ends.append((rid, result)))
    return ends


def test_run_emits_finished_with_the_result(qtbot, service: PythonService) -> None:
    ends = _record(service)
    with qtbot.waitSignal(service.finished, timeout=5000):
        first = service.run(7, "x = 41")
    with qtbot.waitSignal(service.finished, timeout=5000) as blocker:
        second = service.run(7, "x + 1")
    assert blocker.args[0] == second and blocker.args[1].output == "42"
    qtbot.wait(20)
    assert [rid for rid, _ in ends] == [first, second]
    assert not service.is_running(second)


def test_stop_emits_finished_with_a_stopped_result(qtbot, service: PythonService) -> None:
    ends = _record(service)
    rid = service.run(1, "import time\ntime.sleep(30)")
    assert service.is_running(rid)
    qtbot.wait(300)
    started = time.monotonic()
    with qtbot.waitSignal(service.finished, timeout=15000) as blocker:
        service.stop(rid)
    assert time.monotonic() - started < 15  # stopped, long before the code's 30 s
    assert blocker.args[0] == rid and blocker.args[1].stopped
    qtbot.wait(20)
    assert len(ends) == 1


def test_closing_a_conversation_stops_its_run_and_ends_its_process(
        qtbot, service: PythonService) -> None:
    with qtbot.waitSignal(service.finished, timeout=5000):
        service.run(3, "y = 1")
    session = service.tools.session(3)
    pid, folder = session.pid, session.workdir
    with qtbot.waitSignal(service.finished, timeout=15000) as blocker:
        service.run(3, "import time\ntime.sleep(30)")
        qtbot.wait(200)
        service.close_conversation(3)
    assert blocker.args[1].stopped
    assert pid is not None and not psutil.pid_exists(pid)
    assert folder is not None and not folder.exists()


def test_shutdown_kills_everything_and_joins_its_threads(qtbot) -> None:
    service = PythonService(PythonTools())
    for conversation in (1, 2):
        service.run(conversation, "import time\ntime.sleep(30)")
    qtbot.waitUntil(lambda: all(service.tools.session(n).pid for n in (1, 2)), timeout=5000)
    pids = [service.tools.session(n).pid for n in (1, 2)]
    started = time.monotonic()
    assert service.shutdown()
    assert time.monotonic() - started < 15  # killed, not waited for
    assert not [t for t in threading.enumerate() if t.name.startswith("python-")]
    assert not any(pid is not None and psutil.pid_exists(pid) for pid in pids)
    with pytest.raises(RuntimeError, match="shut down"):
        service.run(1, "print(1)")
