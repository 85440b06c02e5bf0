"""The Python tool with real child processes: state, limits, crashes, stop, environment."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator

import psutil
import pytest

from app.core.tools import PythonSession, PythonTools
from app.core.tools.kernel import truncation_note
from app.core.tools.result import NO_OUTPUT

POSIX = sys.platform != "win32"
STATE_LOST = "the Python session was restarted, so earlier variables are gone."


@pytest.fixture
def session() -> Iterator[PythonSession]:
    python = PythonSession(memory_limit=512 * 1024**2)
    yield python
    python.close()


def _stop_later(session: PythonSession, delay: float) -> threading.Thread:
    thread = threading.Thread(target=lambda: (time.sleep(delay), session.stop()))
    thread.start()
    return thread


def test_code_runs_in_a_separate_process(session: PythonSession) -> None:
    result = session.run("import os\nprint(os.getpid())")
    assert int(result.output) != os.getpid()
    assert int(result.output) == session.pid
    assert not (result.error or result.crashed or result.timed_out or result.stopped)


def test_state_persists_and_the_last_expression_is_shown(session: PythonSession) -> None:
    assert session.run("x = 41").output == NO_OUTPUT
    assert session.run("x + 1").output == "42"
    assert session.run("print('sum'); _ * 2").output == "sum\n84"


def test_an_exception_gives_a_traceback_and_keeps_the_state(session: PythonSession) -> None:
    session.run("kept = 'yes'")
    result = session.run("print('before')\n{}['missing']")
    assert result.error and not result.crashed
    lines = result.output.splitlines()
    assert lines[0] == "before"
    assert lines[1] == "Traceback (most recent call last):"
    assert 'File "<cell-2>", line 2, in <module>' in result.output
    assert lines[-1] == "KeyError: 'missing'"
    assert session.run("kept").output == "'yes'"


def test_a_timeout_returns_promptly_and_the_next_call_starts_fresh(
        session: PythonSession) -> None:
    session.run("x = 1\nopen('saved.txt', 'w').write('files stay')")
    first_pid = session.pid
    started = time.monotonic()
    result = session.run("import time\nprint('started')\ntime.sleep(60)", timeout=1)
    assert time.monotonic() - started < 30  # ended by the 1 s limit, not by the code
    assert result.timed_out and not result.crashed
    assert result.output == (f"started\nExecution timed out after 1 s; {STATE_LOST}")
    after = session.run("print(open('saved.txt').read())\nx")
    assert after.output.startswith("files stay\nTraceback")
    assert "NameError: name 'x' is not defined" in after.output
    assert session.pid != first_pid
    assert not psutil.pid_exists(first_pid)


def test_output_over_the_cap_is_cut_to_the_cap_with_a_note(session: PythonSession) -> None:
    result = session.run("print('x' * 200 * 1024)")
    assert result.truncated
    assert result.output == "x" * 65536 + "\n[output truncated: 200 KB, showing the first 64 KB]"


def test_a_runaway_print_loop_is_counted_not_kept(session: PythonSession) -> None:
    result = session.run("for i in range(100_000):\n    print(i)\n'done'", output_cap=1000)
    printed = "".join(f"{i}\n" for i in range(100_000))
    assert result.truncated
    assert result.output == (printed[:1000].removesuffix("\n") + "\n"
                             + truncation_note(len(printed), 1000) + "\n'done'")


def test_a_huge_value_is_capped_too(session: PythonSession) -> None:
    result = session.run("'y' * 5000", output_cap=100)
    assert result.truncated
    assert result.output == ("'" + "y" * 99
                             + "\n[output truncated: 4.9 KB, showing the first 100 bytes]")


@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="only Linux enforces RLIMIT_AS")
def test_memory_beyond_the_limit_fails_without_hanging(session: PythonSession) -> None:
    session.run("kept = 7")
    result = session.run("block = bytearray(1024**3)", timeout=10)
    assert not result.timed_out  # the limit ended it, not the 10 s timeout
    assert "MemoryError" in result.output or result.crashed
    if not result.crashed:
        assert session.run("kept").output == "7"


def test_a_crash_of_the_process_is_the_result_and_the_next_call_restarts(
        session: PythonSession) -> None:
    session.run("x = 1")
    first_pid = session.pid
    result = session.run("print('last words')\nimport os\nos._exit(3)")
    assert result.crashed and not result.timed_out
    assert result.output == f"last words\nThe Python process crashed (exit status 3); {STATE_LOST}"
    assert session.run("print('back')").output == "back"
    assert session.pid != first_pid


@pytest.mark.skipif(not POSIX, reason="signal names are POSIX")
def test_a_segfault_reports_the_signal_and_where(session: PythonSession) -> None:
    result = session.run("import ctypes\nctypes.string_at(0)")
    assert result.crashed
    assert "Fatal Python error: Segmentation fault" in result.output
    assert 'File "<cell-1>", line 2' in result.output
    assert result.output.endswith(
        f"The Python process crashed (killed by signal SIGSEGV); {STATE_LOST}")


def test_stop_from_another_thread_ends_a_run_at_once(session: PythonSession) -> None:
    session.run("print('warm')")
    stopper = _stop_later(session, 0.3)
    started = time.monotonic()
    result = session.run("import time\ntime.sleep(30)")
    stopper.join()
    assert time.monotonic() - started < 15  # stopped, long before the code's 30 s
    assert result.stopped and not (result.timed_out or result.crashed)
    assert result.output == f"Execution was stopped by the user; {STATE_LOST}"


def test_a_set_cancel_event_stops_before_anything_runs(session: PythonSession) -> None:
    session.run("x = 5")
    cancel = threading.Event()
    cancel.set()
    result = session.run("x = 6", cancel=cancel)
    assert result.stopped
    assert session.run("x").output == "5"


def test_stop_while_idle_keeps_the_state(session: PythonSession) -> None:
    session.run("x = 3")
    session.stop()
    assert session.run("x").output == "3"


@pytest.mark.skipif(not POSIX, reason="process groups are POSIX")
def test_stop_also_ends_processes_the_code_started(session: PythonSession) -> None:
    stopper = _stop_later(session, 0.5)
    result = session.run("import subprocess, sys, time\n"
                         "child = subprocess.Popen([sys.executable, '-c', "
                         "'import time; time.sleep(60)'])\n"
                         "print(child.pid, flush=True)\ntime.sleep(30)")
    stopper.join()
    assert result.stopped
    grandchild = int(result.output.splitlines()[0])
    deadline = time.monotonic() + 2  # SIGKILL has been sent; give it a moment to land
    while _running(grandchild) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _running(grandchild)


def _running(pid: int) -> bool:
    """Alive and not merely a zombie waiting for whoever adopted it to reap it."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_no_secret_of_the_parent_reaches_the_child(session: PythonSession,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OSS_CHAT_TEST_SECRET", "x")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    result = session.run("import os\nsorted(os.environ)")
    assert "OSS_CHAT_TEST_SECRET" not in result.output
    assert "OPENAI_API_KEY" not in result.output
    assert session.run("os.environ.get('OSS_CHAT_TEST_SECRET')").output == NO_OUTPUT


