"""The pynamodb models and `infra/resources.yaml` describe the same tables.

The template deploys to AWS and provisions the local stack; the models are
what the code reads and writes. If they drift, the app queries an index that
does not exist or writes a key of the wrong type, and only production finds
out. This compares them the way pynamodb would create the table.
"""
from __future__ import annotations

from typing import Any

import pytest

from chalicelib.config import TABLE_ENV
from chalicelib.store.tables import ALL_MODELS
from local.provision import load_template

TEMPLATE = load_template()
TABLES = {logical_id: spec["Properties"] for logical_id, spec in TEMPLATE["Resources"].items()
          if spec["Type"] == "AWS::DynamoDB::Table"}
MODELS = {model.logical_id: model for model in ALL_MODELS}  # type: ignore[attr-defined]


def _keys(key_schema: list[dict[str, str]]) -> dict[str, str]:
    return {key["KeyType"]: key["AttributeName"] for key in key_schema}


def _projection(projection: dict[str, Any]) -> tuple[str, frozenset[str]]:
    return projection["ProjectionType"], frozenset(projection.get("NonKeyAttributes", ()))


def test_every_table_has_a_model_and_an_environment_variable():
    assert set(MODELS) == set(TABLES)
    assert set(TABLE_ENV) == set(TABLES)


@pytest.mark.parametrize("logical_id", sorted(TABLES))
def test_table_keys_agree(logical_id):
    schema = MODELS[logical_id]._get_schema()
    assert _keys(schema["key_schema"]) == _keys(TABLES[logical_id]["KeySchema"])


@pytest.mark.parametrize("logical_id", sorted(TABLES))
def test_key_attribute_types_agree(logical_id):
    model, table = MODELS[logical_id], TABLES[logical_id]
    schema = model._get_schema()
    declared = {d["AttributeName"]: d["AttributeType"] for d in table["AttributeDefinitions"]}
    from_model = {d["AttributeName"]: d["AttributeType"] for d in schema["attribute_definitions"]}
    for index in schema["global_secondary_indexes"]:
        from_model.update({d["AttributeName"]: d["AttributeType"] for d in index["attribute_definitions"]})
    assert from_model == declared
    attributes = model.get_attributes()
    for name, attribute_type in declared.items():
        # The item's own attribute, not only the index's copy, must have the key's type.
        assert attributes[name].attr_type == attribute_type, name


@pytest.mark.parametrize("logical_id", sorted(TABLES))
def test_indexes_agree_in_name_keys_and_projection(logical_id):
    schema = MODELS[logical_id]._get_schema()
    table = TABLES[logical_id]
    declared = {index["IndexName"]: (_keys(index["KeySchema"]), _projection(index["Projection"]))
                for index in table.get("GlobalSecondaryIndexes", [])}
    modelled = {index["index_name"]: (_keys(index["key_schema"]), _projection(index["projection"]))
                for index in schema["global_secondary_indexes"]}
    assert modelled == declared
    assert schema["local_secondary_indexes"] == []
    assert "LocalSecondaryIndexes" not in table


TTL_TABLES = sorted(logical_id for logical_id, table in TABLES.items() if "TimeToLiveSpecification" in table)


def test_the_idempotency_records_expire():
    assert "IdempotencyTable" in TTL_TABLES


@pytest.mark.parametrize("logical_id", TTL_TABLES)
def test_a_time_to_live_attribute_is_a_number_on_the_model(logical_id):
    name = TABLES[logical_id]["TimeToLiveSpecification"]["AttributeName"]
    attribute = MODELS[logical_id].get_attributes().get(name)
    assert attribute is not None and attribute.attr_type == "N"
