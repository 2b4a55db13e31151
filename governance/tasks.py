"""Celery tasks for requests: thin wrappers around services. Tasks take ids.

The schedule of the two sweeps comes with the reminders (they run every few minutes).
"""

from __future__ import annotations

from smtplib import SMTPException

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


@shared_task(ignore_result=True)
def make_notice_thumbnail(image_id: int) -> None:
    """Make a notice image's thumbnail off the request path."""
    services.make_notice_image_thumbnail(image_id)


@shared_task(ignore_result=True)
def open_rating_rounds() -> int:
    """Open the current period's rating round for every estate with a committee (run on the 1st)."""
    return services.open_due_rating_rounds()


@shared_task(ignore_result=True)
def close_rating_rounds() -> int:
    """Close the rating rounds whose last day of scoring is over, computing their grades."""
    return services.close_due_rating_rounds()


# ---------------------------------------------------------------- reminders and notifications
# Periodic (django-celery-beat, migrations 0007 and 0008): every minute `deliver_reminders` and
# `send_due_emails`; every five minutes the producers `schedule_request_reminders`,
# `schedule_meeting_reminders` and `schedule_rating_reminders`; daily the rating rounds' sweeps.
# A second beat or a task run twice changes nothing: each reminder's key is unique in the database.


@shared_task(ignore_result=True)
def deliver_reminders(batch: int = 500) -> int:
    """The minute sweep: turn due reminders into notifications (and queue their e-mail)."""
    return services.deliver_due_reminders(batch=batch)


@shared_task(
    ignore_result=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=5,
)
def send_notification_email(notification_id: int) -> bool:
    """Send one notification's e-mail, at most once; only a failed SMTP call is retried
    (after about 1, 2, 4, 8, 16 seconds: short countdowns, well within Redis' visibility timeout)."""
    return services.send_notification_email(notification_id)


@shared_task(ignore_result=True)
def send_due_emails() -> int:
    """The minute e-mail sweep: e-mail whose quiet hours are over, or whose task was lost."""
    return services.send_due_emails()


@shared_task(ignore_result=True)
def schedule_request_reminders() -> int:
    """Schedule the reminders about requests not taken, overdue or left unanswered."""
    return services.schedule_request_reminders()


@shared_task(ignore_result=True)
def schedule_meeting_reminders() -> int:
    """Schedule the reminders about meetings coming up, minutes not published, action items due."""
    return services.schedule_meeting_reminders()


@shared_task(ignore_result=True)
def schedule_rating_reminders() -> int:
    """Remind committee members who have not scored an open rating round, three days before it closes."""
    return services.schedule_rating_reminders()


@shared_task(ignore_result=True)
def clear_old_contact_details() -> int:
    from .privacy import clear_old_contact_details as clear

    return clear()
