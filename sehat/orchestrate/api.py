"""A small client of Airflow's REST API (``/api/v2``), the way an operator's script would talk to it.

Every read (status polls, lists) is retried with exponential backoff (tenacity) on
transport errors (timeouts, refused connections) and 5xx answers: a loaded machine
makes a status call take longer than its timeout now and then, and that must not end
a multi-day run. A 4xx answer is an error at once.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from tenacity import (
    Retrying,
    before_sleep_log,
    retry_if_exception,
    stop_after_delay,
    wait_exponential,
)

log = logging.getLogger(__name__)


def _transient(exc: BaseException) -> bool:
    """Worth another try: no answer in time / no connection, or the server's own 5xx."""
    import httpx

    if isinstance(exc, httpx.TransportError):
        return True
    return isinstance(exc, httpx.HTTPStatusError) and exc.response.status_code >= 500


class ApiClient:
    """Tiny ``/api/v2`` client (httpx). Local deployments use all-admins auth: no token needed."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        timeout: float = 15,
        *,
        retry_for: float = 300,
        max_wait: float = 20,
        transport=None,
    ):
        """``retry_for``: seconds a read keeps retrying (backoff 1 s doubling up to ``max_wait``).

        ``transport``: an ``httpx`` transport (tests pass a mock one).
        """
        import httpx

        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.base_url = base_url.rstrip("/")
        self.retry_for = retry_for
        self.max_wait = max_wait
        self.http = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=timeout,
            trust_env=False,
            transport=transport,
        )

    def _retrying(self) -> Retrying:
        return Retrying(
            retry=retry_if_exception(_transient),
            wait=wait_exponential(multiplier=1, min=1, max=self.max_wait),
            stop=stop_after_delay(self.retry_for),
            before_sleep=before_sleep_log(log, logging.WARNING),
            reraise=True,
        )

    @classmethod
    def with_password(cls, base_url: str, username: str, password: str) -> ApiClient:
        import httpx

        response = httpx.post(
            f"{base_url.rstrip('/')}/auth/token",
            json={"username": username, "password": password},
            trust_env=False,
        )
        response.raise_for_status()
        return cls(base_url, token=response.json()["access_token"])

    def get(self, path: str, **params) -> dict:
        """``GET /api/v2<path>``, retried with backoff on timeouts and 5xx (see the module doc)."""
        for attempt in self._retrying():
            with attempt:
                response = self.http.get(f"/api/v2{path}", params=params or None)
                response.raise_for_status()
        return response.json()

    def _send(self, method: str, path: str, **kwargs):
        """A write (PATCH/POST) retried only on connection errors, where the server never saw it."""
        import httpx

        retrying = self._retrying()
        retrying.retry = retry_if_exception(lambda e: isinstance(e, httpx.ConnectError))
        for attempt in retrying:
            with attempt:
                response = self.http.request(method, f"/api/v2{path}", **kwargs)
        return response

    def health(self) -> dict | None:
        try:
            response = self.http.get("/api/v2/monitor/health")
        except Exception:  # noqa: BLE001 - not up yet
            return None
        return response.json() if response.status_code == 200 else None

    def dag_exists(self, dag_id: str) -> bool:
        try:
            return self.http.get(f"/api/v2/dags/{dag_id}").status_code == 200
        except Exception:  # noqa: BLE001
            return False

    def unpause(self, dag_id: str) -> None:
        self._send("PATCH", f"/dags/{dag_id}", json={"is_paused": False}).raise_for_status()

    def trigger(self, dag_id: str, day: str, conf: dict | None = None) -> str:
        """Trigger a run with logical date ``day`` (clears and re-runs an existing one). Returns its run id."""
        start = datetime.fromisoformat(day).replace(tzinfo=UTC)
        body = {
            "logical_date": start.isoformat(),
            "data_interval_start": start.isoformat(),
            "data_interval_end": (start + timedelta(days=1)).isoformat(),
            "conf": conf or {},
            "note": "triggered by sehat.orchestrate",
        }
        response = self._send("POST", f"/dags/{dag_id}/dagRuns", json=body)
        if response.status_code == 409:  # this day already ran in this metadata DB: run it again
            runs = self.get(
                f"/dags/{dag_id}/dagRuns",
                logical_date_gte=start.isoformat(),
                logical_date_lte=start.isoformat(),
            )["dag_runs"]
            if not runs:
                response.raise_for_status()
            run_id = runs[0]["dag_run_id"]
            self._send(
                "POST", f"/dags/{dag_id}/dagRuns/{run_id}/clear", json={"dry_run": False}
            ).raise_for_status()
            return run_id
        response.raise_for_status()
        return response.json()["dag_run_id"]

    def run_state(self, dag_id: str, run_id: str) -> str:
        return self.get(f"/dags/{dag_id}/dagRuns/{run_id}")["state"]

    def runs_since(self, dag_id: str, since: datetime) -> list[dict]:
        return self.get(
            f"/dags/{dag_id}/dagRuns",
            run_after_gte=since.isoformat(),
            order_by="run_after",
            limit=100,
        )["dag_runs"]

    def upstream_days(self, dag_id: str, run_id: str) -> list[str]:
        events = self.get(f"/dags/{dag_id}/dagRuns/{run_id}/upstreamAssetEvents")["asset_events"]
        days: set[str] = set()
        for event in events:
            extra = event.get("extra") or {}
            days.update(filter(None, [extra.get("day"), *(extra.get("days") or [])]))
        return sorted(days)

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str | None]:
        """``{task_id: state}`` of one run (``None``: not scheduled yet)."""
        tis = self.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances")["task_instances"]
        return {ti["task_id"]: ti["state"] for ti in tis}

    def failed_tasks(self, dag_id: str, run_id: str) -> list[str]:
        states = self.task_states(dag_id, run_id)
        return [task for task, state in states.items() if state in ("failed", "upstream_failed")]

    def unfinished_runs(self, dag_id: str) -> list[str]:
        """Run ids of ``dag_id`` that are queued or running."""
        runs = self.get(f"/dags/{dag_id}/dagRuns", state=["queued", "running"], limit=100)
        return [run["dag_run_id"] for run in runs["dag_runs"]]

    def mark_failed(self, dag_id: str, run_id: str) -> None:
        """Set a run to ``failed`` (Airflow fails its unfinished tasks): nothing stays "running"."""
        self._send(
            "PATCH", f"/dags/{dag_id}/dagRuns/{run_id}", json={"state": "failed"}
        ).raise_for_status()
