"""Shared set-up of the usage benchmarks: a database of their own, Django pointed at it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:55433/bench_engine"


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)


def bench_env() -> dict[str, str]:
    """Environment of every bench process: the bench database, tasks eager."""
    return {**os.environ, "DATABASE_URL": database_url(), "REDIS_URL": "", "LOG_LEVEL": "WARNING"}


def setup_django() -> None:
    os.environ.update(bench_env())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def manage(*args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=bench_env(), check=True)
