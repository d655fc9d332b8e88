"""Logs carry no CNIC, phone number, token or address, over a whole order flow.

Everything the process writes is captured at the file-descriptor level
(Powertools' logger and the EMF metrics write straight to stdout), including
refused requests, whose bodies are the likeliest to be echoed.
"""
from __future__ import annotations

import json

from harness.factories import (
    active_listing,
    make_address,
    make_order,
    make_profile,
    order_of,
    placed,
    start_payment,
    verified_artisan,
)
from harness.gateways import card_success, jazzcash_return, post_card, post_jazzcash
from harness.http import call

CNIC = "42101-9876543-1"
ARTISAN_PHONE = "+923219876543"
BUYER_PHONE = "+923335550111"
STREET = "House 77, Gali Noorani"


def test_a_full_order_flow_logs_no_personal_data(client, aws, capfd):
    artisan = verified_artisan(client, aws, cnic=CNIC, phone=ARTISAN_PHONE)
    ops = aws.user("ops")
    buyer = aws.user()
    listing = active_listing(client, artisan, stock=5)
    address = make_address(phone=BUYER_PHONE, line1=STREET)

    jazzcash_order = placed(client, buyer, make_order((listing["listing_id"], 1), shipping_address=address))
    form = start_payment(client, buyer, jazzcash_order["order_id"])["form_fields"]
    assert post_jazzcash(client, jazzcash_return(form, salt=aws.env["JAZZCASH_INTEGRITY_SALT"])).status_code == 200
    card_order = placed(client, buyer, make_order((listing["listing_id"], 1), shipping_address=address,
                                                  payment_method="card", currency="USD"))
    assert post_card(client, card_success(card_order), secret=aws.env["CARD_WEBHOOK_SECRET"]).status_code == 200
    shipped = call(client, "POST", f"/orders/{card_order['order_id']}/shipments", artisan,
                   {"carrier": "tcs", "tracking_number": "TCS123"})
    assert shipped.status_code == 200
    assert call(client, "POST", f"/ops/orders/{card_order['order_id']}/delivered", ops).status_code == 200
    assert order_of(client, card_order["order_id"], buyer)["status"] == "delivered"

    # Refusals that carry the secrets in their bodies or headers.
    other = aws.user("artisans")
    duplicate = call(client, "PUT", "/artisans/me", other, make_profile(cnic=CNIC, phone=ARTISAN_PHONE))
    assert duplicate.status_code == 409
    bad_phone = call(client, "PUT", "/artisans/me", other, make_profile(cnic="4210-1", phone=ARTISAN_PHONE + "x"))
    assert bad_phone.status_code == 400
    bad_address = make_order((listing["listing_id"], 1), shipping_address=dict(address, country="pk"))
    assert call(client, "POST", "/orders", buyer, bad_address, headers={"Idempotency-Key": "k"}).status_code == 400
    forged = call(client, "GET", "/orders", None, headers={"Authorization": f"Bearer {buyer.token}x"})
    assert forged.status_code == 401
    assert call(client, "GET", "/artisans/me", artisan).status_code == 200

    out, err = capfd.readouterr()
    written = out + err
    assert '"service":"marketplace"' in written.replace(" ", "")  # the capture does see our structured logs
    for secret in (CNIC, CNIC.replace("-", ""), ARTISAN_PHONE, BUYER_PHONE, STREET, buyer.token, artisan.token,
                   json.dumps(address)):
        assert secret not in written, f"{secret[:12]}... appeared in the logs"


def _emf_metrics(written: str) -> dict[str, float]:
    """Metric name -> summed value over every CloudWatch embedded-metric-format line written."""
    totals: dict[str, float] = {}
    for line in written.splitlines():
        if '"_aws"' not in line:
            continue
        document = json.loads(line)
        for directive in document["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                value = document[metric["Name"]]
                totals[metric["Name"]] = totals.get(metric["Name"], 0) + sum(value if isinstance(value, list)
                                                                              else [value])
    return totals


def test_business_metrics_are_published_as_emf(client, aws, capfd):
    artisan = verified_artisan(client, aws)
    buyer = aws.user()
    listing = active_listing(client, artisan, stock=1)
    order = placed(client, buyer, make_order((listing["listing_id"], 1), payment_method="card", currency="PKR"))
    assert post_card(client, card_success(order), secret=aws.env["CARD_WEBHOOK_SECRET"]).status_code == 200
    assert post_card(client, card_success(order), secret="not-the-secret").status_code == 401
    assert call(client, "POST", "/orders", buyer, make_order((listing["listing_id"], 1)),
                headers={"Idempotency-Key": "second"}).status_code == 409

    metrics = _emf_metrics(capfd.readouterr().out)
    assert metrics == {"OrdersPlaced": 1, "PaymentsApplied": 1, "CallbacksRejected": 1, "StockConflicts": 1}
