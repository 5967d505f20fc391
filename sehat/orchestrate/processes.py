"""Process supervision: Airflow components started in one process group and stopped together."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Self

from sehat.orchestrate.env import _say, _tail


class Components:
    """Airflow components started in ONE new process group; stopped together by that group."""

    def __init__(
        self, commands: Mapping[str, Sequence[str]], env: Mapping[str, str], log_dir: Path
    ):
        self.commands = dict(commands)
        self.env = dict(env)
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen] = {}
        self.pgid: int | None = None

    def start(self) -> Self:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        try:
            for name, argv in self.commands.items():
                with (self.log_dir / f"{name}.log").open("w") as out:
                    # The first component leads a new process group; the others join it.
                    proc = subprocess.Popen(
                        list(argv),
                        env=self.env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        process_group=self.pgid or 0,
                    )
                if self.pgid is None:
                    self.pgid = proc.pid
                self.procs[name] = proc
                _say(
                    f"started {name} (pid {proc.pid}, process group {self.pgid}): {' '.join(argv)}"
                )
        except BaseException:
            self.stop()
            raise
        return self

    def dead(self) -> dict[str, int]:
        return {
            name: proc.returncode for name, proc in self.procs.items() if proc.poll() is not None
        }

    def stop(self, grace: float = 20) -> None:
        if self.pgid is None:
            return
        _say(f"stopping process group {self.pgid}")
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.pgid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                for proc in self.procs.values():
                    proc.poll()
                if not _group_alive(self.pgid):
                    break
                time.sleep(0.3)
            if not _group_alive(self.pgid):
                break
        for proc in self.procs.values():
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self.pgid = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def tails(self, lines: int = 25) -> str:
        return "\n".join(
            f"--- {name}\n{_tail(self.log_dir / f'{name}.log', lines)}" for name in self.commands
        )


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
