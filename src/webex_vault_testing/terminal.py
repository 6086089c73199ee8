"""A command on a terminal of its own, answered by the test as an operator would answer it.

CI runs without a terminal; an operator's shell gives ansible-playbook one, and a prompt with
`echo: false` reads it. The answer is typed only while the prompt is reading: once the prompt
text is shown and the terminal no longer echoes (ansible then flushes what was typed before, so
an answer typed earlier is lost and would be echoed). If the answer is still unread a few
seconds later with the terminal silent (it was flushed), it is typed again.
"""

from __future__ import annotations

import array
import fcntl
import os
import select
import signal
import termios
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

RETYPE_AFTER = 5.0


def _echoes(line: int) -> bool:
    return bool(termios.tcgetattr(line)[3] & termios.ECHO)


def _unread(line: int) -> int:
    count = array.array("i", [0])
    fcntl.ioctl(line, termios.FIONREAD, count)
    return count[0]


def _drain(terminal: int) -> bytes:
    shown = b""
    while select.select([terminal], [], [], 0)[0]:
        chunk = os.read(terminal, 4096)
        if not chunk:
            break
        shown += chunk
    return shown


def run_answering(
    command: Sequence[str],
    env: Mapping[str, str],
    cwd: Path,
    prompt: bytes,
    answer: str,
    timeout: float = 600,
) -> tuple[int, str]:
    """Run `command` with a pty as its controlling terminal and `answer` typed at `prompt`:
    the exit code (-9 when it was killed at `timeout`) and everything the terminal showed."""
    terminal, line = os.openpty()
    pid = os.fork()
    if pid == 0:  # the child: a new session whose controlling terminal is the pty's line
        try:
            os.close(terminal)
            os.login_tty(line)
            os.chdir(cwd)
            os.execve(command[0], list(command), dict(env))  # noqa: S606 (no shell: an argv)
        finally:
            os._exit(127)
    shown, typed_at, deadline = b"", 0.0, time.monotonic() + timeout
    try:
        while True:
            if select.select([terminal], [], [], 0.2)[0]:
                shown += os.read(terminal, 4096)
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status), (shown + _drain(terminal)).decode(
                    errors="replace"
                )
            now = time.monotonic()
            if now >= deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return -signal.SIGKILL, shown.decode(errors="replace")
            reading = prompt in shown and not _echoes(line) and not _unread(line)
            if reading and now - typed_at > RETYPE_AFTER:
                os.write(terminal, answer.encode() + b"\r")
                typed_at = now
    finally:
        os.close(terminal)
        os.close(line)
