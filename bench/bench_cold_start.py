"""Cold start: how long `import app` takes in a fresh interpreter, against a bare `import boto3`.

A Lambda cold start pays for every module the handler imports before the first
request. boto3 is the floor any AWS handler pays, so the figure that matters is
the ratio: the target is at most 1.6x (exits 1 above it, listing the slowest
imports). Each run is a new process, timed from
inside it so that interpreter start-up is not counted on either side.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RUNS = 15
TARGET_RATIO = 1.6
# What the Lambda environment holds; `import app` must not need more.
ENV = {
    "AWS_DEFAULT_REGION": "ap-south-1",
    "AWS_REGION": "ap-south-1",
    "IMAGE_QUEUE_NAME": "mip-prod-image-events",
    "ALLOWED_ORIGIN": "https://shop.example",
    "POWERTOOLS_SERVICE_NAME": "marketplace",
}
_TIMER = "import time; t = time.perf_counter(); import {module}; {then}; print(time.perf_counter() - t)"
# app.py loads its pydantic request models on the first request that parses one; this touches them.
_FIRST_PARSE = "app.models.ListingQuery, app.order_models.OrderCreate"


def time_import(module: str, then: str = "pass") -> float:
    """Seconds to import `module` (and run `then`) in a new interpreter, no bytecode writes, clean environment."""
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONDONTWRITEBYTECODE": "1", **ENV}
    result = subprocess.run([sys.executable, "-c", _TIMER.format(module=module, then=then)], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=True)
    return float(result.stdout.strip().splitlines()[-1])


def self_time_by_package(module: str, top: int = 12) -> list[tuple[int, str]]:
    """Microseconds each top-level package spent importing its own modules, from `python -X importtime`.

    Self time summed per package says what the import costs beyond boto3's share (botocore, urllib3)."""
    env = {"PATH": os.environ.get("PATH", ""), **ENV}
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=True)
    totals: Counter[str] = Counter()
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        own, _, name = line.removeprefix("import time:").split("|")
        totals[name.strip().split(".")[0]] += int(own)
    return [(micros, package) for package, micros in totals.most_common(top)]


def main() -> int:
    time_import("boto3")  # warm the file cache for both sides
    time_import("app")
    boto3_times, app_times, parsed_times = [], [], []
    for _ in range(RUNS):  # interleaved, so background load hits all alike
        boto3_times.append(time_import("boto3"))
        app_times.append(time_import("app"))
        parsed_times.append(time_import("app", then=_FIRST_PARSE))
    boto3_median, app_median = statistics.median(boto3_times), statistics.median(app_times)
    parsed_median = statistics.median(parsed_times)
    ratio = app_median / boto3_median
    print(f"runs per side:        {RUNS}")
    print(f"import boto3 median:  {boto3_median * 1000:7.1f} ms")
    print(f"import app median:    {app_median * 1000:7.1f} ms")
    print(f"ratio app / boto3:    {ratio:7.2f}x (target <= {TARGET_RATIO}x)")
    print(f"import app + request models (deferred to the first request that parses): {parsed_median * 1000:.1f} ms "
          f"= {parsed_median / boto3_median:.2f}x boto3")
    if ratio > TARGET_RATIO:
        print("over target; self time by package, `import app` against `import boto3`:")
        boto3_share = dict((package, micros) for micros, package in self_time_by_package("boto3", top=100))
        for micros, package in self_time_by_package("app"):
            print(f"  {micros / 1000:7.1f} ms  {package:24} (in boto3: {boto3_share.get(package, 0) / 1000:.1f} ms)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
