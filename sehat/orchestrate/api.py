"""A small client of Airflow's REST API (``/api/v2``), the way an operator's script would talk to it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class ApiClient:
    """Tiny ``/api/v2`` client (httpx). Local deployments use all-admins auth: no token needed."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 15):
        import httpx

        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(
            base_url=self.base_url, headers=headers, timeout=timeout, trust_env=False
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
        response = self.http.get(f"/api/v2{path}", params=params or None)
        response.raise_for_status()
        return response.json()

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
        self.http.patch(f"/api/v2/dags/{dag_id}", json={"is_paused": False}).raise_for_status()

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
        response = self.http.post(f"/api/v2/dags/{dag_id}/dagRuns", json=body)
        if response.status_code == 409:  # this day already ran in this metadata DB: run it again
            runs = self.get(
                f"/dags/{dag_id}/dagRuns",
                logical_date_gte=start.isoformat(),
                logical_date_lte=start.isoformat(),
            )["dag_runs"]
            if not runs:
                response.raise_for_status()
            run_id = runs[0]["dag_run_id"]
            self.http.post(
                f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/clear", json={"dry_run": False}
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

    def failed_tasks(self, dag_id: str, run_id: str) -> list[str]:
        tis = self.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances")["task_instances"]
        return [ti["task_id"] for ti in tis if ti["state"] in ("failed", "upstream_failed")]
