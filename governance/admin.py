"""Admin: categories and estate policies are edited here; requests are shown read-only
(every change to a request goes through its service, with its timeline entry)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from .models import ApiKey, EstatePolicy, PaymentVote, RequestCategory, RequestEvent, RequestPhoto, ResidentRequest


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
