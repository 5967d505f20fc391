"""Process supervision: Airflow components started in one process group and stopped together."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Self

from sehat.orchestrate.env import _say, _tail
from sehat.subprocesses import die_with_parent


@contextlib.contextmanager
def signals_as_interrupt(signals: tuple[int, ...] = (signal.SIGTERM, signal.SIGHUP)):
    """Inside the block, SIGTERM (``kill <pid>``) and SIGHUP raise ``KeyboardInterrupt`` like Ctrl-C,

    so the cleanup that Ctrl-C runs (stopping a process group, failing unfinished runs)
    also runs when a service manager or an operator terminates the process. Only in the
    main thread (elsewhere Python cannot install handlers; the block then runs as is).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, _frame):
        raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")

    previous = {sig: signal.signal(sig, interrupt) for sig in signals}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


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
                        # SIGTERM to each component if this process dies without cleaning up
                        preexec_fn=die_with_parent,  # noqa: PLW1509 - only prctl runs in the child
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
