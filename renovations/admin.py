"""The admin shows renovation records for superusers to inspect. It changes nothing on its own:
every change goes through a service (the API and the pages call the same ones), so the admin is
read-only apart from the ledger's reversal action."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from estates.errors import DomainError

from . import services
from .models import (
    Ballot,
    InspectionRecord,
    LedgerEntry,
    ProgressUpdate,
    Project,
    ProjectEvent,
    ProjectPhoto,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ProjectEventInline(ReadOnlyInline):
    model = ProjectEvent
    fields = ["at", "kind", "actor", "from_status", "to_status", "note"]


class LedgerEntryInline(ReadOnlyInline):
    model = LedgerEntry
    fields = ["occurred_on", "kind", "source", "payer_or_payee", "amount", "reverses", "recorded_by"]


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ["title", "estate", "kind", "status", "progress", "budget", "planned_start", "created_at"]
    list_filter = ["status", "kind", "consent_rule", "estate__community"]
    search_fields = ["title", "estate__name"]
    list_select_related = ["estate"]
    date_hierarchy = "created_at"
    inlines = [ProjectEventInline, LedgerEntryInline]


@admin.register(ProjectEvent)
class ProjectEventAdmin(ReadOnlyAdmin):
    list_display = ["project", "kind", "actor", "from_status", "to_status", "at"]
    list_filter = ["kind"]
    search_fields = ["project__title", "note"]
    list_select_related = ["project", "actor"]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(ReadOnlyAdmin):
    list_display = ["project", "percent", "created_by", "created_at"]
    search_fields = ["project__title", "text"]
    list_select_related = ["project", "created_by"]


@admin.register(ProjectPhoto)
class ProjectPhotoAdmin(ReadOnlyAdmin):
    list_display = ["project", "stage", "caption", "width", "height", "uploaded_by", "uploaded_at"]
    list_filter = ["stage"]
    search_fields = ["project__title", "caption"]
    list_select_related = ["project", "uploaded_by"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["project", "occurred_on", "kind", "source", "payer_or_payee", "amount", "reverses"]
    list_filter = ["kind", "source"]
    search_fields = ["project__title", "payer_or_payee", "note"]
    list_select_related = ["project", "reverses"]
    actions = ["reverse_entries"]

    @admin.action(description=_("Reverse the selected entries"))
    def reverse_entries(self, request: HttpRequest, queryset: QuerySet[LedgerEntry]) -> None:
        done = 0
        for entry in queryset:
            try:
                services.reverse_ledger_entry(entry, by=request.user, note=str(_("Reversed in the admin.")))
            except DomainError as exc:
                self.message_user(request, f"{entry}: {exc.message}", messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(count)d entry reversed.", "%(count)d entries reversed.", done) % {"count": done},
                messages.SUCCESS,
            )


@admin.register(InspectionRecord)
class InspectionRecordAdmin(ReadOnlyAdmin):
    list_display = ["project", "inspected_on", "inspectors", "passed", "recorded_by"]
    list_filter = ["passed"]
    search_fields = ["project__title", "inspectors"]
    list_select_related = ["project", "recorded_by"]


@admin.register(Ballot)
class BallotAdmin(ReadOnlyAdmin):
    list_display = ["project", "household", "choice", "is_paper", "paper_reference", "cast_by", "cast_at"]
    list_filter = ["choice", "is_paper"]
    search_fields = ["project__title", "paper_reference"]
    list_select_related = ["project", "household__unit__building", "cast_by"]
