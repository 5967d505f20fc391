"""How the command line reports errors: one line for an expected one, a traceback for a bug.

:class:`SehatGroup` is the click group class of ``sehat`` and of its sub-apps (``sehat
airflow``, also run as ``python -m sehat.orchestrate``): one handler for every command.
"""

from __future__ import annotations

import os

import click
from typer.core import TyperGroup

from sehat.errors import SehatError


def user_error(exc: BaseException) -> str | None:
    """The one line to print for an expected error, or ``None`` for a bug (keep the traceback).

    Expected: :class:`SehatError` (bad input, another writer, ...), a missing file, and
    DuckDB's own errors about a query or a lock (the user's SQL, the snapshot being read-only).
    """
    import duckdb

    from sehat.subprocesses import WriterBusy, lock_holder

    if isinstance(exc, SehatError | FileNotFoundError):
        return str(exc)
    if isinstance(exc, duckdb.Error):
        message = str(exc).strip()
        if busy := lock_holder(message):
            return str(WriterBusy(*busy))
        first = message.splitlines()[0] if message else type(exc).__name__
        if isinstance(exc, duckdb.IOException):
            return f"{first} (check the path)"
        if "read only mode" in message or "read-only" in message:
            return f"{first} (the analysts' snapshot is read-only; writes go through the pipeline)"
        return f"{first} (DuckDB; check the statement, e.g. against `sehat status`)"
    return None


class SehatGroup(TyperGroup):
    """The ``sehat`` group: expected errors become one ``error: ...`` line and exit 1.

    One handler for every command and sub-command (``sehat airflow ...``, ``sehat
    prescriptions ...``): commands raise :class:`SehatError` instead of catching.
    ``sehat --debug ...`` (or ``SEHAT_DEBUG=1``) re-raises with the full traceback.
    """

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except Exception as exc:
            message = user_error(exc)
            debug = ctx.meta.get("sehat_debug") or os.environ.get("SEHAT_DEBUG", "") not in (
                "",
                "0",
            )
            if message is None or debug:
                raise
            click.echo(f"error: {message}", err=True)
            ctx.exit(1)
