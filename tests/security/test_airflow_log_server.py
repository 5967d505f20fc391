"""Airflow's log servers (``serve-logs``) listen on every interface and Airflow 3.3 has no setting
for their address, so the local scheduler route does not start them (``sehat.orchestrate.local_commands``)."""

from __future__ import annotations

import inspect

import pytest

pytest.importorskip("airflow", reason="Airflow is in the orchestration extra")


@pytest.mark.parametrize("component", ["airflow-scheduler", "airflow-triggerer"])
def test_the_local_route_starts_no_log_server(component):
    from airflow.cli.cli_parser import get_parser

    from sehat.orchestrate import local_commands

    argv = local_commands()[component]
    assert argv[0] == "airflow"
    args = get_parser().parse_args(argv[1:])  # Airflow's own parser accepts the flag
    assert args.skip_serve_logs is True


def test_airflow_still_binds_its_log_server_to_every_interface():
    """Why the route skips the log servers instead of binding them to 127.0.0.1: when an Airflow
    upgrade adds a host setting (proposed in apache/airflow#60117), this fails: set it in
    ``airflow_env`` to 127.0.0.1 and let ``airflow standalone`` use it too."""
    from airflow.configuration import conf
    from airflow.utils.serve_logs import core

    assert not conf.has_option("logging", "worker_log_server_host")
    assert 'host="",' in inspect.getsource(core.serve_logs)
