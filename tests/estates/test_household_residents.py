"""Community staff link a registered person to their household, and end the link when they move
out: who may, how the person is found, and what the answers look like."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from estates.accounts import add_resident
from estates.errors import Invalid, NotAllowed
from estates.models import Membership, User
from tests.conftest import World, make_user

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def add_url(world: World) -> str:
    return f"/api/v1/households/{world.neighbour_household.pk}/residents/"


def end_url(household: Any, person: User) -> str:
    return f"/api/v1/households/{household.pk}/residents/{person.pk}/end/"


@pytest.fixture
def newcomer(world: World) -> User:
    """Someone who registered and has no role yet."""
    return make_user("newcomer", phone="13912345678", full_name="黄新人")


def post(client: Any, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, body or {}, format="json", **EN)


# ---------------------------------------------------------------- linking


def test_staff_link_a_registered_person_by_username(api_as: Any, world: World, staff: User, newcomer: User) -> None:
    response = post(api_as(staff), add_url(world), {"username": "newcomer", "is_owner": True})

    assert response.status_code == 201, response.content
    household = world.neighbour_household
    assert response.json() == {
        "id": household.pk,
        "unit": world.unit.pk,
        "unit_name": "3单元",
        "building": world.building.pk,
        "building_name": "3号楼",
        "estate": world.estate.pk,
        "estate_name": "蕴园小区",
        "label": "3号楼3单元502",
        "room": "502",
        "floor": 5,
        "floor_area": "65.20",
        # Staff of the estate see the whole number.
        "residents": [{"id": newcomer.pk, "name": "黄新人", "phone": "13912345678", "is_owner": True}],
    }
    membership = Membership.objects.get(user=newcomer)
    assert (membership.role, membership.household_id, membership.is_owner, membership.ended_on) == (
        "resident",
        household.pk,
        True,
        None,
    )


def test_staff_link_a_person_by_the_phone_they_registered_with(
    api_as: Any, world: World, staff: User, newcomer: User
) -> None:
    response = post(api_as(staff), add_url(world), {"phone": "13912345678"})
    assert response.status_code == 201
    assert [(r["id"], r["is_owner"]) for r in response.json()["residents"]] == [(newcomer.pk, False)]


def test_the_linked_person_now_sees_their_home(api_as: Any, world: World, staff: User, newcomer: User) -> None:
    client = api_as(newcomer)
    assert client.get(f"/api/v1/households/{world.neighbour_household.pk}/").status_code == 404
    post(api_as(staff), add_url(world), {"username": "newcomer"})
    linked = api_as(User.objects.get(pk=newcomer.pk))
    assert linked.get(f"/api/v1/households/{world.neighbour_household.pk}/").status_code == 200
    assert "resident" in linked.get("/api/v1/dashboard/").json()["sections"]


def test_the_street_admin_above_may_link_too(api_as: Any, world: World, street_admin: User, newcomer: User) -> None:
    assert post(api_as(street_admin), add_url(world), {"username": "newcomer"}).status_code == 201


def test_linking_an_existing_resident_again_makes_no_duplicate(
    api_as: Any, world: World, staff: User, neighbour: User
) -> None:
    response = post(api_as(staff), add_url(world), {"username": "neighbour", "is_owner": False})
    assert response.status_code == 200
    assert [(r["id"], r["is_owner"]) for r in response.json()["residents"]] == [(neighbour.pk, False)]
    assert Membership.objects.filter(user=neighbour, household=world.neighbour_household).count() == 1


def test_a_person_who_moved_out_can_be_linked_again_on_the_same_row(
    api_as: Any, world: World, staff: User, neighbour: User
) -> None:
    client = api_as(staff)
    assert post(client, end_url(world.neighbour_household, neighbour)).status_code == 200
    assert post(client, add_url(world), {"username": "neighbour"}).status_code == 201
    rows = Membership.objects.filter(user=neighbour, household=world.neighbour_household)
    assert [row.ended_on for row in rows] == [None]


# ---------------------------------------------------------------- who may not


@pytest.mark.parametrize("persona", ["resident", "committee", "property_staff", "mediator"])
def test_those_who_see_the_household_but_do_not_run_the_registry_get_403(
    api_as: Any, world: World, persona: str, request: pytest.FixtureRequest, newcomer: User
) -> None:
    user = request.getfixturevalue(persona)
    url = f"/api/v1/households/{world.household.pk}/residents/"
    response = post(api_as(user), url, {"username": "newcomer"})
    assert response.status_code == 403
    assert response.json() == {"detail": "Only the community's staff can change who lives in this household."}
    # Refused before the body is read: an unknown username tells them nothing either.
    assert post(api_as(user), url, {"username": "nobody-here"}).status_code == 403
    assert not Membership.objects.filter(user=newcomer).exists()


def test_the_outsider_and_a_neighbour_get_404(
    api_as: Any, world: World, outsider: User, neighbour: User, newcomer: User
) -> None:
    url = f"/api/v1/households/{world.household.pk}/residents/"
    assert post(api_as(outsider), url, {"username": "newcomer"}).status_code == 404
    assert post(api_as(neighbour), url, {"username": "newcomer"}).status_code == 404
    assert not Membership.objects.filter(user=newcomer).exists()


def test_the_public_must_sign_in(api_as: Any, world: World, newcomer: User) -> None:
    assert post(api_as(None), add_url(world), {"username": "newcomer"}).status_code == 401


def test_the_service_refuses_staff_of_another_community(world: World, outsider: User, newcomer: User) -> None:
    with pytest.raises(NotAllowed):
        add_resident(world.household, by=outsider, person=newcomer)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"username": "nobody-here"}, "username", "No one has registered with this username."),
        ({"phone": "13000000000"}, "phone", "No one has registered with this phone number."),
        ({}, "non_field_errors", "Give the person's username or their phone number, one of the two."),
        ({"username": "newcomer", "phone": "13912345678"}, "non_field_errors", "one of the two"),
        ({"username": "", "phone": ""}, "non_field_errors", "one of the two"),
    ],
)
def test_who_to_link_must_be_found_exactly(
    api_as: Any, world: World, staff: User, newcomer: User, body: dict[str, Any], field: str, message: str
) -> None:
    response = post(api_as(staff), add_url(world), body)
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert not Membership.objects.filter(household=world.neighbour_household, user=newcomer).exists()


def test_a_phone_number_shared_by_two_accounts_asks_for_the_username(
    api_as: Any, world: World, staff: User, newcomer: User
) -> None:
    make_user("newcomer-wife", phone="13912345678", full_name="黄太太")
    response = post(api_as(staff), add_url(world), {"phone": "13912345678"})
    assert response.status_code == 400
    assert "give the username instead" in response.json()["phone"][0]


def test_an_erased_account_cannot_be_linked(api_as: Any, world: World, staff: User, newcomer: User) -> None:
    User.objects.filter(pk=newcomer.pk).update(
        username=f"erased-{newcomer.pk}", full_name="", phone="", is_active=False, erased_at=timezone.now()
    )
    response = post(api_as(staff), add_url(world), {"username": f"erased-{newcomer.pk}"})
    assert response.status_code == 400
    assert response.json() == {"detail": "This account has been erased at its owner's request."}
    assert not Membership.objects.filter(user=newcomer).exists()


def test_a_closed_account_cannot_be_linked(api_as: Any, world: World, staff: User, newcomer: User) -> None:
    User.objects.filter(pk=newcomer.pk).update(is_active=False)
    response = post(api_as(staff), add_url(world), {"username": "newcomer"})
    assert response.status_code == 400
    assert response.json() == {"detail": "This account is closed; it cannot be linked to a household."}


def test_the_service_checks_the_account_as_well(world: World, staff: User, newcomer: User) -> None:
    User.objects.filter(pk=newcomer.pk).update(erased_at=timezone.now())
    with pytest.raises(Invalid):
        add_resident(world.household, by=staff, person=newcomer)


# ---------------------------------------------------------------- moving out


def test_staff_end_a_residence_and_the_person_loses_the_household(
    api_as: Any, world: World, staff: User, neighbour: User
) -> None:
    response = post(api_as(staff), end_url(world.neighbour_household, neighbour))
    assert response.status_code == 200
    assert response.json()["residents"] == []
    membership = Membership.objects.get(user=neighbour, household=world.neighbour_household)
    assert membership.ended_on == timezone.localdate()
    moved_out = api_as(User.objects.get(pk=neighbour.pk))
    assert moved_out.get(f"/api/v1/households/{membership.household_id}/").status_code == 404


def test_ending_is_404_for_someone_who_does_not_live_there(
    api_as: Any, world: World, staff: User, resident: User, neighbour: User
) -> None:
    client = api_as(staff)
    assert post(client, end_url(world.neighbour_household, resident)).status_code == 404
    assert post(client, end_url(world.neighbour_household, neighbour)).status_code == 200
    # Already ended: nothing current to end.
    assert post(client, end_url(world.neighbour_household, neighbour)).status_code == 404


def test_ending_is_refused_to_the_resident_the_outsider_and_the_public(
    api_as: Any, world: World, resident: User, neighbour: User, outsider: User
) -> None:
    url = end_url(world.household, resident)
    assert post(api_as(resident), url).status_code == 403
    assert post(api_as(neighbour), url).status_code == 404
    assert post(api_as(outsider), url).status_code == 404
    assert post(api_as(None), url).status_code == 401
    assert Membership.objects.get(user=resident).ended_on is None


def test_linking_and_ending_take_a_bounded_number_of_queries(
    api_as: Any, world: World, staff: User, newcomer: User, django_assert_max_num_queries: Any
) -> None:
    # Linking: the staff member's scope (2), the household, its residents, the person by username,
    # "already lives here?", three savepoints (the service, add_membership, get_or_create) and their
    # releases, the person locked, the membership looked up and inserted, the household and its
    # residents again for the answer, and the log of the full phone number shown.
    client = api_as(User.objects.get(pk=staff.pk))
    with django_assert_max_num_queries(18):
        response = post(client, add_url(world), {"username": "newcomer"})
    assert response.status_code == 201
    # Ending: the scope (2), the household, its residents, the membership, its user, the savepoint
    # (2), the lock, the update, the household and its residents again.
    client = api_as(User.objects.get(pk=staff.pk))
    with django_assert_max_num_queries(12):
        response = post(client, end_url(world.neighbour_household, newcomer))
    assert response.status_code == 200
