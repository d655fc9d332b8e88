"""Cold start as Lambda pays it: `import app` and the first API request, against a bare `import boto3`.

A Lambda cold start pays for every module the handler imports and then for whatever the first
request loads. boto3 is the floor any AWS handler pays, so the figures are ratios to it, measured in
the same run, each case in 15 fresh processes (interleaved, so background load hits all alike),
timed from inside the process so that interpreter start-up counts on no side:

  (a) `import boto3`
  (b) `import app`
  (c) `import app`, then `app.app(event, context)` on the API Gateway proxy event of
      `GET /listings?limit=0`, which the query model refuses with 400 before any AWS call
  (d) (c) again, from build/deployment.zip unpacked and loaded as Lambda loads it (tools/lambda_runtime:
      only the package, the runtime's boto3 and the stdlib on the path), writing no bytecode because
      /var/task is read-only: only the .pyc that tools/compile_package.py put in the zip are there
  (e) `import app` and a first request that reads DynamoDB (`GET /listings?limit=5`, 200 from the local
      emulator): pynamodb and botocore load, the request is what most cold starts pay

The goal is (c) <= 1.6x (a); the script exits 1 above it. Then the imports that dominate (c): the
top 10 by cumulative time from `python -X importtime`, median of 3 runs.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from chalicelib.config import TABLE_ENV
from tools.lambda_runtime import isolated_python, provide_runtime_sdk, unpack

RUNS = 15
IMPORTTIME_RUNS = 3
TARGET_RATIO = 1.6
PACKAGE = ROOT / "build" / "deployment.zip"
REGION = "ap-south-1"
# What the function's environment holds, with dummy values; the endpoint is a closed local port, so an
# AWS call that should not happen fails at once instead of leaving the machine.
ENV = {
    "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION, "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "POWERTOOLS_SERVICE_NAME": "marketplace", "LOG_LEVEL": "INFO",
    "IMAGE_QUEUE_NAME": "mip-prod-image-events", "ALLOWED_ORIGIN": "https://shop.example",
    **{variable: f"mip-bench-{variable.lower()}" for variable in TABLE_ENV.values()},
    "IMAGES_BUCKET": "mip-bench-images", "IMAGES_BASE_URL": "https://cdn.example/public",
    "COGNITO_USER_POOL_ID": f"{REGION}_bench", "COGNITO_CLIENT_ID": "bench-client",
    "COGNITO_OPS_CLIENT_ID": "bench-ops-client",
    "CURSOR_SECRET": "bench-cursor-secret", "CNIC_HASH_KEY": "bench-cnic-key", "JAZZCASH_MERCHANT_ID": "MC00000",
    "JAZZCASH_PASSWORD": "bench", "JAZZCASH_INTEGRITY_SALT": "bench", "JAZZCASH_ACTION_URL": "https://pay.example/jc",
    "CARD_ACTION_URL": "https://pay.example/card", "CARD_WEBHOOK_SECRET": "whsec_bench",
    "API_BASE_URL": "https://api.example", "STOREFRONT_URL": "https://shop.example",
}
# `GET /listings?limit=0` as API Gateway (REST API, proxy integration) hands it to the function.
EVENT = {
    "resource": "/listings", "path": "/listings", "httpMethod": "GET",
    "headers": {"Host": "abc123defg.execute-api.ap-south-1.amazonaws.com", "Accept": "application/json"},
    "multiValueHeaders": {"Host": ["abc123defg.execute-api.ap-south-1.amazonaws.com"], "Accept": ["application/json"]},
    "queryStringParameters": {"limit": "0"}, "multiValueQueryStringParameters": {"limit": ["0"]},
    "pathParameters": None, "stageVariables": None, "body": None, "isBase64Encoded": False,
    "requestContext": {"resourcePath": "/listings", "httpMethod": "GET", "path": "/api/listings", "stage": "api",
                       "requestId": "bench-request", "accountId": "123456789012", "apiId": "abc123defg",
                       "identity": {"sourceIp": "203.0.113.7"}, "protocol": "HTTP/1.1"},
}
_CONTEXT = ("types.SimpleNamespace(function_name='mip-prod-api-handler', function_version='$LATEST', "
            "memory_limit_in_mb=512, aws_request_id='bench', get_remaining_time_in_millis=lambda: 10000)")
# The timed code prints its seconds on the last line (the app may log to stdout before it).
_TIMED = "import time, types\nstarted = time.perf_counter()\n{code}\nprint(time.perf_counter() - started)\n"
BROWSE_EVENT = {**EVENT, "queryStringParameters": {"limit": "5"}, "multiValueQueryStringParameters": {"limit": ["5"]}}
CASES = {
    "boto3": "import boto3",
    "app": "import app",
    "request": (f"import app\nresponse = app.app({EVENT!r}, {_CONTEXT})\n"
                "assert response['statusCode'] == 400, response"),
    "browse": (f"import app\nresponse = app.app({BROWSE_EVENT!r}, {_CONTEXT})\n"
               "assert response['statusCode'] == 200, response"),
}


def run(command: list[str], cwd: Path, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", ""), **ENV, **(extra_env or {})}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=True)


def timed(command: list[str], cwd: Path, extra_env: dict[str, str] | None = None) -> float:
    """Seconds the timed code took, as the process measured it."""
    return float(run(command, cwd, extra_env).stdout.strip().splitlines()[-1])


@contextmanager
def emulated_tables() -> Iterator[dict[str, str]]:
    """The local emulator with the template's tables: the environment that points the app at it."""
    from local.emulator import LocalAws
    from local.provision import provision

    aws = LocalAws("127.0.0.1", 0)
    aws.start()
    try:
        provisioned = provision(aws.endpoint_url, region=REGION).environment
        yield {"AWS_ENDPOINT_URL": aws.endpoint_url,
               **{name: value for name, value in provisioned.items() if name.startswith("TABLE_")}}
    finally:
        aws.stop()


