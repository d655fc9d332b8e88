"""What the functions are told: table names, URLs, limits and secrets, as one frozen value.

Nothing here is read at import time and nothing here fetches anything:
`chalicelib.wiring.get_settings()` builds the value once per container from the
environment and, on AWS, the secrets in SSM Parameter Store. On AWS the
environment comes from `.chalice/config.json` and the `Ref`/`GetAtt` values
merged from `infra/resources.yaml`; locally from `local/stack.py`.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

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
    "AuditTable": "TABLE_AUDIT",
    "ImportsTable": "TABLE_IMPORTS",
    "ImportRowsTable": "TABLE_IMPORT_ROWS",
    "ReviewsTable": "TABLE_REVIEWS",
    "BuyerLimitsTable": "TABLE_BUYER_LIMITS",
    "ReturnsTable": "TABLE_RETURNS",
    "RefundsTable": "TABLE_REFUNDS",
    "SearchTable": "TABLE_SEARCH",
    "PayoutRunsTable": "TABLE_PAYOUT_RUNS",
    "OutboxTable": "TABLE_OUTBOX",
    "DeliveriesTable": "TABLE_DELIVERIES",
    "NotificationSettingsTable": "TABLE_NOTIFICATION_SETTINGS",
}

SUPPORTED_CURRENCIES: tuple[str, ...] = ("PKR", "USD", "GBP", "EUR", "AED", "SAR")
# What a user signs up and in with: the user pool's UsernameAttributes (infra/resources.yaml).
SIGN_IN_WITH: tuple[str, ...] = ("email", "phone_number")
IMAGE_MAX_BYTES = 10 * 1024 * 1024
IMPORT_MAX_BYTES = 50 * 1024 * 1024  # a registry file: about 400,000 rows

# Set directly in the environment locally and in tests; on AWS the environment
# names an SSM parameter instead (`<NAME>_PARAM`, see chalicelib/store/parameters.py).
SSM_BACKED: tuple[str, ...] = ("API_BASE_URL", "CURSOR_SECRET", "CNIC_HASH_KEY", "JAZZCASH_PASSWORD",
                               "JAZZCASH_INTEGRITY_SALT", "CARD_WEBHOOK_SECRET", "CARD_API_KEY",
                               "EASYPAISA_HASH_KEY", "EASYPAISA_INQUIRY_PASSWORD")


def _env(name: str, default: str | None = None, *, values: Mapping[str, str] | None = None) -> str:
    value = (os.environ if values is None else values).get(name, default)
    if value is None or value == "":
        raise RuntimeError(f"environment variable {name} is not set")
    return value


def _positive(value: str | None, name: str) -> float | None:
    """A positive number from the environment, or None when unset (a zero or negative rate is a mistake)."""
    if value is None:
        return None
    number = float(value)
    if not number > 0:
        raise RuntimeError(f"environment variable {name} must be a positive number")
    return number


@dataclass(frozen=True)
class Settings:
    region: str
    tables: dict[str, str]
    images_bucket: str
    images_base_url: str
    user_pool_id: str
    user_pool_client_id: str
    ops_client_id: str
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
    import_queue_url: str
    # The import worker's Cognito pace (rows/s); None: the designed rate (onboarding/pace.py). Set only to
    # measure the local stack's own throughput (bench/bench_import.py).
    import_rows_per_second: float | None = None
    # Fair stock (API.md): open orders a buyer may hold, and units of one listing across them.
    max_open_orders: int = 5
    max_units_per_buyer: int = 10
    # Returns (API.md): a buyer may ask to return delivered lines within this many days of delivery.
    return_days: int = 14
    # Refunds go out through the gateways' server APIs (the local stack points them at its sandbox).
    card_api_url: str = "https://api.stripe.com"
    card_api_key: str = "unset"
    jazzcash_api_url: str = "https://payments.jazzcash.com.pk/ApplicationAPI/API"
    gateway_timeout_seconds: float = 10.0
    # Easypaisa's hosted checkout (its page and our store) and its Inquire Transaction API, whose answer is the
    # only thing an Easypaisa notification is believed on (payments/easypaisa.py).
    easypaisa_store_id: str = ""
    easypaisa_hash_key: str = ""
    easypaisa_action_url: str = ""
    easypaisa_api_url: str = "https://easypay.easypaisa.com.pk"
    easypaisa_account_num: str = "unset"
    easypaisa_inquiry_username: str = "unset"
    easypaisa_inquiry_password: str = "unset"
    # Notifications (chalicelib/notifications): the queue the outbox relay feeds, the SMS sender ID shown on
    # phones (registered for Pakistan), and the SES identity e-mails come from.
    notifications_queue_url: str = ""
    sms_sender_id: str = "MadeInPK"
    email_sender: str = "no-reply@madeinpakistan.example"
    # SMS quiet hours in Pakistan time, "22-8" (held from 22:00 until 08:00); "" turns them off (the local
    # stack only, so its end-to-end tests read a welcome SMS at any hour).
    sms_quiet_hours: str = "22-8"

    @classmethod
    def from_environment(cls, environ: Mapping[str, str], secrets: Mapping[str, str], *, region: str) -> Settings:
        """Settings from the function's environment; `secrets` holds the SSM_BACKED values (see wiring)."""

        def env(name: str, default: str | None = None) -> str:
            return _env(name, default, values=environ)

        def secret(name: str, default: str | None = None) -> str:
            return _env(name, default, values=secrets)

        return cls(
            region=region,
            tables={logical: env(var) for logical, var in TABLE_ENV.items()},
            images_bucket=env("IMAGES_BUCKET"),
            images_base_url=env("IMAGES_BASE_URL").rstrip("/"),
            user_pool_id=env("COGNITO_USER_POOL_ID"),
            user_pool_client_id=env("COGNITO_CLIENT_ID"),
            ops_client_id=env("COGNITO_OPS_CLIENT_ID"),
            cognito_endpoint=environ.get("COGNITO_ENDPOINT") or None,
            cursor_secret=secret("CURSOR_SECRET").encode(),
            cnic_hash_key=secret("CNIC_HASH_KEY").encode(),
            reservation_minutes=Decimal(env("RESERVATION_MINUTES", "30")),
            commission_bps=int(env("COMMISSION_BPS", "500")),
            jazzcash_merchant_id=env("JAZZCASH_MERCHANT_ID"),
            jazzcash_password=secret("JAZZCASH_PASSWORD", "unset"),
            jazzcash_integrity_salt=secret("JAZZCASH_INTEGRITY_SALT"),
            # Both gateway pages are settings with no fallback, so no stage can reach a sandbox by omission.
            jazzcash_action_url=env("JAZZCASH_ACTION_URL"),
            card_webhook_secret=secret("CARD_WEBHOOK_SECRET"),
            card_action_url=env("CARD_ACTION_URL"),
            api_base_url=secret("API_BASE_URL").rstrip("/"),
            storefront_url=env("STOREFRONT_URL").rstrip("/"),
            import_queue_url=env("IMPORT_QUEUE_URL"),
            import_rows_per_second=_positive(environ.get("IMPORT_ROWS_PER_SECOND") or None, "IMPORT_ROWS_PER_SECOND"),
            max_open_orders=int(env("MAX_OPEN_ORDERS", "5")),
            max_units_per_buyer=int(env("MAX_UNITS_PER_BUYER", "10")),
            return_days=int(env("RETURN_DAYS", "14")),
            card_api_url=env("CARD_API_URL", "https://api.stripe.com").rstrip("/"),
            card_api_key=secret("CARD_API_KEY", "unset"),
            jazzcash_api_url=env("JAZZCASH_API_URL",
                                 "https://payments.jazzcash.com.pk/ApplicationAPI/API").rstrip("/"),
            gateway_timeout_seconds=float(env("GATEWAY_TIMEOUT_SECONDS", "10")),
            easypaisa_store_id=env("EASYPAISA_STORE_ID"),
            easypaisa_hash_key=secret("EASYPAISA_HASH_KEY"),
            easypaisa_action_url=env("EASYPAISA_ACTION_URL"),
            easypaisa_api_url=env("EASYPAISA_API_URL", "https://easypay.easypaisa.com.pk").rstrip("/"),
            easypaisa_account_num=env("EASYPAISA_ACCOUNT_NUM", "unset"),
            easypaisa_inquiry_username=env("EASYPAISA_INQUIRY_USERNAME", "unset"),
            easypaisa_inquiry_password=secret("EASYPAISA_INQUIRY_PASSWORD", "unset"),
            notifications_queue_url=environ.get("NOTIFICATIONS_QUEUE_URL", ""),
            sms_sender_id=env("SMS_SENDER_ID", "MadeInPK"),
            email_sender=env("EMAIL_SENDER", "no-reply@madeinpakistan.example"),
            sms_quiet_hours=environ.get("SMS_QUIET_HOURS", "22-8"),
        )

    def table(self, logical_id: str) -> str:
        return self.tables[logical_id]


def client_config(settings: Settings) -> dict[str, object]:
    """What `GET /config` tells clients: how to sign in, which currencies, how large a photo may be."""
    return {"region": settings.region, "user_pool_id": settings.user_pool_id,
            "user_pool_client_id": settings.user_pool_client_id, "ops_client_id": settings.ops_client_id,
            "cognito_endpoint": settings.cognito_endpoint,
            "currencies": list(SUPPORTED_CURRENCIES), "image_max_bytes": IMAGE_MAX_BYTES,
            "sign_in_with": list(SIGN_IN_WITH), "return_days": settings.return_days}
