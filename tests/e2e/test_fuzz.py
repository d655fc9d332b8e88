"""Contract fuzzing: schemathesis against the running local stack's own `/openapi.json`.

Every operation, with positive and negative cases, as four callers: anonymous, a
buyer, a verified artisan who owns a draft and an active listing, and ops.
Path parameters are sometimes the ids of real objects (the artisan's listings
and photos, the buyer's orders), so reads and writes of existing objects are
exercised, not only 404s. The checks (fuzz/schemathesis.toml): no 5xx; only
documented statuses, content types, headers and body schemas; invalid input
refused; a missing or forged token refused where one is needed. The payment
callbacks are public and signature-checked: whatever is posted, 400 or 401; Easypaisa's is unsigned and only
prompts an inquiry: 200 or 400.

`make test` runs a few examples per operation and caller (FUZZ_EXAMPLES, default
8, derandomized so a run is repeatable); `make fuzz` runs many more with fresh
randomness (FUZZ_EXAMPLES=200 FUZZ_RANDOM=1).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import strategies as st
from openapi_spec_validator import OpenAPIV31SpecValidator
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema

from .conftest import LocalStack, run_stack
from .matrix_helpers import World, build_world

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
RANDOM = os.environ.get("FUZZ_RANDOM") == "1"
SEED = 20261126
# The artisan goes last: it may archive its own listings and delete its photos.
CALLERS = ("anonymous", "buyer", "ops", "owner")
KNOWN = {
    "listing_id": ("draft", "active", "other_draft", "taken_down", "variant_listing"),
    "image_id": ("draft_image", "active_image"),
    "order_id": ("order", "jazz_order", "delivered_order", "return_order", "refundable_order",
                 "reviewable_order", "flagged_order", "variant_order"),
    "return_id": ("return",),
    "review_id": ("review",),
    "artisan_id": ("owner_id", "other_artisan_id", "suspendable", "suspended_artisan"),
    "import_id": ("artisan_import",),
    "run_id": ("payout_run",),
    "month": ("month",),
}


@pytest.fixture(scope="module")
def fuzz_stack() -> Iterator[LocalStack]:
    """A stack of its own: ops' calls change the exchange rates, which other tests rely on."""
    yield from run_stack()


@pytest.fixture(scope="module")
def fuzz_world(fuzz_stack: LocalStack) -> World:
    return build_world(fuzz_stack, spare_drafts_with_photo=0, spare_actives=0, spare_pending_artisans=0,
                       spare_shipped_orders=0, spare_cod_orders=0, spare_moderated=0)


def load_schema(stack: LocalStack, world: World, caller: str) -> Any:
    """The served document with fuzz/schemathesis.toml, as `caller`, sometimes on real ids."""
    settings = tomllib.loads((ROOT / "fuzz" / "schemathesis.toml").read_text(encoding="utf-8"))
    settings["base-url"] = stack.api_url
    settings.setdefault("generation", {})["max-examples"] = EXAMPLES
    settings["generation"]["deterministic"] = not RANDOM
    if not RANDOM:
        settings["seed"] = SEED
    user = world.user(caller)
    if user is not None:
        settings["headers"] = dict(user.headers)
    config = SchemathesisConfig.from_dict(settings)
    schema = schemathesis.openapi.from_url(f"{stack.api_url}/openapi.json", config=config)
    known = {name: [world.ids[key] for key in keys] for name, keys in KNOWN.items()}

    @schema.hook
    def before_generate_path_parameters(context: Any, strategy: Any) -> Any:
        """Half the time, the ids of objects that exist (someone else's or the caller's own)."""
        names = [segment.strip("{}") for segment in context.operation.path.split("/") if segment.startswith("{")]
        if not names:
            return strategy
        return st.one_of(strategy, st.fixed_dictionaries({name: st.sampled_from(known[name]) for name in names}))

    return schema


def test_the_served_document_is_valid_openapi_31(fuzz_stack: LocalStack) -> None:
    document = requests.get(f"{fuzz_stack.api_url}/openapi.json", timeout=10).json()

    OpenAPIV31SpecValidator(document).validate()
    assert document["openapi"] == "3.1.0"


@pytest.mark.parametrize("caller", CALLERS)
def test_every_operation_keeps_its_contract(fuzz_stack: LocalStack, fuzz_world: World, caller: str) -> None:
    schema = load_schema(fuzz_stack, fuzz_world, caller)
    problems: list[str] = []
    tested: set[str] = set()
    requests_sent = 0
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            tested.add(recorder.label)
            requests_sent += len(recorder.interactions)
            for checks in recorder.checks.values():
                for check in checks:
                    if check.status == Status.FAILURE and check.failure_info is not None:
                        failure = check.failure_info.failure
                        problems.append(f"{recorder.label} [{check.name}] {failure.title}: {failure.message}\n"
                                        f"  {check.failure_info.code_sample}")
        elif isinstance(event, events.NonFatalError):
            problems.append(f"{event.label}: error {event.info.title}: {event.info.message}")
        elif isinstance(event, events.FatalError):
            problems.append(f"fatal: {event.exception!r}")

    print(f"{caller}: {len(tested)} operations, {requests_sent} requests")
    assert not problems, f"{len(problems)} contract violations as {caller}:\n" + "\n".join(sorted(set(problems)))
    operations = {result.ok().label for result in schema.get_all_operations()}
    assert tested == operations  # every operation of the document ran
