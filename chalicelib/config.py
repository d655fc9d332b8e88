"""Settings from environment variables, read once, lazily.

Nothing here is read at import time, so tests can set the environment first.
On AWS the function environment comes from `.chalice/config.json` and the
`Ref`/`GetAtt` values merged from `infra/resources.yaml`, and the secrets from
SSM Parameter Store (`chalicelib/store/parameters.py`); locally from `local/stack.py`.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

# CloudFormation logical id of each table -> the environment variable holding its name.
TABLE_ENV: dict[str, str] = {
    "ArtisansTable": "TABLE_ARTISANS",
    "ClaimsTable": "TABLE_CLAIMS",
    "ListingsTable": "TABLE_LISTINGS",
    "OrdersTable": "TABLE_ORDERS",
    "ArtisanOrdersTable": "TABLE_ARTISAN_ORDERS",
    "IdempotencyTable": "TABLE_IDEMPOTENCY",
    "PaymentEventsTable": "TABLE_PAYMENT_EVENTS",
    "PayoutsTable": "TABLE_PAYOUTS",
    "SettingsTable": "TABLE_SETTINGS",
}

SUPPORTED_CURRENCIES: tuple[str, ...] = ("PKR", "USD", "GBP", "EUR", "AED", "SAR")
IMAGE_MAX_BYTES = 10 * 1024 * 1024

# Set directly in the environment locally and in tests; on AWS the environment
# names an SSM parameter instead (`<NAME>_PARAM`, see chalicelib/store/parameters.py).
SSM_BACKED: tuple[str, ...] = ("API_BASE_URL", "CURSOR_SECRET", "CNIC_HASH_KEY", "JAZZCASH_PASSWORD",
                               "JAZZCASH_INTEGRITY_SALT", "CARD_WEBHOOK_SECRET")


def _env(name: str, default: str | None = None, *, values: Mapping[str, str] | None = None) -> str:
    value = (os.environ if values is None else values).get(name, default)
    if value is None or value == "":
        raise RuntimeError(f"environment variable {name} is not set")
    return value


@dataclass(frozen=True)
class Settings:
    region: str
    tables: dict[str, str]
    images_bucket: str
    images_base_url: str
    user_pool_id: str
    user_pool_client_id: str
    cognito_endpoint: str | None
    cursor_secret: bytes
    cnic_hash_key: bytes
    reservation_minutes: Decimal
    commission_bps: int
    jazzcash_merchant_id: str
    jazzcash_password: str
    jazzcash_integrity_salt: str
    jazzcash_action_url: str
    card_webhook_secret: str
    card_action_url: str
    api_base_url: str
    storefront_url: str

    def table(self, logical_id: str) -> str:
        return self.tables[logical_id]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    from .store.parameters import resolve  # boto3 only once settings are needed

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "ap-south-1"
    stored = resolve(SSM_BACKED, region=region)
    return Settings(
        region=region,
        tables={logical: _env(var) for logical, var in TABLE_ENV.items()},
        images_bucket=_env("IMAGES_BUCKET"),
        images_base_url=_env("IMAGES_BASE_URL").rstrip("/"),
        user_pool_id=_env("COGNITO_USER_POOL_ID"),
        user_pool_client_id=_env("COGNITO_CLIENT_ID"),
        cognito_endpoint=os.environ.get("COGNITO_ENDPOINT") or None,
        cursor_secret=_env("CURSOR_SECRET", values=stored).encode(),
        cnic_hash_key=_env("CNIC_HASH_KEY", values=stored).encode(),
        reservation_minutes=Decimal(_env("RESERVATION_MINUTES", "30")),
        commission_bps=int(_env("COMMISSION_BPS", "500")),
        jazzcash_merchant_id=_env("JAZZCASH_MERCHANT_ID", "MC00000"),
        jazzcash_password=_env("JAZZCASH_PASSWORD", "unset", values=stored),
        jazzcash_integrity_salt=_env("JAZZCASH_INTEGRITY_SALT", values=stored),
        jazzcash_action_url=_env("JAZZCASH_ACTION_URL"),
        card_webhook_secret=_env("CARD_WEBHOOK_SECRET", values=stored),
        # The card client's payment page; locally the sandbox gateway served beside the storefront.
        card_action_url=os.environ.get("CARD_ACTION_URL") or f"{_env('STOREFRONT_URL').rstrip('/')}/sandbox/card",
        api_base_url=_env("API_BASE_URL", values=stored).rstrip("/"),
        storefront_url=_env("STOREFRONT_URL").rstrip("/"),
    )


def reset_settings() -> None:
    """Forget the cached settings (tests that change the environment call this)."""
    get_settings.cache_clear()


def client_config(settings: Settings) -> dict[str, object]:
    """What `GET /config` tells clients: how to sign in, which currencies, how large a photo may be."""
    return {"region": settings.region, "user_pool_id": settings.user_pool_id,
            "user_pool_client_id": settings.user_pool_client_id, "cognito_endpoint": settings.cognito_endpoint,
            "currencies": list(SUPPORTED_CURRENCIES), "image_max_bytes": IMAGE_MAX_BYTES}
