"""Child processes that die with their parent, and a clear word when another writer holds DuckDB.

* :func:`die_with_parent`: a ``preexec_fn`` that asks Linux to send the child SIGTERM
  when the process that started it dies (``prctl(PR_SET_PDEATHSIG)``), so a killed
  ``sehat run`` or Airflow task leaves no ``dbt`` behind holding the warehouse lock.
  Elsewhere it does nothing (the process-group cleanup still applies).
* :func:`lock_holder`: the pid named by DuckDB's ``Could not set lock on file`` error;
  :class:`WriterBusy` is the error to raise with it ("another writer is running (pid N)").
"""

from __future__ import annotations

import ctypes
import os
import re
import signal
import sys

from sehat.errors import SehatError

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>

_LOCK_RE = re.compile(r"Could not set lock on file \"?([^\"\n:]+)\"?.*?\(PID (\d+)\)", re.DOTALL)


# resolved once in the parent: the child between fork and exec only calls it (no dlopen there)
_prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None


def die_with_parent(sig: int = signal.SIGTERM) -> None:
    """``preexec_fn``: the child gets ``sig`` when its parent dies (Linux only; else a no-op)."""
    if _prctl is None:
        return
    _prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    # the parent may already be gone between fork and prctl: then go now
    if os.getppid() == 1:
        os.kill(os.getpid(), sig)


class WriterBusy(SehatError):
    """Another process holds the single-writer lock of a DuckDB file."""

    def __init__(self, path: str, pid: int | None):
        self.path, self.pid = path, pid
        who = f"pid {pid}" if pid else "another process"
        super().__init__(
            f"another writer is running ({who}) and holds {path}: wait for it to finish"
            f" or stop it (kill {pid or '<pid>'}), then retry"
        )


def lock_holder(message: str) -> tuple[str, int | None] | None:
    """``(file, pid)`` when ``message`` is DuckDB's lock conflict, else ``None``."""
    if "Could not set lock on file" not in message:
        return None
    match = _LOCK_RE.search(message)
    if match:
        return match.group(1).strip(), int(match.group(2))
    path = re.search(r"Could not set lock on file \"?([^\"\n:]+)", message)
    return (path.group(1).strip() if path else "the warehouse"), None
