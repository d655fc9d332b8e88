"""The environment the functions are given in-process, and a way to set it without pytest."""
from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

REGION = "ap-south-1"

# What `.chalice/config.json` and the SSM parameters give a function, with test values; the
# provisioned stack adds the resource names (tables, bucket, queues, user pool).
BASE_ENV: dict[str, str] = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "IMAGES_BASE_URL": "https://images.test.example",
    "CURSOR_SECRET": "functional-cursor-secret",
    "CNIC_HASH_KEY": "functional-cnic-key",
    "RESERVATION_MINUTES": "30",
    "COMMISSION_BPS": "500",
    "JAZZCASH_MERCHANT_ID": "MC12345",
    "JAZZCASH_PASSWORD": "jc-password",
    "JAZZCASH_INTEGRITY_SALT": "0F5DD14AE2",
    "JAZZCASH_ACTION_URL": "https://sandbox.test.example/sandbox/jazzcash",
    "EASYPAISA_STORE_ID": "43511",
    "EASYPAISA_HASH_KEY": "8JZVPIU6MPD6H4GH",
    "EASYPAISA_ACTION_URL": "https://sandbox.test.example/sandbox/easypaisa",
    "EASYPAISA_ACCOUNT_NUM": "654321987",
    "EASYPAISA_INQUIRY_USERNAME": "mip-inquiry",
    "EASYPAISA_INQUIRY_PASSWORD": "ep-inquiry-password",
    "CARD_ACTION_URL": "https://sandbox.test.example/sandbox/card",
    "CARD_WEBHOOK_SECRET": "whsec_functional",
    "CARD_API_KEY": "sk_functional",
    "API_BASE_URL": "https://api.test.example",
    "STOREFRONT_URL": "https://shop.test.example",
    # moto checks TOTP codes only when told; ops sign in with real codes, as on Cognito.
    "MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP": "true",
}


@contextmanager
def patched_environ(values: Mapping[str, str | None]) -> Iterator[None]:
    """Set each variable (None unsets it) for the block, then put back exactly what was there before.

    Only the names given are restored, so changes made meanwhile to other variables (by
    pytest's monkeypatch, say) are left to whoever made them.
    """
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, previous in saved.items():
            if previous is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = previous
