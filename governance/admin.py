"""Admin: categories and estate policies are edited here; requests are shown read-only
(every change to a request goes through its service, with its timeline entry)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from .models import (
    ApiKey,
    EstatePolicy,
    PaymentVote,
    RatingCriterion,
    RatingPolicy,
    RatingRound,
    RatingSheet,
    RequestCategory,
    RequestEvent,
    RequestPhoto,
    ResidentRequest,
)


@admin.register(RequestCategory)
class RequestCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "take_within", "resolve_within", "is_active", "position"]
    list_editable = ["take_within", "resolve_within", "is_active", "position"]
    search_fields = ["code", "name_zh", "name_en"]
    ordering = ["position", "id"]


@admin.register(EstatePolicy)
class EstatePolicyAdmin(admin.ModelAdmin):
    list_display = ["estate", "payment_rule", "auto_close_days"]
    list_filter = ["payment_rule"]
    search_fields = ["estate__name"]
    autocomplete_fields = ["estate"]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RequestEventInline(ReadOnlyInline):
    model = RequestEvent
    fields = ["at", "action", "from_status", "to_status", "by", "note"]
    readonly_fields = fields


class RequestPhotoInline(ReadOnlyInline):
    model = RequestPhoto
    fields = ["image", "thumbnail", "width", "height", "uploaded_by", "uploaded_at"]
    readonly_fields = fields


class PaymentVoteInline(ReadOnlyInline):
    model = PaymentVote
    fields = ["member", "approve", "note", "at"]
    readonly_fields = fields


@admin.register(ResidentRequest)
class ResidentRequestAdmin(admin.ModelAdmin):
    list_display = ["id", "estate", "category", "status", "urgency", "due_at", "escalated_at", "created_at"]
    list_filter = ["status", "urgency", "category", "escalation_reason", "estate__community"]
    list_select_related = ["estate", "category"]
    search_fields = ["description", "public_place"]
    date_hierarchy = "created_at"
    inlines = [RequestEventInline, RequestPhotoInline, PaymentVoteInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Open311 keys: issued here, shown once on creation, revoked by unticking `active`."""

    list_display = ["label", "user", "prefix", "is_active", "created_at", "last_used_at"]
    list_filter = ["is_active"]
    search_fields = ["label", "user__username", "prefix"]
    autocomplete_fields = ["user"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The user a key acts for is fixed once issued: issue a new key instead.
        return [*self.readonly_fields, "user"] if obj is not None else list(self.readonly_fields)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        raw_key = None if change else obj.set_new_key()
        super().save_model(request, obj, form, change)
        if raw_key is not None:
            messages.warning(
                request,
                _("The new key is %(key)s — copy it now: it is stored only as a digest and cannot be shown again.")
                % {"key": raw_key},
            )


@admin.register(RatingCriterion)
class RatingCriterionAdmin(admin.ModelAdmin):
    """The criteria of 物业服务评定 and their weights (normalised over the active ones)."""

    list_display = ["code", "name_zh", "name_en", "weight", "is_active", "position"]
    list_editable = ["weight", "is_active", "position"]
    search_fields = ["code", "name_zh", "name_en"]
    ordering = ["position", "id"]


@admin.register(RatingPolicy)
class RatingPolicyAdmin(admin.ModelAdmin):
    list_display = ["estate", "period", "quorum", "committee_weight", "rating_weight", "on_time_weight"]
    list_filter = ["period"]
    search_fields = ["estate__name"]
    autocomplete_fields = ["estate"]


class RatingSheetInline(ReadOnlyInline):
    model = RatingSheet
    fields = ["member", "scores_given", "comment", "submitted_at", "updated_at"]
    readonly_fields = fields

    @admin.display(description=_("Scores"))
    def scores_given(self, sheet: RatingSheet) -> str:
        return ", ".join(f"{score.criterion}: {score.score}" for score in sheet.scores.select_related("criterion"))


@admin.register(RatingRound)
class RatingRoundAdmin(admin.ModelAdmin):
    """Rounds are shown read-only: they are opened, scored, closed and published through the services."""

    list_display = ["estate", "period_start", "status", "scorer_count", "member_count", "score", "grade"]
    list_filter = ["status", "grade", "estate__community"]
    list_select_related = ["estate"]
    search_fields = ["estate__name", "company__name"]
    date_hierarchy = "period_start"
    inlines = [RatingSheetInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# ---------------------------------------------------------------- reminders and notifications
# Shown read-only: reminders are scheduled by their producers and delivered by the sweep; the
# periodic tasks themselves are edited under "Periodic tasks" (django-celery-beat).

from django.utils.translation import gettext_lazy  # noqa: E402

from .models import EmailDelivery, Notification, NotificationPreference, Reminder  # noqa: E402


class ReadOnlyAdmin(admin.ModelAdmin):
    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["kind", "recipient", "due_at", "status", "sent_at", "title"]
    list_filter = ["status", "kind"]
    list_select_related = ["recipient"]
    search_fields = ["key", "title", "recipient__username", "recipient__full_name"]
    date_hierarchy = "due_at"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["title", "recipient", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient"]
    search_fields = ["title", "recipient__username", "recipient__full_name"]
    date_hierarchy = "created_at"


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ReadOnlyAdmin):
    list_display = ["user", "email_enabled", "quiet_start", "quiet_end", "language"]
    list_filter = ["email_enabled", "language"]
    search_fields = ["user__username", "user__full_name"]


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["notification", "to_address", "not_before", "attempts", "sent_at", "has_failed"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter)]
    list_select_related = ["notification"]
    search_fields = ["to_address"]

    @admin.display(boolean=True, description=gettext_lazy("failed"))
    def has_failed(self, obj: EmailDelivery) -> bool:
        return obj.has_failed


# ---------------------------------------------------------------- disputes and notices
# Shown read-only: every change goes through the services (with the dispute's timeline entry,
# and the notice's checks of estate and window).

from .models import Dispute, DisputeEvent, DisputeParty, DisputeSession, Notice, NoticeImage  # noqa: E402


class DisputePartyInline(ReadOnlyInline):
    model = DisputeParty
    fields = ["household", "side", "person"]
    readonly_fields = fields


class DisputeSessionInline(ReadOnlyInline):
    model = DisputeSession
    fields = ["held_at", "place", "notes", "recorded_by", "recorded_at"]
    readonly_fields = fields


class DisputeEventInline(ReadOnlyInline):
    model = DisputeEvent
    fields = ["at", "action", "from_stage", "to_stage", "by", "note"]
    readonly_fields = fields


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ["id", "title", "estate", "kind", "stage", "outcome", "created_at", "settled_at"]
    list_filter = ["stage", "kind", "outcome", "estate__community"]
    list_select_related = ["estate"]
    search_fields = ["title", "description"]
    date_hierarchy = "created_at"
    inlines = [DisputePartyInline, DisputeSessionInline, DisputeEventInline]


class NoticeImageInline(ReadOnlyInline):
    model = NoticeImage
    fields = ["image", "thumbnail", "caption", "width", "height", "uploaded_by", "uploaded_at"]
    readonly_fields = fields


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ["title", "community", "estate", "publish_from", "publish_until", "is_pinned"]
    list_filter = ["is_pinned", "community"]
    list_select_related = ["community", "estate"]
    search_fields = ["title", "body"]
    date_hierarchy = "publish_from"
    inlines = [NoticeImageInline]


# ---------------------------------------------------------------- meetings
# Shown read-only: meetings are scheduled, moved, run and published through the services (with
# their timeline and calendar SEQUENCE); calendar feeds are made and replaced by their owners.

from .models import ActionItem, AgendaItem, Meeting, MeetingEvent, MeetingParticipant  # noqa: E402


class MeetingParticipantInline(ReadOnlyInline):
    model = MeetingParticipant
    fields = ["user", "organisation", "attended"]
    readonly_fields = fields


class AgendaItemInline(ReadOnlyInline):
    model = AgendaItem
    fields = ["position", "source", "title", "outcome", "resolution"]
    readonly_fields = fields


class MeetingEventInline(ReadOnlyInline):
    model = MeetingEvent
    fields = ["at", "action", "from_status", "to_status", "sequence", "by", "note"]
    readonly_fields = fields


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "community", "estate", "starts_at", "status", "minutes_published_at"]
    list_filter = ["kind", "status", "community"]
    list_select_related = ["community", "estate"]
    search_fields = ["title", "place", "summary"]
    date_hierarchy = "starts_at"
    inlines = [MeetingParticipantInline, AgendaItemInline, MeetingEventInline]


@admin.register(ActionItem)
class ActionItemAdmin(ReadOnlyAdmin):
    list_display = ["title", "meeting", "owner", "owner_organisation", "due_on", "status", "done_at"]
    list_filter = ["status", "meeting__community"]
    list_select_related = ["meeting", "owner", "owner_organisation"]
    search_fields = ["title", "done_note"]
    date_hierarchy = "due_on"
