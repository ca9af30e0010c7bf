"""Celery tasks of the trials app: the daily expiry run, fanned out one task per trial.
Each takes ids and is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from trials import services


@shared_task
def trials_daily() -> int:
    """Queue today's run for every trial that may owe something."""
    ids = services.trials_due_ids()
    for trial_id in ids:
        trial_tick.delay(trial_id)
    return len(ids)


@shared_task(acks_late=True)
def trial_tick(trial_id: int) -> None:
    services.trial_tick(trial_id=trial_id)
