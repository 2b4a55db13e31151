"""Request models: the seeded categories, the database's constraints, and who sees which request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation

from estates.models import Membership, User
from governance.models import EstatePolicy, PaymentVote, RequestCategory, ResidentRequest
from tests.conftest import World
from tests.governance.conftest import fresh

FileRequest = Callable[..., ResidentRequest]
RequestIn = Callable[[str], ResidentRequest]

SEEDED = [
    "repair",
    "plumbing",
    "lighting",
    "lift",
    "cleaning",
    "greening",
    "parking",
    "security",
    "noise",
    "suggestion",
    "other",
]


def test_migration_seeds_the_eleven_categories_in_order(db: Any) -> None:
    categories = list(RequestCategory.objects.all())
    assert [c.code for c in categories] == SEEDED
    assert all(c.take_within == 24 and c.is_active for c in categories)
    plumbing = RequestCategory.objects.get(code="plumbing")
    assert (plumbing.name_zh, plumbing.name_en) == ("上下水与排污", "Plumbing and sewage")


def test_category_name_follows_the_active_language(plumbing: RequestCategory) -> None:
    with translation.override("zh-hans"):
        assert plumbing.name == "上下水与排污"
        assert str(plumbing) == "上下水与排污"
    with translation.override("en"):
        assert plumbing.name == "Plumbing and sewage"


def test_category_defaults(db: Any) -> None:
    category = RequestCategory.objects.create(code="heating", name_zh="供暖", name_en="Heating")
    assert (category.take_within, category.resolve_within, category.is_active) == (24, 72, True)


def test_estate_policy_is_created_on_demand_with_defaults(world: World) -> None:
    assert not EstatePolicy.objects.exists()
    policy = EstatePolicy.for_estate(world.estate)
    assert (policy.payment_rule, policy.auto_close_days) == ("director", 7)
    assert EstatePolicy.for_estate(world.estate.pk) == policy
    assert EstatePolicy.objects.count() == 1


def test_place_label_for_each_kind(world: World, file_request: FileRequest) -> None:
    assert file_request().place_label == "3号楼3单元501"
    assert str(file_request()).endswith("3号楼3单元501")


def test_is_overdue_only_while_the_due_time_runs(request_in: RequestIn) -> None:
    request = request_in("accepted")
    later = request.due_at + timedelta(seconds=1)
    assert not request.is_overdue(request.due_at)
    assert request.is_overdue(later)
    request.status = "resolved"
    assert not request.is_overdue(later)


@pytest.mark.parametrize(
    "change",
    [
        {"status": "lost"},
        {"urgency": "panic"},
        {"rating": 6},
        {"rating": 0},
        {"payment_status": "maybe"},
        {"escalation_reason": "bored"},
        {"quote_amount": 0},
        {"latitude": 91},
        {"place_kind": "unit"},  # a household place with the unit kind
        {"place_kind": "public"},  # public with a household set
    ],
)
def test_database_refuses_inconsistent_requests(file_request: FileRequest, change: dict[str, Any]) -> None:
    request = file_request()
    with pytest.raises(IntegrityError), transaction.atomic():
        ResidentRequest.objects.filter(pk=request.pk).update(**change)


def test_public_place_needs_its_text(file_request: FileRequest) -> None:
    request = file_request(place_kind="public", household=None, public_place="北门")
    with pytest.raises(IntegrityError), transaction.atomic():
        ResidentRequest.objects.filter(pk=request.pk).update(public_place="")


def test_a_member_votes_once_in_the_database(request_in: RequestIn, committee: User) -> None:
    request = request_in("awaiting_payment")
    PaymentVote.objects.create(request=request, member=committee, approve=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentVote.objects.create(request=request, member=committee, approve=False)


def test_reopen_count_cannot_go_negative(file_request: FileRequest) -> None:
    request = file_request()
    with pytest.raises(IntegrityError), transaction.atomic():
        ResidentRequest.objects.filter(pk=request.pk).update(reopen_count=F("reopen_count") - 1)


# ---------------------------------------------------------------- visible_to

SEES_IT = {
    "anonymous": False,
    "resident": True,
    "neighbour": False,
    "committee": True,
    "property_staff": True,
    "mediator": False,
    "staff": True,
    "street_admin": True,
    "outsider": False,
    "superuser": True,
    "rival": False,
}


@pytest.mark.parametrize(("persona", "sees"), SEES_IT.items())
def test_who_sees_a_residents_request(request: Any, file_request: FileRequest, persona: str, sees: bool) -> None:
    filed = file_request()
    user = None if persona == "anonymous" else fresh(request.getfixturevalue(persona))
    visible = ResidentRequest.objects.visible_to(user)
    assert list(visible.values_list("pk", flat=True)) == ([filed.pk] if sees else [])


def test_resident_sees_what_staff_filed_for_them_and_what_they_filed(
    world: World, staff: User, resident: User, neighbour: User, file_request: FileRequest
) -> None:
    for_resident = file_request(by=fresh(staff), on_behalf_of=resident)
    by_neighbour = file_request(by=fresh(neighbour), household=world.neighbour_household)
    assert list(ResidentRequest.objects.visible_to(fresh(resident))) == [for_resident]
    assert list(ResidentRequest.objects.visible_to(fresh(neighbour))) == [by_neighbour]


def test_ended_roles_see_nothing(file_request: FileRequest, property_staff: User, committee: User) -> None:
    file_request()
    Membership.objects.filter(user__in=[property_staff, committee]).update(ended_on=timezone.localdate())
    assert not ResidentRequest.objects.visible_to(fresh(property_staff)).exists()
    assert not ResidentRequest.objects.visible_to(fresh(committee)).exists()


def test_open_and_overdue_querysets(request_in: RequestIn) -> None:
    accepted = request_in("accepted")
    closed = request_in("closed")
    assert set(ResidentRequest.objects.open()) == {accepted}
    assert not ResidentRequest.objects.overdue(timezone.now()).exists()
    assert list(ResidentRequest.objects.overdue(accepted.due_at + timedelta(seconds=1))) == [accepted]
    assert closed not in ResidentRequest.objects.open()


# ---------------------------------------------------------------- admin


def test_admin_lists_and_shows_requests_read_only(request_in: RequestIn, superuser: User) -> None:
    from django.test import Client

    target = request_in("accepted")
    client = Client()
    client.force_login(superuser)
    assert client.get("/admin/governance/residentrequest/").status_code == 200
    page = client.get(f"/admin/governance/residentrequest/{target.pk}/change/")
    assert page.status_code == 200
    assert b'name="status"' not in page.content  # read-only: changes go through the services
    assert client.get("/admin/governance/residentrequest/add/").status_code == 403


def test_admin_edits_categories_and_policies(world: World, superuser: User, plumbing: RequestCategory) -> None:
    from django.test import Client

    client = Client()
    client.force_login(superuser)
    assert client.get("/admin/governance/requestcategory/").status_code == 200
    response = client.post(
        f"/admin/governance/requestcategory/{plumbing.pk}/change/",
        {
            "code": "plumbing",
            "name_zh": "上下水与排污",
            "name_en": "Plumbing and sewage",
            "take_within": 12,
            "resolve_within": 36,
            "is_active": "on",
            "position": 20,
        },
    )
    assert response.status_code == 302
    plumbing.refresh_from_db()
    assert (plumbing.take_within, plumbing.resolve_within) == (12, 36)
    assert client.get("/admin/governance/estatepolicy/add/").status_code == 200