def in_repository(code: str) -> list[str]:
    """The venv's interpreter in the repository: the source tree and the venv's packages, with their bytecode."""
    return [sys.executable, "-c", _TIMED.format(code=code)]


def import_times(code: str) -> dict[str, tuple[float, float]]:
    """Module -> (cumulative ms, self ms) of every import that `code` makes, median over a few runs."""
    cumulative: dict[str, list[int]] = defaultdict(list)
    own: dict[str, list[int]] = defaultdict(list)
    for _ in range(IMPORTTIME_RUNS):
        stderr = run([sys.executable, "-X", "importtime", "-c", _TIMED.format(code=code)], ROOT).stderr
        for line in stderr.splitlines():
            if not line.startswith("import time:") or "cumulative" in line:
                continue
            self_us, cumulative_us, name = line.removeprefix("import time:").split("|")
            cumulative[name.strip()].append(int(cumulative_us))
            own[name.strip()].append(int(self_us))
    return {name: (statistics.median(cumulative[name]) / 1000, statistics.median(own[name]) / 1000)
            for name in cumulative}


def main() -> int:
    if not PACKAGE.is_file():
        print(f"{PACKAGE} is missing: `make package` first (`make bench` builds it)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="cold-start-") as scratch, emulated_tables() as emulator_env:
        task_root = unpack(PACKAGE, Path(scratch) / "task")
        runtime_sdk = provide_runtime_sdk(Path(scratch) / "runtime")
        commands = {name: (in_repository(code), ROOT, emulator_env if name == "browse" else None)
                    for name, code in CASES.items()}
        commands["lambda"] = (isolated_python(task_root, runtime_sdk, _TIMED.format(code=CASES["request"]),
                                              write_bytecode=False), task_root, None)
        for command, cwd, extra_env in commands.values():  # warm the file cache; writes the repository's bytecode
            timed(command, cwd, extra_env)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(RUNS):
            for name, (command, cwd, extra_env) in commands.items():
                times[name].append(timed(command, cwd, extra_env))
    median = {name: statistics.median(values) * 1000 for name, values in times.items()}
    floor = median["boto3"]
    rows = [
        ("(a) import boto3", "boto3"),
        ("(b) import app", "app"),
        ("(c) import app + first request (GET /listings?limit=0 -> 400)", "request"),
        ("(d) (c) from build/deployment.zip as Lambda loads it", "lambda"),
        ("(e) import app + a first request that reads DynamoDB (200)", "browse"),
    ]
    print(f"runs per case: {RUNS} fresh processes, interleaved; medians (min-max)")
    for label, name in rows:
        spread = f"({min(times[name]) * 1000:.1f}-{max(times[name]) * 1000:.1f})"
        print(f"{label:66} {median[name]:7.1f} ms {spread:>15} = {median[name] / floor:5.2f}x (a)")
    ratio = median["request"] / floor
    print(f"goal (c) / (a) <= {TARGET_RATIO}x: {ratio:.2f}x, {'met' if ratio <= TARGET_RATIO else 'NOT met'}; "
          f"(b) / (a) = {median['app'] / floor:.2f}x; a first request that reads DynamoDB (e) / (a) = "
          f"{median['browse'] / floor:.2f}x")
    imports = import_times(CASES["request"])
    print(f"top 10 imports of (c) by cumulative time (python -X importtime, median of {IMPORTTIME_RUNS} runs):")
    print(f"  {'cumulative':>10} {'self':>8}  module")
    for name, (cumulative_ms, self_ms) in sorted(imports.items(), key=lambda item: -item[1][0])[:10]:
        print(f"  {cumulative_ms:7.1f} ms {self_ms:5.1f} ms  {name}")
    by_package: defaultdict[str, float] = defaultdict(float)
    for name, (_, self_ms) in imports.items():
        by_package[name.split(".")[0]] += self_ms
    print("self time by top-level package: " + ", ".join(
        f"{package} {total:.1f} ms" for package, total in sorted(by_package.items(), key=lambda item: -item[1])[:8]))
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