def test_the_private_folder_is_cwd_home_and_temp_and_goes_on_close(
        session: PythonSession) -> None:
    assert session.workdir is None  # nothing exists before the first run
    result = session.run("import os, tempfile\n"
                         "print(os.getcwd()); print(os.path.expanduser('~'))\n"
                         "print(tempfile.gettempdir())")
    folder = session.workdir
    assert folder is not None and folder.name.startswith("oss-chat-python-")
    assert result.output.splitlines() == [str(folder)] * 3
    pid = session.pid
    assert pid is not None
    session.close()
    assert not folder.exists()
    assert not psutil.pid_exists(pid)
    assert not [t for t in threading.enumerate() if t.name.startswith("python-kernel-")]
    assert session.run("print(1)").stopped  # closed for good


def test_the_code_cannot_disturb_the_protocol(session: PythonSession) -> None:
    result = session.run("import os, sys, subprocess\n"
                         "os.write(1, b'{\"id\": 1}\\n')\n"
                         "sys.__stdout__.write('direct\\n'); sys.__stdout__.flush()\n"
                         "subprocess.run([sys.executable, '-c', 'print(\"from a subprocess\")'])\n"
                         "input()")
    assert result.output.splitlines()[:3] == ['{"id": 1}', "direct", "from a subprocess"]
    assert result.output.endswith("EOFError: EOF when reading a line")
    assert session.run("1 + 1").output == "2"


def test_a_missing_interpreter_is_a_crash_result() -> None:
    session = PythonSession(interpreter=os.path.join(os.sep, "no", "such", "python"))
    result = session.run("print(1)")
    session.close()
    assert result.crashed
    assert result.output.startswith("The Python process could not be started:")


def test_invalid_limits_are_refused(session: PythonSession) -> None:
    with pytest.raises(ValueError, match="positive"):
        session.run("1", timeout=0)


def test_the_registry_keeps_one_session_per_conversation() -> None:
    tools = PythonTools()
    first, second = tools.session(1), tools.session(2)
    assert tools.session(1) is first and second is not first
    first.run("x = 'one'")
    second.run("x = 'two'")
    assert (first.run("x").output, second.run("x").output) == ("'one'", "'two'")
    assert first.pid != second.pid
    folder, pid = first.workdir, first.pid
    tools.close(1)
    assert 1 not in tools and 2 in tools
    assert folder is not None and not folder.exists()
    assert pid is not None and not psutil.pid_exists(pid)
    assert tools.session(1).run("x").error  # a new session for the conversation
    pids = [tools.session(n).pid for n in (1, 2)]
    tools.close_all()
    assert 1 not in tools and 2 not in tools
    assert not any(pid is not None and psutil.pid_exists(pid) for pid in pids)


def test_close_during_a_run_stops_it(session: PythonSession) -> None:
    session.run("pass")
    closer = threading.Thread(target=lambda: (time.sleep(0.3), session.close()))
    closer.start()
    started = time.monotonic()
    result = session.run("import time\ntime.sleep(30)")
    closer.join()
    assert result.stopped and time.monotonic() - started < 15
    assert session.closed and session.workdir is None


def test_the_app_itself_can_run_the_kernel_when_packaged(monkeypatch, tmp_path) -> None:
    """A frozen app starts `oss-chat --python-kernel`; that entry point serves requests."""
    import json
    import subprocess

    from app.core.tools import kernel_process

    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert kernel_process.kernel_command(sys.executable, 5)[1:] == [
        "--python-kernel", "--memory-limit", "5"]
    monkeypatch.delattr(sys, "frozen")
    assert kernel_process.kernel_command(sys.executable, 5)[1] == "-I"
    request = json.dumps({"id": 1, "code": "6 * 7", "output_cap": 1000, "timeout": 10})
    done = subprocess.run([sys.executable, "-m", "app", "--python-kernel"], cwd=tmp_path,
                          input=request + "\n", capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    reply = json.loads(done.stdout.strip().splitlines()[-1])
    assert reply["id"] == 1 and reply["value"] == "42"
