from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Building, Community, District, Estate, Household, Membership, Organisation, Street, Unit, User


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["district", "street", "community", "household", "organisation"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Huanxin"), {"fields": ("full_name", "phone", "is_demo")}),
    )
    list_display = ["username", "full_name", "masked_phone", "is_staff", "is_superuser", "is_demo"]
    search_fields = ["username", "full_name", "phone", "email"]
    inlines = [MembershipInline]

    @admin.display(description=_("phone number"))
    def masked_phone(self, user: User) -> str:
        return user.masked_phone


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
