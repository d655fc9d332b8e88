"""Finding a user by phone number or e-mail through the local emulator (`local.moto_cognito`'s index).

The index must answer exactly as moto's full read of every user did: a changed number is found
under the new one and no longer under the old, a deleted user is gone, and a lookup in a pool of
thousands costs about what it costs in a pool of a few.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from local.emulator import LocalAws

MANY = 8000


@pytest.fixture(scope="module")
def cognito() -> Iterator[Any]:
    aws = LocalAws("127.0.0.1", 0)
    aws.start()
    try:
        yield boto3.client("cognito-idp", endpoint_url=aws.endpoint_url, region_name="ap-south-1",
                           aws_access_key_id="local", aws_secret_access_key="local")
    finally:
        aws.stop()


def new_pool(cognito: Any) -> str:
    created = cognito.create_user_pool(PoolName="index", UsernameAttributes=["email", "phone_number"])
    pool: str = created["UserPool"]["Id"]
    return pool


def add(cognito: Any, pool: str, phone: str) -> str:
    user = cognito.admin_create_user(UserPoolId=pool, Username=phone, MessageAction="SUPPRESS",
                                     UserAttributes=[{"Name": "phone_number", "Value": phone}])["User"]
    sub: str = next(a["Value"] for a in user["Attributes"] if a["Name"] == "sub")
    return sub


def test_users_are_found_by_their_current_number_and_e_mail_only(cognito: Any) -> None:
    pool = new_pool(cognito)
    sub = add(cognito, pool, "+923001110001")
    with pytest.raises(cognito.exceptions.UsernameExistsException):
        add(cognito, pool, "+923001110001")
    cognito.admin_update_user_attributes(UserPoolId=pool, Username="+923001110001", UserAttributes=[
        {"Name": "phone_number", "Value": "+923001110002"}, {"Name": "email", "Value": "a@test.mip.pk"}])
    for alias in ("+923001110002", "a@test.mip.pk"):
        found = cognito.admin_get_user(UserPoolId=pool, Username=alias)["UserAttributes"]
        assert {"Name": "sub", "Value": sub} in found
    with pytest.raises(cognito.exceptions.UserNotFoundException):
        cognito.admin_get_user(UserPoolId=pool, Username="+923001110001")
    other = new_pool(cognito)  # the same number in another pool is another user
    assert add(cognito, other, "+923001110002") != sub
    cognito.admin_delete_user(UserPoolId=pool, Username="a@test.mip.pk")
    with pytest.raises(cognito.exceptions.UserNotFoundException):
        cognito.admin_get_user(UserPoolId=pool, Username="+923001110002")
    assert add(cognito, pool, "+923001110002") != sub


def median_lookup_ms(cognito: Any, pool: str, phone: str, runs: int = 15) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        cognito.admin_get_user(UserPoolId=pool, Username=phone)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def test_a_lookup_in_a_large_pool_costs_about_what_it_costs_in_a_small_one(cognito: Any) -> None:
    small, large = new_pool(cognito), new_pool(cognito)
    add(cognito, small, "+923100000000")
    for number in range(MANY):
        add(cognito, large, f"+9231{number:08d}")
    small_ms = median_lookup_ms(cognito, small, "+923100000000")
    large_ms = median_lookup_ms(cognito, large, f"+9231{MANY - 1:08d}")
    # moto read every user: ~1 µs each, 8 ms more at 8,000 users, against ~3 ms for the lookup itself.
    assert large_ms < 2 * small_ms + 2, (small_ms, large_ms)
