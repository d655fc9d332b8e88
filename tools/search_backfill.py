"""Index every active listing once: for a deployment that had listings before search existed.

    .venv/bin/python -m tools.search_backfill

Run it with the functions' environment (the variables of the sweep function, `aws lambda
get-function-configuration --function-name <stack>-sweep-expired-orders`, and AWS credentials allowed what
the sweep's role is). It pages the catalog (`by_recent`) and re-indexes each listing as the sweep would;
running it again rewrites the same items.
"""
from __future__ import annotations

import sys

from chalicelib.search.service import reindex_catalog
from chalicelib.wiring import get_settings


def main() -> int:
    get_settings()
    print(f"indexed {reindex_catalog()} listings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
