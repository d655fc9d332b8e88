from __future__ import annotations

from harness.http import body_of, call


def test_health_answers_ok(client):
    response = call(client, "GET", "/health")
    assert response.status_code == 200
    assert body_of(response) == {"status": "ok"}
