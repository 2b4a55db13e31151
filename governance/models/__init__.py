"""How an estate is run together. One module per topic; every model is importable from here."""

from .disputes import Dispute, DisputeEvent, DisputeParty, DisputeQuerySet, DisputeSession
from .meetings import (
    ActionItem,
    ActionItemQuerySet,
    AgendaItem,
    CalendarFeed,
    Meeting,
    MeetingEvent,
    MeetingParticipant,
    MeetingQuerySet,
)
from .notices import Notice, NoticeImage, NoticeQuerySet
from .notifications import EmailDelivery, Notification, NotificationPreference, NotificationQuerySet, Reminder
from .ratings import RatingCriterion, RatingPolicy, RatingRound, RatingRoundQuerySet, RatingScore, RatingSheet
from .requests import (
    ApiKey,
    EstatePolicy,
    PaymentVote,
    RequestCategory,
    RequestEvent,
    RequestPhoto,
    ResidentRequest,
    ResidentRequestQuerySet,
)
from .tallies import RequestTally

__all__ = [
    "ActionItem",
    "ActionItemQuerySet",
    "AgendaItem",
    "ApiKey",
    "CalendarFeed",
    "Dispute",
    "DisputeEvent",
    "DisputeParty",
    "DisputeQuerySet",
    "DisputeSession",
    "EmailDelivery",
    "EstatePolicy",
    "Meeting",
    "MeetingEvent",
    "MeetingParticipant",
    "MeetingQuerySet",
    "Notice",
    "NoticeImage",
    "NoticeQuerySet",
    "Notification",
    "NotificationPreference",
    "NotificationQuerySet",
    "PaymentVote",
    "RatingCriterion",
    "RatingPolicy",
    "RatingRound",
    "RatingRoundQuerySet",
    "RatingScore",
    "RatingSheet",
    "Reminder",
    "RequestCategory",
    "RequestEvent",
    "RequestPhoto",
    "RequestTally",
    "ResidentRequest",
    "ResidentRequestQuerySet",
]
