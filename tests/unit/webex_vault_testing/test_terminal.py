"""webex_vault_testing.terminal: the answer reaches a prompt that hides it, even when the prompt
flushes the terminal after showing its text (as ansible's does), and is never shown."""

from __future__ import annotations

import sys
from pathlib import Path

from webex_vault_testing import terminal

# Shows its prompt, stops echoing, waits, flushes what was typed so far (as ansible's prompt
# does, a race for whoever types early), then reads a line and says how long the answer was.
PROMPT = r"""
import sys, termios, time, tty
fd = sys.stdin.fileno()
print("Secret please (output is hidden):", flush=True)
saved = termios.tcgetattr(fd)
tty.setraw(fd)
time.sleep(float(sys.argv[1]))
termios.tcflush(fd, termios.TCIFLUSH)
answer = b""
while (key := sys.stdin.buffer.read(1)) not in (b"\r", b"\n"):
    answer += key
termios.tcsetattr(fd, termios.TCSADRAIN, saved)
print(f"read {len(answer)} characters", flush=True)
"""


def run(delay: float) -> tuple[int, str]:
    command = [sys.executable, "-c", PROMPT, str(delay)]
    return terminal.run_answering(command, {}, Path.cwd(), b"Secret please", "s3cret", timeout=30)


def test_the_answer_is_read_and_not_shown() -> None:
    code, shown = run(0)
    assert code == 0, shown
    assert "read 6 characters" in shown
    assert "s3cret" not in shown


def test_an_answer_flushed_by_the_prompt_is_typed_again(monkeypatch) -> None:
    monkeypatch.setattr(terminal, "RETYPE_AFTER", 0.5)
    code, shown = run(1.0)
    assert code == 0, shown
    assert "read 6 characters" in shown
    assert "s3cret" not in shown


def test_a_prompt_nobody_answers_is_killed_at_the_timeout() -> None:
    command = [sys.executable, "-c", "import time; time.sleep(60)"]
    code, _ = terminal.run_answering(command, {}, Path.cwd(), b"never", "x", timeout=1)
    assert code == -9
