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
        SITE_URL="https://portal.example.com",
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


def site_url(**env: str) -> str:
    dropped = ("SITE_URL", "HOST", "PORT")
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c",
         "from django.conf import settings; print(settings.SITE_URL)"],
        cwd=ROOT, env={**clean, "DJANGO_SETTINGS_MODULE": "portal.settings", **env},
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "portal.settings_production",
    "SECRET_KEY": "x" * 20 + "a-long-and-random-production-secret-key-0123456789",
    "ALLOWED_HOSTS": "portal.example.com",
    "DATABASE_URL": "postgres://u:p@127.0.0.1:5432/switchboard",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "SITE_URL": "https://portal.example.com",
}


def production_value(expression: str, **env: str) -> str:
    result = manage("shell", "--no-imports", "-c",
                    f"from django.conf import settings as s; print({expression})",
                    **{**PRODUCTION, **env})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_email_links_follow_the_port_make_run_serves_on_unless_site_url_is_set():
    assert site_url() == "http://127.0.0.1:8000"
    assert site_url(PORT="8123") == "http://127.0.0.1:8123"
    assert site_url(HOST="0.0.0.0", PORT="9000") == "http://0.0.0.0:9000"
    assert site_url(PORT="8123", SITE_URL="https://portal.example.com") == (
        "https://portal.example.com"
    )

def test_production_requires_site_url():
    env = {k: v for k, v in PRODUCTION.items() if k != "SITE_URL"}
    result = manage("check", **env)
    assert result.returncode != 0 and "SITE_URL" in result.stderr


def test_production_trusts_the_proxy_header_only_when_configured():
    assert production_value("s.SECURE_PROXY_SSL_HEADER") == "None"
    assert production_value(
        "s.SECURE_PROXY_SSL_HEADER", SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https"
    ) == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_production_sends_a_csp_without_unsafe_inline():
    policy = production_value("s.CONTENT_SECURITY_POLICY['DIRECTIVES']")
    assert "script-src': [\"'self'\"]" in policy and "style-src': [\"'self'\"]" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "csp.middleware.CSPMiddleware" in production_value("s.MIDDLEWARE")


def test_page_templates_have_no_inline_script_or_style():
    """Under that policy an inline script or style would not run: keep them in static/."""
    import re

    inline = re.compile(r"""style=|<style|<script(?![^>]*\bsrc=)|\bon[a-z]+=["']""")
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in (ROOT / "templates").rglob("*.html")
        # Email HTML and the invoice PDF's source are not served as pages.
        if "emails" not in path.parts and path.name != "invoice_pdf.html"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if inline.search(line)
    ]
    assert not offenders, offenders
