"""Secrets on AWS: `<NAME>_PARAM` names a SecureString that settings read once, with decryption."""
from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from chalicelib.config import SSM_BACKED
from chalicelib.store import parameters
from chalicelib.wiring import get_settings, reset_settings
from harness.aws import Aws
from harness.counter import Request, RequestCounter
from harness.environment import BASE_ENV, REGION


@pytest.fixture
def on_aws(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The functional account with every SSM-backed value in Parameter Store instead of the environment."""
    ssm = boto3.client("ssm", region_name=REGION)
    stored = {name: f"stored-{name.lower()}" for name in SSM_BACKED}
    for name, value in stored.items():
        parameter = f"/mip/test/{name.lower().replace('_', '-')}"
        ssm.put_parameter(Name=parameter, Value=value, Type="SecureString")
        monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv(name + parameters.PARAM_SUFFIX, parameter)
    reset_settings()
    yield stored
    reset_settings()


@pytest.fixture
def ssm_calls() -> Iterator[list[Request]]:
    """Every SSM request made by any client created meanwhile (the harness's botocore hooks)."""
    with RequestCounter("ssm") as counter, counter.recording() as requests:
        yield requests


def test_settings_read_secrets_from_parameter_store_in_one_call(
        on_aws: dict[str, str], ssm_calls: list[Request]) -> None:
    calls = ssm_calls
    settings = get_settings()

    assert settings.cursor_secret == on_aws["CURSOR_SECRET"].encode()
    assert settings.cnic_hash_key == on_aws["CNIC_HASH_KEY"].encode()
    assert settings.jazzcash_password == on_aws["JAZZCASH_PASSWORD"]
    assert settings.jazzcash_integrity_salt == on_aws["JAZZCASH_INTEGRITY_SALT"]
    assert settings.card_webhook_secret == on_aws["CARD_WEBHOOK_SECRET"]
    assert settings.api_base_url == on_aws["API_BASE_URL"]
    assert len(calls) == 1 and calls[0].params["WithDecryption"] is True
    get_settings()
    assert len(calls) == 1  # cached for the container


def test_the_environment_wins_and_then_ssm_is_not_called(
        on_aws: dict[str, str], monkeypatch: pytest.MonkeyPatch, ssm_calls: list[Request]) -> None:
    for name in SSM_BACKED:
        monkeypatch.setenv(name, BASE_ENV[name])

    assert get_settings().card_webhook_secret == BASE_ENV["CARD_WEBHOOK_SECRET"]
    assert ssm_calls == []


def test_a_parameter_that_does_not_exist_fails_by_name_without_values(
        on_aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARD_WEBHOOK_SECRET_PARAM", "/mip/test/never-put")

    with pytest.raises(parameters.ParameterMissingError) as raised:
        get_settings()

    assert "/mip/test/never-put" in str(raised.value)
    assert not any(value in str(raised.value) for value in on_aws.values())
