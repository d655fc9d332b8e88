"""Settings kept in SSM Parameter Store, read once per Lambda container.

On AWS the gateway secrets and keys are SecureString parameters, never part of
the template: a value in a template or in a function's environment shows in
CloudFormation's history and to anyone who may read the function's
configuration. The template gives each function `<NAME>_PARAM`, the parameter's
name, and `resolve` fetches every one it needs in one `GetParameters` call with
decryption at cold start (`chalicelib.config` caches the result for the
container). The same indirection carries the API's own URL, which the template
cannot pass directly (the API refers to the function).

Where `<NAME>` itself is set (the local stack, tests) it wins and SSM is not
called, so nothing outside AWS needs a parameter store.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

PARAM_SUFFIX = "_PARAM"
_NAMES_PER_CALL = 10  # the GetParameters limit


class ParameterMissingError(RuntimeError):
    """A `<NAME>_PARAM` names a parameter that does not exist: the deployment is incomplete."""


def resolve(names: Iterable[str], *, region: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The value of each name that the environment sets or names a parameter for.

    Names with neither are left out, so the caller decides what is required.
    """
    environ = os.environ if environ is None else environ
    values = {name: environ[name] for name in names if environ.get(name)}
    wanted = {environ[name + PARAM_SUFFIX]: name for name in names
              if name not in values and environ.get(name + PARAM_SUFFIX)}
    if wanted:
        fetched = _get_parameters(sorted(wanted), region=region)
        values.update({wanted[parameter]: value for parameter, value in fetched.items()})
    return values


def _get_parameters(parameter_names: list[str], *, region: str) -> dict[str, str]:
    import boto3  # only on AWS, once per container: locally and in tests the environment holds the values

    client: Any = boto3.session.Session().client("ssm", region_name=region)
    values: dict[str, str] = {}
    missing: list[str] = []
    for start in range(0, len(parameter_names), _NAMES_PER_CALL):
        response = client.get_parameters(Names=parameter_names[start:start + _NAMES_PER_CALL], WithDecryption=True)
        values.update({parameter["Name"]: parameter["Value"] for parameter in response["Parameters"]})
        missing.extend(response.get("InvalidParameters", []))
    if missing:
        # Names only: the message reaches the logs.
        raise ParameterMissingError(f"SSM parameters not found: {', '.join(sorted(missing))}")
    return values
