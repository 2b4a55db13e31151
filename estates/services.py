"""Every write to the registry: one function each, checked, in one transaction."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from . import permissions
from .errors import Conflict, Invalid, NotAllowed
from .models import (
    SCOPE_OF_ROLE,
    Building,
    Community,
    Estate,
    Household,
    Membership,
    Organisation,
    Unit,
    User,
)
from .scope import forget_scope

Person = Any  # User or AnonymousUser


def _require_estate(by: Person, estate: Estate | int) -> None:
    if not permissions.can_manage_estate(by, estate):
        raise NotAllowed(_("Only the community's staff can change this estate's registry."))


def _apply(obj: Any, fields: dict[str, Any]) -> list[str]:
    changed = []
    for name, value in fields.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


def _save(obj: Any, *, update_fields: list[str] | None = None) -> None:
    obj.full_clean()
    if update_fields is None:
        obj.save()
    elif update_fields:
        if hasattr(obj, "updated_at"):
            update_fields = [*update_fields, "updated_at"]
        obj.save(update_fields=update_fields)


@transaction.atomic
def create_estate(community: Community, *, by: Person, **fields: Any) -> Estate:
    """Register a new estate in a community the user staffs."""
    if not permissions.can_manage_community(by, community):
        raise NotAllowed(_("Only the community's staff can register an estate here."))
    estate = Estate(community=community, **fields)
    _save(estate)
    forget_scope(by)
    return estate


@transaction.atomic
def update_estate(estate: Estate, *, by: Person, **fields: Any) -> Estate:
    _require_estate(by, estate)
    estate = Estate.objects.select_for_update().get(pk=estate.pk)
    moving = "community" in fields and fields["community"].pk != estate.community_id
    if moving and not permissions.can_manage_community(by, fields["community"]):
        raise NotAllowed(_("You can move an estate only to a community you staff."))
    _save(estate, update_fields=_apply(estate, fields))
    return estate


@transaction.atomic
def create_building(estate: Estate, *, by: Person, **fields: Any) -> Building:
    _require_estate(by, estate)
    building = Building(estate=estate, **fields)
    _save(building)
    return building


@transaction.atomic
def update_building(building: Building, *, by: Person, **fields: Any) -> Building:
    _require_estate(by, building.estate_id)
    fields.pop("estate", None)  # a building does not move between estates
    building = Building.objects.select_for_update().get(pk=building.pk)
    if "floors" in fields:
        highest = Household.objects.filter(unit__building=building).aggregate(top=Max("floor"))["top"]
        if highest is not None and fields["floors"] < highest:
            raise Invalid(
                _("Households are registered up to floor %(floor)s; the building cannot have fewer floors.")
                % {"floor": highest},
                field="floors",
            )
    _save(building, update_fields=_apply(building, fields))
    return building


@transaction.atomic
def delete_building(building: Building, *, by: Person) -> None:
    _require_estate(by, building.estate_id)
    if Household.objects.filter(unit__building=building).exists():
        raise Conflict(_("This building still has households; remove them first."))
    building.delete()


@transaction.atomic
def create_unit(building: Building, *, by: Person, **fields: Any) -> Unit:
    _require_estate(by, building.estate_id)
    unit = Unit(building=building, **fields)
    _save(unit)
    return unit


@transaction.atomic
def update_unit(unit: Unit, *, by: Person, **fields: Any) -> Unit:
    _require_estate(by, unit.building.estate_id)
    fields.pop("building", None)
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    _save(unit, update_fields=_apply(unit, fields))
    return unit


@transaction.atomic
def delete_unit(unit: Unit, *, by: Person) -> None:
    _require_estate(by, unit.building.estate_id)
    if unit.households.exists():
        raise Conflict(_("This unit still has households; remove them first."))
    unit.delete()


def _check_floor(unit: Unit, floor: int) -> None:
    if floor > unit.building.floors:
        raise Invalid(
            _("Floor %(floor)s is above the top floor (%(top)s) of %(building)s.")
            % {"floor": floor, "top": unit.building.floors, "building": unit.building.name},
            field="floor",
        )


@transaction.atomic
def create_household(unit: Unit, *, by: Person, room: str, floor: int, floor_area: Decimal) -> Household:
    _require_estate(by, unit.building.estate_id)
    _check_floor(unit, floor)
    if Household.objects.filter(unit=unit, room=room).exists():
        raise Conflict(_("Room %(room)s is already registered in this unit.") % {"room": room}, field="room")
    household = Household(unit=unit, room=room, floor=floor, floor_area=floor_area)
    _save(household)
    return household


@transaction.atomic
def update_household(household: Household, *, by: Person, **fields: Any) -> Household:
    _require_estate(by, household.unit.building.estate_id)
    household = Household.objects.select_for_update().select_related("unit__building").get(pk=household.pk)
    if "unit" in fields and fields["unit"].building.estate_id != household.unit.building.estate_id:
        raise Invalid(_("A household can move only to a unit of the same estate."), field="unit")
    unit = fields.get("unit", household.unit)
    _check_floor(unit, fields.get("floor", household.floor))
    room = fields.get("room", household.room)
    if Household.objects.filter(unit=unit, room=room).exclude(pk=household.pk).exists():
        raise Conflict(_("Room %(room)s is already registered in this unit.") % {"room": room}, field="room")
    _save(household, update_fields=_apply(household, fields))
    return household


@transaction.atomic
def delete_household(household: Household, *, by: Person) -> None:
    _require_estate(by, household.unit.building.estate_id)
    if household.residents.active().exists():
        raise Conflict(_("People still live in this household; end their resident roles first."))
    household.delete()


@transaction.atomic
def create_organisation(
    community: Community, *, by: Person, estates: list[Estate] | None = None, **fields: Any
) -> Organisation:
    if not permissions.can_manage_community(by, community):
        raise NotAllowed(_("Only the community's staff can register an organisation here."))
    organisation = Organisation(community=community, **fields)
    _save(organisation)
    if estates:
        _set_estates(organisation, estates, by=by)
    return organisation


@transaction.atomic
def update_organisation(
    organisation: Organisation, *, by: Person, estates: list[Estate] | None = None, **fields: Any
) -> Organisation:
    if not permissions.can_manage_organisation(by, organisation):
        raise NotAllowed(_("Only the community's staff can change this organisation."))
    fields.pop("community", None)
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    _save(organisation, update_fields=_apply(organisation, fields))
    if estates is not None:
        _set_estates(organisation, estates, by=by)
    return organisation


def _set_estates(organisation: Organisation, estates: list[Estate], *, by: Person) -> None:
    current = set(organisation.estates.values_list("pk", flat=True))
    for estate in estates:
        if estate.pk not in current and not permissions.can_manage_estate(by, estate):
            raise NotAllowed(_("You can link an organisation only to estates you manage."), field="estates")
    organisation.estates.set(estates)


@transaction.atomic
def add_membership(
    person: User,
    *,
    by: Person,
    role: str,
    scope: Any,
    position: str = "",
    is_owner: bool = False,
    started_on: date | None = None,
) -> Membership:
    """Give a person a role over a scope (a district, street, community, household or
    organisation). Staff may grant roles inside their communities; admins above them."""
    field = SCOPE_OF_ROLE.get(role)
    if field is None:
        raise Invalid(_("Unknown role."), field="role")
    expected = {
        "district": "District",
        "street": "Street",
        "community": "Community",
        "household": "Household",
        "organisation": "Organisation",
    }[field]
    if type(scope).__name__ != expected:
        raise Invalid(_("This role needs a scope of another kind."), field="scope")
    if not _can_grant(by, field, scope):
        raise NotAllowed(_("You cannot grant a role outside your scope."))
    if field == "organisation":
        allowed = {
            "committee_member": Organisation.COMMITTEE_KINDS,
            "property_staff": (Organisation.Kind.PROPERTY_COMPANY,),
            "mediator": (Organisation.Kind.MEDIATION_TEAM,),
        }.get(role)
        if allowed and scope.kind not in allowed:
            raise Invalid(_("This role does not fit an organisation of that kind."), field="role")
    membership, created = Membership.objects.get_or_create(
        user=person,
        role=role,
        **{field: scope},
        defaults={"position": position, "is_owner": is_owner, "started_on": started_on},
    )
    if not created:
        changed = _apply(membership, {"position": position, "is_owner": is_owner, "ended_on": None})
        if changed:
            membership.save(update_fields=changed)
    forget_scope(person)
    return membership


@transaction.atomic
def end_membership(membership: Membership, *, by: Person, on: date) -> Membership:
    """End a role on a date; an ended role gives no scope (the row stays as history)."""
    if not _can_grant(by, membership.scope_field, membership.scope_object):
        raise NotAllowed(_("You cannot end a role outside your scope."))
    if Membership.objects.select_for_update().get(pk=membership.pk).ended_on is not None:
        raise Conflict(_("This role has already ended."))
    if membership.started_on is not None and on < membership.started_on:
        raise Invalid(_("A role cannot end before it started."), field="on")
    membership.ended_on = on
    membership.save(update_fields=["ended_on"])
    forget_scope(membership.user)
    return membership


def _can_grant(by: Person, field: str, scope: Any) -> bool:
    from .scope import scope_of

    s = scope_of(by)
    if s.is_superuser:
        return True
    if field == "community":
        return scope.pk in s.staff_community_ids
    if field == "household":
        return permissions.can_manage_estate(by, scope.unit.building.estate_id)
    if field == "organisation":
        return permissions.can_manage_organisation(by, scope)
    return False  # district and street roles are granted by superusers only
