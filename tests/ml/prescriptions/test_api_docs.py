"""`/docs` of the suggestion API renders offline: every asset it references is served by the API (issue 20)."""

from __future__ import annotations

import re
import socket

import pytest


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_swagger_docs_reference_only_local_assets_that_load(no_network):
    from fastapi.testclient import TestClient

    from sehat.api import app

    client = TestClient(app)
    page = client.get("/docs")
    assert page.status_code == 200 and "SwaggerUIBundle" in page.text
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text) + re.findall(r"url: *'([^']+)'", page.text)
    assert urls, page.text
    for url in urls:
        assert not re.match(r"^(https?:)?//", url), f"/docs loads {url} from the network"
        response = client.get(url)
        assert response.status_code == 200, url
        assert len(response.content) > 100, url
    assert "/openapi.json" in urls
