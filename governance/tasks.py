"""Celery tasks for requests: thin wrappers around services. Tasks take ids.

The schedule of the two sweeps comes with the reminders (they run every few minutes).
"""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def make_request_thumbnail(photo_id: int) -> None:
    """Make a request photo's thumbnail off the request path."""
    services.make_request_photo_thumbnail(photo_id)


@shared_task(ignore_result=True)
def escalate_overdue() -> int:
    """Flag requests not taken in time or past their due time."""
    return services.escalate_overdue_requests()


@shared_task(ignore_result=True)
def close_unanswered() -> int:
    """Close resolved requests the resident left unanswered."""
    return services.close_unanswered_requests()
