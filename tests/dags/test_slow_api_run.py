"""A multi-day run through the real scheduler while the API is slow: status calls that time out are
retried with backoff and the run completes, with no run left "running"."""

from __future__ import annotations

from datetime import date

import pytest

from sehat.generate import GenerateConfig, generate
from sehat.orchestrate import run_through_scheduler
from sehat.release.exports import current_publication

pytestmark = [pytest.mark.airflow, pytest.mark.e2e, pytest.mark.timeout(900)]

SEG = "consulted_no_order_30d"


def _generate(cfg, days):
    return generate(GenerateConfig(customers=800, days=days, start=date(2026, 11, 1), seed=11, data_dir=cfg.data_dir))


class _FlakyTransport:
    """An httpx transport that delays every status read and times out every third one."""

    def __init__(self, delay: float = 0.5, every: int = 3):
        import httpx

        self.inner = httpx.HTTPTransport()
        self.delay, self.every, self.reads, self.timeouts = delay, every, 0, 0

    def handle_request(self, request):
        import time

        import httpx

        if request.method == "GET" and "/dagRuns" in request.url.path:
            self.reads += 1
            time.sleep(self.delay)
            if self.reads % self.every == 0:
                self.timeouts += 1
                raise httpx.ReadTimeout("injected: the API did not answer in time", request=request)
        return self.inner.handle_request(request)

    def close(self):
        self.inner.close()


@pytest.mark.e2e
def test_multi_day_run_under_a_slow_api_completes(home):
    """Status calls that time out (every third) are retried with backoff: the run completes,
    and no run is left "running". Before, the first ReadTimeout ended `sehat run` half-way."""
    from sehat.orchestrate import ApiClient

    _generate(home, days=2)
    transport = _FlakyTransport()

    def slow_client(base_url):
        return ApiClient(base_url, retry_for=120, max_wait=4, transport=transport)

    result = run_through_scheduler(
        ["2026-11-01", "2026-11-02"], timeout=900, cfg=home, retries=0, api_factory=slow_client
    )
    assert transport.timeouts >= 3, transport.reads
    assert result.ok, (result.failures, result.states)
    assert all(state == "success" for runs in result.states.values() for state in runs.values())
    assert current_publication(SEG, home)["as_of"] == "2026-11-02"
