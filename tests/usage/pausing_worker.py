"""The portal's Celery app for the kill test in test_worker.py: its usage computations
pause 30 s after committing each day, so the test can kill the worker between two
committed days. Started as `celery -A tests.usage.pausing_worker worker`; production code
knows nothing of it (the engine's `after_day` callback is the seam)."""

from __future__ import annotations

import time

from celery.signals import task_prerun

from portal.celery import app

__all__ = ["app"]

PAUSE_SECONDS = 30


@task_prerun.connect
def _pause_after_each_day(**_) -> None:
    from usage import engine  # the worker has set Django up by the time a task runs

    if getattr(engine.compute_days, "pauses", False):
        return
    compute_days = engine.compute_days

    def pausing(*args, **kwargs):
        return compute_days(*args, after_day=lambda day: time.sleep(PAUSE_SECONDS), **kwargs)

    pausing.pauses = True
    engine.compute_days = pausing
