"""Where the container's settings are built and handed out, once.

Every entry point (a route, the image processor, the sweep) asks for the
settings first; building them resolves the secrets (the environment locally,
SSM on AWS) and points the table models at their tables, so no service or
repository has to remember either.
"""
from __future__ import annotations

import os
from functools import lru_cache

from .config import SSM_BACKED, Settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    from .store import connect, parameters  # boto3/pynamodb load only once settings are needed

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "ap-south-1"
    settings = Settings.from_environment(os.environ, parameters.resolve(SSM_BACKED, region=region), region=region)
    connect(settings)
    return settings


def reset_settings() -> None:
    """Forget the settings and the clients built from them (tests that change the environment call this)."""
    from .auth import forget_second_factors
    from .store.clients import reset_clients

    get_settings.cache_clear()
    reset_clients()
    forget_second_factors()
