"""What governance holds about a person, for their copy of it and for its erasure
(the hooks that `estates.privacy` calls), and the retention of requests' contact details."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from estates.models import User

from .models import (
    ApiKey,
    CalendarFeed,
    DisputeParty,
    MeetingParticipant,
    Notification,
    NotificationPreference,
    PaymentVote,
    RatingSheet,
    Reminder,
    ResidentRequest,
)

log = logging.getLogger(__name__)


def _moment(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _their_requests(user: User) -> Any:
    return ResidentRequest.objects.filter(Q(on_behalf_of=user) | Q(filed_by=user))


def sections(user: User) -> dict[str, Any]:
    requests = (
        _their_requests(user)
        .select_related("estate", "category", "household__unit__building", "unit__building", "building")
        .prefetch_related("photos", "events")
        .order_by("created_at", "id")
    )
    sheets = (
        RatingSheet.objects.filter(member=user).select_related("round__estate").prefetch_related("scores__criterion")
    )
    preference = NotificationPreference.objects.filter(user=user).first()
    return {
        "requests": [
            {
                "id": r.pk,
                "estate": r.estate.name,
                "category": r.category.name,
                "place": r.place_label,
                "description": r.description,
                "urgency": r.urgency,
                "status": r.status,
                "status_display": r.get_status_display(),
                "contact_phone": r.contact_phone,
                "latitude": str(r.latitude) if r.latitude is not None else None,
                "longitude": str(r.longitude) if r.longitude is not None else None,
                "filed_at": _moment(r.created_at),
                "filed_by_me": r.filed_by_id == user.pk,
                "for_me": r.on_behalf_of_id == user.pk,
                "rating": r.rating,
                "rating_comment": r.rating_comment,
                "closed_at": _moment(r.closed_at),
                "photos": [photo.image.name for photo in r.photos.all()],
                "history": [
                    {"action": e.action, "to_status": e.to_status, "note": e.note, "at": _moment(e.at)}
                    for e in r.events.all()
                ],
            }
            for r in requests
        ],
        "disputes": [
            {
                "id": p.dispute_id,
                "title": p.dispute.title,
                "description": p.dispute.description,
                "side": p.side,
                "stage": p.dispute.stage,
                "outcome": p.dispute.outcome,
            }
            for p in DisputeParty.objects.filter(person=user).select_related("dispute").order_by("dispute_id")
        ],
        "meetings": [
            {
                "id": seat.meeting_id,
                "title": seat.meeting.title,
                "starts_at": _moment(seat.meeting.starts_at),
                "attended": seat.attended,
            }
            for seat in MeetingParticipant.objects.filter(user=user).select_related("meeting").order_by("meeting_id")
        ],
        "payment_votes": [
            {"request": v.request_id, "approve": v.approve, "note": v.note, "at": _moment(v.at)}
            for v in PaymentVote.objects.filter(member=user).order_by("at", "id")
        ],
        "ratings_given": [
            {
                "estate": sheet.round.estate.name,
                "period": str(sheet.round),
                "comment": sheet.comment,
                "scores": {str(score.criterion): score.score for score in sheet.scores.all()},
                "submitted_at": _moment(sheet.submitted_at),
            }
            for sheet in sheets
        ],
        "notifications": [
            {
                "title": n.title,
                "text": n.body,
                "link": n.url,
                "at": _moment(n.created_at),
                "read_at": _moment(n.read_at),
            }
            for n in Notification.objects.filter(recipient=user).order_by("created_at", "id")
        ],
        "notification_preferences": (
            {
                "email": preference.email_enabled,
                "quiet_from": preference.quiet_start.isoformat() if preference.quiet_start else None,
                "quiet_until": preference.quiet_end.isoformat() if preference.quiet_end else None,
                "language": preference.language,
            }
            if preference
            else None
        ),
        "open311_keys": [
            {"label": k.label, "starts_with": k.prefix, "active": k.is_active, "created_at": _moment(k.created_at)}
            for k in ApiKey.objects.filter(user=user).order_by("created_at")
        ],
        "calendar_feed": CalendarFeed.objects.filter(user=user).exists(),
    }


def blockers(user: User) -> list[str]:
    problems = []
    waiting = (*ResidentRequest.OPEN_STATUSES, ResidentRequest.Status.RESOLVED)
    unfinished = ResidentRequest.objects.filter(on_behalf_of=user, status__in=waiting)
    open_requests = list(unfinished.order_by("id").values_list("id", flat=True))
    if open_requests:
        problems.append(
            _("Your requests %(ids)s are not finished yet: withdraw them, or confirm them once resolved.")
            % {"ids": ", ".join(f"#{pk}" for pk in open_requests)}
        )
    from .models import Dispute

    if DisputeParty.objects.filter(person=user).exclude(dispute__stage=Dispute.Stage.SETTLED).exists():
        problems.append(_("A dispute you take part in is not settled yet."))
    return problems


def erase(user: User, now: datetime) -> None:
    """Remove what reaches or identifies the person; keep what the estate's history needs
    (their requests, votes and minutes stay, with the person shown as an erased account)."""
    _their_requests(user).update(contact_phone="", latitude=None, longitude=None, contact_cleared_at=now)
    Reminder.objects.filter(recipient=user).delete()
    Notification.objects.filter(recipient=user).delete()
    NotificationPreference.objects.filter(user=user).delete()
    ApiKey.objects.filter(user=user).delete()
    CalendarFeed.objects.filter(user=user).delete()
    DisputeParty.objects.filter(person=user).update(person=None)


# ---------------------------------------------------------------------- retention

RETENTION_BATCH = 5000


def clear_old_contact_details(now: datetime | None = None, *, batch: int = RETENTION_BATCH) -> int:
    """Clear the contact number and the location of requests that ended more than
    REQUEST_CONTACT_RETENTION_DAYS ago (PIPL: kept no longer than needed). Their history,
    photos and ratings stay. Runs daily; returns how many requests it cleared."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.REQUEST_CONTACT_RETENTION_DAYS)
    ended = ResidentRequest.objects.filter(
        status__in=ResidentRequest.FINAL_STATUSES, contact_cleared_at__isnull=True, updated_at__lt=cutoff
    )
    cleared = 0
    while True:
        with transaction.atomic():
            ids = list(ended.order_by("updated_at").values_list("id", flat=True)[:batch])
            if not ids:
                break
            # A plain update keeps `updated_at` (auto_now applies to save() only): the end stays the end.
            cleared += ResidentRequest.objects.filter(pk__in=ids).update(
                contact_phone="", latitude=None, longitude=None, contact_cleared_at=now
            )
    if cleared:
        log.info("cleared the contact details of %s ended requests", cleared)
    return cleared
