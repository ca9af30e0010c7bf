"""Settings: production mode passes Django's deployment checks; the embedded defaults
need nothing from the environment."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    dropped = ("DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env},
        capture_output=True, text=True, timeout=120,
    )


def test_production_settings_pass_check_deploy():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DJANGO_SETTINGS_MODULE="portal.settings_production",
        SECRET_KEY="x" * 20 + "a-long-and-random-production-secret-key-0123456789",
        ALLOWED_HOSTS="portal.example.com",
        DATABASE_URL="postgres://u:p@127.0.0.1:5432/switchboard",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = manage("check", DJANGO_SETTINGS_MODULE="portal.settings_production",
                    ALLOWED_HOSTS="x", DATABASE_URL="sqlite:///x")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_embedded_defaults_are_sqlite_and_eager_celery():
    result = manage("shell", "--no-imports", "-c", "from django.conf import settings as s; "
                    "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER)")
    assert result.stdout.split()[-2:] == ["django.db.backends.sqlite3", "True"], result.stderr
