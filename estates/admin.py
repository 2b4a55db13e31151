from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from .models import (
    Building,
    Community,
    Consent,
    ContactRead,
    District,
    Estate,
    Household,
    Membership,
    Organisation,
    Street,
    Unit,
    User,
)
from .privacy import note_contact_read


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["district", "street", "community", "household", "organisation"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Huanxin"), {"fields": ("full_name", "phone", "is_demo", "erased_at")}),
    )
    readonly_fields = ["erased_at"]
    list_display = ["username", "full_name", "masked_phone", "is_staff", "is_superuser", "is_demo"]
    search_fields = ["username", "full_name", "phone", "email"]
    inlines = [MembershipInline]

    @admin.display(description=_("phone number"))
    def masked_phone(self, user: User) -> str:
        return user.masked_phone

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        # The form shows the whole phone number: that is a read for the log (estates.privacy).
        if request.method == "GET" and object_id.isdigit():
            note_contact_read(int(object_id))
        return super().change_view(request, object_id, form_url, extra_context)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that are evidence: shown, never written from the admin."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    list_display = ["user", "kind", "version", "given_at", "address"]
    list_filter = ["kind", "version"]
    search_fields = ["user__username", "user__full_name"]
    list_select_related = ["user"]


@admin.register(ContactRead)
class ContactReadAdmin(ReadOnlyAdmin):
    list_display = ["at", "reader", "person", "field", "path"]
    list_filter = ["field"]
    search_fields = ["reader__username", "person__username", "path"]
    list_select_related = ["reader", "person"]
    date_hierarchy = "at"


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "city"]
    search_fields = ["name"]


@admin.register(Street)
class StreetAdmin(admin.ModelAdmin):
    list_display = ["name", "district"]
    list_filter = ["district"]
    search_fields = ["name"]


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "street", "phone"]
    list_filter = ["street"]
    search_fields = ["name"]


class BuildingInline(admin.TabularInline):
    model = Building
    extra = 0


@admin.register(Estate)
class EstateAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "management_mode", "built_year"]
    list_filter = ["management_mode", "community__street"]
    search_fields = ["name", "address"]
    inlines = [BuildingInline]


class UnitInline(admin.TabularInline):
    model = Unit
    extra = 0


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ["name", "estate", "floors", "has_lift"]
    list_filter = ["estate", "has_lift"]
    search_fields = ["name", "estate__name"]
    inlines = [UnitInline]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["__str__", "building"]
    list_filter = ["building__estate"]
    search_fields = ["name", "building__name"]
    list_select_related = ["building"]


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ["__str__", "floor", "floor_area"]
    list_filter = ["unit__building__estate"]
    search_fields = ["room", "unit__building__name"]
    list_select_related = ["unit__building"]
    autocomplete_fields = ["unit"]


class MemberInline(admin.TabularInline):
    model = Membership
    fk_name = "organisation"
    extra = 0
    fields = ["user", "role", "position", "started_on", "ended_on"]
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "community"]
    list_filter = ["kind", "community"]
    search_fields = ["name"]
    filter_horizontal = ["estates"]
    inlines = [MemberInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "position", "scope_object", "is_owner", "ended_on"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__full_name"]
    autocomplete_fields = ["user", "district", "street", "community", "household", "organisation"]
    list_select_related = ["user", "district", "street", "community", "household__unit__building", "organisation"]
