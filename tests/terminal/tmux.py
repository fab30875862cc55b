"""A program in a real terminal: tmux runs it at a given size, sends keys and reads the screen."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path

EXITED = "[exited with status "


class Terminal:
    """One tmux session on its own server socket, so no one's own tmux is touched."""

    def __init__(
        self,
        command: list[str],
        *,
        columns: int,
        rows: int = 50,
        cwd: Path,
        env: dict[str, str] | None = None,
    ) -> None:
        if not shutil.which("tmux"):
            raise RuntimeError("tmux is missing: run `bash scripts/install_browser.sh` (make test does)")
        self.socket = f"test-{uuid.uuid4().hex[:12]}"
        # the program's exit status stays on screen after it ends, and the pane stays open to read it
        script = f"{shlex.join(command)}; echo '{EXITED}'$?']'; sleep 600"
        # the size is the pane's: no COLUMNS or LINES from the test's own process
        exports = " ".join(f"{key}={shlex.quote(value)}" for key, value in (env or {}).items())
        self._tmux(
            "new-session",
            "-d",
            "-s",
            "chat",
            "-x",
            str(columns),
            "-y",
            str(rows),
            "-c",
            str(cwd),
            f"env -u COLUMNS -u LINES {exports} bash -c {shlex.quote(script)}",
        )

    def _tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, "-f", os.devnull, *args], check=True, capture_output=True, text=True
        ).stdout

    def send(self, text: str) -> None:
        """Type a line and press Enter."""
        self._tmux("send-keys", "-t", "chat", "-l", text)
        self._tmux("send-keys", "-t", "chat", "Enter")

    def key(self, name: str) -> None:
        self._tmux("send-keys", "-t", "chat", name)

    def screen(self, *, escapes: bool = False) -> str:
        """The whole pane with its scrollback, as a person would read it (with colour codes if asked)."""
        return self._tmux("capture-pane", "-p", "-t", "chat", "-S", "-", *(["-e"] if escapes else []))

    def text(self) -> str:
        """The screen's words with line breaks and indents made single spaces: text wrapped at any width."""
        return " ".join(self.screen().split())

    def wait_for(self, check: Callable[[str], bool] | str, timeout: float = 90) -> str:
        """The screen's text once `check` holds (or contains the string); fails with the screen."""
        test = (lambda text: check in text) if isinstance(check, str) else check
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.text()
            if test(text):
                return text
            time.sleep(0.2)
        raise AssertionError(f"not on screen after {timeout}s: {check!r}\n--- screen ---\n{self.screen()}")

    def exit_status(self, timeout: float = 20) -> int:
        text = self.wait_for(EXITED, timeout)
        return int(re.search(re.escape(EXITED) + r"(\d+)\]", text).group(1))

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)
