"""The request services: every guard and every transition, the timeline, the sweeps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from estates.errors import Conflict, Invalid, NotAllowed
from estates.models import Building, Membership, Unit, User
from governance import services
from governance.models import (
    EstatePolicy,
    PaymentVote,
    RequestCategory,
    RequestPhoto,
    ResidentRequest,
)
from tests.conftest import World, make_user
from tests.governance.conftest import T0, fresh, junk_file, photo_file

FileRequest = Callable[..., ResidentRequest]
RequestIn = Callable[[str], ResidentRequest]


def actions(request: ResidentRequest) -> list[tuple[str, str, str]]:
    return list(request.events.order_by("at", "id").values_list("action", "from_status", "to_status"))


# ---------------------------------------------------------------- filing


def test_resident_files_request_for_own_household(world: World, resident: User, file_request: FileRequest) -> None:
    request = file_request(urgency="urgent")
    assert request.status == "submitted"
    assert request.estate == world.estate
    assert request.filed_by == resident
    assert request.on_behalf_of == resident
    assert request.is_filed_by_staff is False
    assert request.urgency == "urgent"
    assert actions(request) == [("filed", "", "submitted")]
    assert request.events.get().by == resident


def test_resident_files_for_unit_building_and_public_area(
    world: World, resident: User, file_request: FileRequest
) -> None:
    assert file_request(place_kind="unit", household=None, unit=world.unit).place_label == "3号楼3单元"
    assert file_request(place_kind="building", household=None, building=world.building).place_label == "3号楼"
    public = file_request(place_kind="public", household=None, public_place="北门停车场")
    assert public.place_label == "北门停车场"
    assert public.public_place == "北门停车场"


def test_staff_files_on_behalf_of_a_resident(world: World, staff: User, resident: User, plumbing: Any) -> None:
    request = services.file_request(
        world.estate,
        by=fresh(staff),
        on_behalf_of=resident,
        category=plumbing,
        place_kind="household",
        household=world.household,
        description="老人打电话反映漏水",
    )
    assert request.filed_by == staff
    assert request.on_behalf_of == resident
    assert request.is_filed_by_staff is True


def test_staff_must_name_the_resident(world: World, staff: User, plumbing: Any) -> None:
    with pytest.raises(Invalid) as error:
        services.file_request(
            world.estate, by=fresh(staff), category=plumbing, place_kind="public", public_place="北门", description="x"
        )
    assert error.value.field == "on_behalf_of"


def test_staff_cannot_file_for_someone_who_does_not_live_in_the_estate(
    world: World, staff: User, committee: User, plumbing: Any
) -> None:
    with pytest.raises(Invalid) as error:
        services.file_request(
            world.estate,
            by=fresh(staff),
            on_behalf_of=committee,
            category=plumbing,
            place_kind="public",
            public_place="北门",
            description="x",
        )
    assert error.value.field == "on_behalf_of"


def test_outsider_staff_cannot_file_for_our_resident(
    world: World, outsider: User, resident: User, plumbing: Any
) -> None:
    with pytest.raises(NotAllowed):
        services.file_request(
            world.estate,
            by=fresh(outsider),
            on_behalf_of=resident,
            category=plumbing,
            place_kind="public",
            public_place="北门",
            description="x",
        )


@pytest.mark.parametrize("persona", ["property_staff", "committee", "mediator", "outsider"])
def test_only_residents_and_staff_file(world: World, persona: str, request: Any, plumbing: Any) -> None:
    user = request.getfixturevalue(persona)
    with pytest.raises(NotAllowed):
        services.file_request(
            world.estate, by=fresh(user), category=plumbing, place_kind="public", public_place="北门", description="x"
        )


def test_resident_cannot_file_for_neighbours_household(
    world: World, neighbour: User, file_request: FileRequest
) -> None:
    with pytest.raises(Invalid) as error:
        file_request(household=world.neighbour_household)
    assert error.value.field == "household"


def test_place_must_be_in_the_estate(world: World, file_request: FileRequest) -> None:
    other_unit = Unit.objects.get(building__estate=world.other_estate)
    with pytest.raises(Invalid) as error:
        file_request(place_kind="unit", household=None, unit=other_unit)
    assert error.value.field == "unit"
    with pytest.raises(Invalid):
        file_request(place_kind="building", household=None, building=Building.objects.get(estate=world.other_estate))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"place_kind": "household", "household": None}, "household"),
        ({"place_kind": "unit", "household": None}, "unit"),
        ({"place_kind": "public", "household": None, "public_place": "  "}, "public_place"),
        ({"place_kind": "unit"}, "household"),  # a household given for a unit
        ({"place_kind": "garden"}, "place_kind"),
        ({"description": "   "}, "description"),
        ({"urgency": "panic"}, "urgency"),
    ],
)
def test_filing_refuses_bad_input(file_request: FileRequest, overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(Invalid) as error:
        file_request(**overrides)
    assert error.value.field == field
    assert not ResidentRequest.objects.exists()


@pytest.mark.parametrize(
    ("latitude", "longitude", "field"), [("91", None, "latitude"), (None, "-181", "longitude"), ("x", None, "latitude")]
)
def test_filing_refuses_coordinates_off_the_globe(
    file_request: FileRequest, latitude: Any, longitude: Any, field: str
) -> None:
    with pytest.raises(Invalid) as error:
        file_request(latitude=latitude, longitude=longitude)
    assert error.value.field == field


def test_filing_keeps_coordinates(file_request: FileRequest) -> None:
    request = file_request(latitude="37.857014", longitude=Decimal("113.583285"))
    request.refresh_from_db()
    assert (request.latitude, request.longitude) == (Decimal("37.857014"), Decimal("113.583285"))


def test_inactive_category_is_refused(file_request: FileRequest, plumbing: RequestCategory) -> None:
    plumbing.is_active = False
    plumbing.save()
    with pytest.raises(Invalid) as error:
        file_request()
    assert error.value.field == "category"


def test_filing_with_photos_stores_cleaned_photos(file_request: FileRequest) -> None:
    request = file_request(photos=[photo_file("kitchen-leak.jpg"), photo_file("b.png", fmt="PNG", size=(30, 20))])
    photos = list(request.photos.order_by("id"))
    assert [(p.width, p.height) for p in photos] == [(64, 48), (30, 20)]
    assert photos[0].image.name.startswith("requests/") and photos[0].image.name.endswith(".jpg")
    assert photos[1].image.name.endswith(".png")
    # Stored under a name of its own, not the one the phone gave it.
    assert "kitchen-leak" not in photos[0].image.name


def test_one_bad_photo_refuses_the_whole_filing(file_request: FileRequest, settings: Any) -> None:
    with pytest.raises(Invalid) as error:
        file_request(photos=[photo_file(), junk_file("bad.jpg")])
    assert error.value.field == "photos"
    assert "bad.jpg" in str(error.value.message)
    assert not ResidentRequest.objects.exists()
    assert not RequestPhoto.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))


def test_at_most_six_photos_at_filing(file_request: FileRequest) -> None:
    with pytest.raises(Invalid) as error:
        file_request(photos=[photo_file() for _ in range(7)])
    assert error.value.field == "photos"


def test_thumbnails_are_made_after_commit(file_request: FileRequest, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        request = file_request(photos=[photo_file(size=(1200, 900))])
    assert len(callbacks) == 1
    photo = request.photos.get()
    assert photo.thumbnail.name.startswith("requests/thumbnails/")
    thumbnail_name = photo.thumbnail.name
    services.make_request_photo_thumbnail(photo.pk)  # a second run changes nothing
    photo.refresh_from_db()
    assert photo.thumbnail.name == thumbnail_name


def test_thumbnail_of_a_deleted_photo_is_skipped(db: Any) -> None:
    assert services.make_request_photo_thumbnail(999999) is None


def test_handler_adds_photo_and_a_timeline_entry(request_in: RequestIn, property_staff: User) -> None:
    request = request_in("in_progress")
    photo = services.add_request_photo(request, by=fresh(property_staff), upload=photo_file())
    assert photo.request == request
    assert actions(request)[-1] == ("photo_added", "in_progress", "in_progress")


def test_bad_added_photo_stores_nothing(request_in: RequestIn, resident: User) -> None:
    request = request_in("submitted")
    with pytest.raises(Invalid):
        services.add_request_photo(request, by=fresh(resident), upload=junk_file())
    assert not request.photos.exists()


def test_a_request_holds_at_most_twelve_photos(request_in: RequestIn, resident: User) -> None:
    request = request_in("submitted")
    for _ in range(12):
        services.add_request_photo(request, by=fresh(resident), upload=photo_file())
    with pytest.raises(Invalid):
        services.add_request_photo(request, by=fresh(resident), upload=photo_file())
    assert request.photos.count() == 12


def test_photos_are_refused_on_closed_requests_and_for_others(
    request_in: RequestIn, resident: User, committee: User
) -> None:
    with pytest.raises(NotAllowed):
        services.add_request_photo(request_in("submitted"), by=fresh(committee), upload=photo_file())
    with pytest.raises(Conflict):
        services.add_request_photo(request_in("closed"), by=fresh(resident), upload=photo_file())


# ---------------------------------------------------------------- taking


def test_property_staff_accepts_submitted_request(
    world: World, request_in: RequestIn, property_staff: User, plumbing: RequestCategory
) -> None:
    with time_machine.travel(T0, tick=False):
        request = services.accept_request(request_in("submitted"), by=fresh(property_staff))
    assert request.status == "accepted"
    assert request.accepted_by == property_staff
    assert request.accepted_by_organisation == world.property_org
    assert request.accepted_at == T0
    assert request.due_at == T0 + timedelta(hours=plumbing.resolve_within)
    assert actions(request)[-1] == ("accepted", "submitted", "accepted")


def test_accept_with_a_due_time(request_in: RequestIn, property_staff: User) -> None:
    due = timezone.now() + timedelta(days=2)
    request = services.accept_request(request_in("submitted"), by=fresh(property_staff), due_at=due)
    assert request.due_at == due


@pytest.mark.parametrize("offset", [timedelta(hours=-1), timedelta(days=400)])
def test_accept_refuses_a_due_time_in_the_past_or_too_far(
    request_in: RequestIn, property_staff: User, offset: timedelta
) -> None:
    request = request_in("submitted")
    with pytest.raises(Invalid) as error:
        services.accept_request(request, by=fresh(property_staff), due_at=timezone.now() + offset)
    assert error.value.field == "due_at"
    request.refresh_from_db()
    assert request.status == "submitted"


@pytest.mark.parametrize("persona", ["staff", "committee", "resident", "rival", "superuser"])
def test_only_the_estates_property_company_accepts(request_in: RequestIn, persona: str, request: Any) -> None:
    with pytest.raises(NotAllowed):
        services.accept_request(request_in("submitted"), by=fresh(request.getfixturevalue(persona)))


def test_accepting_twice_is_a_conflict(request_in: RequestIn, colleague: User) -> None:
    with pytest.raises(Conflict):
        services.accept_request(request_in("accepted"), by=fresh(colleague))


@pytest.mark.parametrize("persona", ["staff", "property_staff", "street_admin"])
def test_staff_or_company_routes_to_the_community(
    request_in: RequestIn, persona: str, request: Any, plumbing: RequestCategory
) -> None:
    with time_machine.travel(T0, tick=False):
        routed = services.route_request(
            request_in("submitted"), by=fresh(request.getfixturevalue(persona)), note="公共管道，社区协调"
        )
    assert routed.status == "routed"
    assert routed.routed_at == T0
    assert routed.due_at == T0 + timedelta(hours=plumbing.resolve_within)
    assert actions(routed)[-1] == ("routed", "submitted", "routed")


def test_community_staff_start_and_resolve_routed_requests(
    request_in: RequestIn, staff: User, property_staff: User
) -> None:
    request = request_in("routed")
    with pytest.raises(NotAllowed):
        services.start_request(request, by=fresh(property_staff))
    request = services.start_request(request, by=fresh(staff))
    assert request.status == "in_progress"
    with pytest.raises(NotAllowed):
        services.quote_request(request, by=fresh(property_staff), amount="10", note="x")
    request = services.resolve_request(request, by=fresh(staff), note="社区协调物业已修好")
    assert request.status == "resolved"


def test_only_the_company_that_took_it_works_on_it(request_in: RequestIn, staff: User, colleague: User) -> None:
    request = request_in("accepted")
    with pytest.raises(NotAllowed):
        services.start_request(request, by=fresh(staff))
    # a colleague of the same company may
    assert services.start_request(request, by=fresh(colleague)).started_at is not None


# ---------------------------------------------------------------- 买单


def test_quote_sets_payment_pending(request_in: RequestIn, property_staff: User) -> None:
    request = services.quote_request(
        request_in("in_progress"), by=fresh(property_staff), amount=Decimal("1200.50"), note="更换主管道"
    )
    assert request.status == "awaiting_payment"
    assert request.quote_amount == Decimal("1200.50")
    assert request.quote_note == "更换主管道"
    assert request.payment_status == "pending"
    assert actions(request)[-1] == ("quoted", "in_progress", "awaiting_payment")


@pytest.mark.parametrize(
    ("amount", "note", "field"),
    [("0", "x", "amount"), ("-5", "x", "amount"), ("1.234", "x", "amount"), ("abc", "x", "amount"), ("10", "", "note")],
)
def test_quote_refuses_bad_amounts_and_a_missing_note(
    request_in: RequestIn, property_staff: User, amount: str, note: str, field: str
) -> None:
    with pytest.raises(Invalid) as error:
        services.quote_request(request_in("accepted"), by=fresh(property_staff), amount=amount, note=note)
    assert error.value.field == field


def test_director_approves_payment_alone(request_in: RequestIn, director: User) -> None:
    with time_machine.travel(T0, tick=False):
        request = services.approve_payment(request_in("awaiting_payment"), by=fresh(director), note="同意")
    assert request.status == "in_progress"
    assert request.payment_status == "approved"
    assert request.payment_decided_by == director
    assert request.payment_decided_at == T0
    assert actions(request)[-1] == ("payment_approved", "awaiting_payment", "in_progress")
    assert PaymentVote.objects.get(request=request).member == director


def test_director_rejects_payment_then_company_resolves_without_charge(
    request_in: RequestIn, director: User, property_staff: User
) -> None:
    request = services.reject_payment(request_in("awaiting_payment"), by=fresh(director), note="太贵")
    assert request.status == "in_progress"
    assert request.payment_status == "rejected"
    request = services.resolve_request(request, by=fresh(property_staff), note="免费处理")
    assert request.status == "resolved"


def test_after_a_rejection_the_company_quotes_again_and_old_votes_are_cleared(
    request_in: RequestIn, director: User, property_staff: User
) -> None:
    request = services.reject_payment(request_in("awaiting_payment"), by=fresh(director))
    request = services.quote_request(request, by=fresh(property_staff), amount="200", note="只换接头")
    assert request.payment_status == "pending"
    assert request.payment_decided_by is None
    assert not request.payment_votes.exists()
    request = services.approve_payment(request, by=fresh(director))
    assert request.payment_status == "approved"


def test_under_the_director_rule_a_member_cannot_decide(request_in: RequestIn, committee: User) -> None:
    with pytest.raises(NotAllowed):
        services.approve_payment(request_in("awaiting_payment"), by=fresh(committee))


@pytest.mark.parametrize("persona", ["property_staff", "staff", "resident", "superuser"])
def test_only_committee_members_decide_payments(
    request_in: RequestIn, persona: str, request: Any, majority_rule: EstatePolicy
) -> None:
    with pytest.raises(NotAllowed):
        services.approve_payment(request_in("awaiting_payment"), by=fresh(request.getfixturevalue(persona)))


def test_majority_rule_decides_when_more_than_half_approve(
    request_in: RequestIn,
    majority_rule: EstatePolicy,
    committee: User,
    director: User,
    member2: User,
    member3: User,
) -> None:
    # four active members: two approvals are not more than half, three are
    request = request_in("awaiting_payment")
    request = services.approve_payment(request, by=fresh(committee))
    assert request.status == "awaiting_payment"
    request = services.reject_payment(request, by=fresh(member2))
    request = services.approve_payment(request, by=fresh(director))
    assert request.status == "awaiting_payment"
    assert request.payment_status == "pending"
    request = services.approve_payment(request, by=fresh(member3), note="同意")
    assert request.status == "in_progress"
    assert request.payment_status == "approved"
    assert request.payment_decided_by == member3
    assert [a for a, _f, _t in actions(request)][-5:] == [
        "payment_voted",
        "payment_voted",
        "payment_voted",
        "payment_voted",
        "payment_approved",
    ]


def test_majority_rule_rejects_when_more_than_half_reject(
    request_in: RequestIn, majority_rule: EstatePolicy, committee: User, member2: User
) -> None:
    # three active members (committee, director, member2): two rejections decide
    request = request_in("awaiting_payment")
    request = services.reject_payment(request, by=fresh(committee))
    assert request.status == "awaiting_payment"
    request = services.reject_payment(request, by=fresh(member2))
    assert request.status == "in_progress"
    assert request.payment_status == "rejected"
    assert request.payment_decided_by == member2


def test_ended_members_do_not_count_towards_the_majority(
    request_in: RequestIn, majority_rule: EstatePolicy, committee: User, director: User, member2: User
) -> None:
    Membership.objects.filter(user=member2).update(ended_on=timezone.localdate())
    request = services.approve_payment(request_in("awaiting_payment"), by=fresh(committee))
    assert request.status == "awaiting_payment"  # 1 of 2 is not more than half
    request = services.approve_payment(request, by=fresh(director))
    assert request.payment_status == "approved"


def test_a_member_votes_once(
    request_in: RequestIn, majority_rule: EstatePolicy, committee: User, member2: User
) -> None:
    request = services.approve_payment(request_in("awaiting_payment"), by=fresh(committee))
    with pytest.raises(Conflict):
        services.reject_payment(request, by=fresh(committee))


def test_no_decision_without_a_quote(request_in: RequestIn, director: User) -> None:
    with pytest.raises(Conflict):
        services.approve_payment(request_in("in_progress"), by=fresh(director))


# ---------------------------------------------------------------- resolving, confirming, reopening


def test_resolve_records_time_and_note(request_in: RequestIn, property_staff: User) -> None:
    with time_machine.travel(T0, tick=False):
        request = services.resolve_request(request_in("in_progress"), by=fresh(property_staff), note="已疏通")
    assert request.status == "resolved"
    assert request.resolved_at == T0
    assert request.resolution_note == "已疏通"


def test_resident_confirms_with_a_rating(request_in: RequestIn, resident: User) -> None:
    with time_machine.travel(T0, tick=False):
        request = services.confirm_request(request_in("resolved"), by=fresh(resident), rating=4, comment="很及时")
    assert request.status == "closed"
    assert (request.rating, request.rating_comment) == (4, "很及时")
    assert request.confirmed_at == request.closed_at == T0
    assert actions(request)[-1] == ("confirmed", "resolved", "closed")


def test_confirming_twice_keeps_one_rating(request_in: RequestIn, resident: User) -> None:
    request = services.confirm_request(request_in("resolved"), by=fresh(resident), rating=5)
    with pytest.raises(Conflict):
        services.confirm_request(request, by=fresh(resident), rating=1)
    request.refresh_from_db()
    assert request.rating == 5
    assert request.events.filter(action="confirmed").count() == 1


@pytest.mark.parametrize("rating", [0, 6, "5", None, True])
def test_rating_must_be_one_to_five(request_in: RequestIn, resident: User, rating: Any) -> None:
    with pytest.raises(Invalid) as error:
        services.confirm_request(request_in("resolved"), by=fresh(resident), rating=rating)
    assert error.value.field == "rating"


def test_staff_who_filed_for_a_resident_confirms_for_them(
    world: World, staff: User, resident: User, property_staff: User, plumbing: Any
) -> None:
    request = services.file_request(
        world.estate,
        by=fresh(staff),
        on_behalf_of=resident,
        category=plumbing,
        place_kind="household",
        household=world.household,
        description="代老人报修",
    )
    request = services.accept_request(request, by=fresh(property_staff))
    request = services.start_request(request, by=fresh(property_staff))
    request = services.resolve_request(request, by=fresh(property_staff))
    request = services.confirm_request(request, by=fresh(staff), rating=5, comment="老人满意")
    assert request.status == "closed"


@pytest.mark.parametrize("persona", ["neighbour", "property_staff", "committee"])
def test_only_the_resident_confirms(request_in: RequestIn, persona: str, request: Any) -> None:
    with pytest.raises(NotAllowed):
        services.confirm_request(request_in("resolved"), by=fresh(request.getfixturevalue(persona)), rating=5)


def test_resident_reopens_with_a_reason_and_reopens_are_counted(
    request_in: RequestIn, resident: User, property_staff: User
) -> None:
    request = services.reopen_request(request_in("resolved"), by=fresh(resident), reason="又堵了")
    assert request.status == "in_progress"
    assert request.reopen_count == 1
    assert request.resolved_at is None
    assert actions(request)[-1] == ("reopened", "resolved", "in_progress")
    request = services.resolve_request(request, by=fresh(property_staff), note="换了管子")
    request = services.reopen_request(request, by=fresh(resident), reason="还是堵")
    assert request.reopen_count == 2


def test_reopen_needs_a_reason(request_in: RequestIn, resident: User) -> None:
    with pytest.raises(Invalid) as error:
        services.reopen_request(request_in("resolved"), by=fresh(resident), reason=" ")
    assert error.value.field == "reason"


@pytest.mark.parametrize("status", ["submitted", "accepted", "routed", "in_progress"])
def test_resident_withdraws_an_open_request(request_in: RequestIn, resident: User, status: str) -> None:
    request = services.withdraw_request(request_in(status), by=fresh(resident), note="自己修好了")
    assert request.status == "withdrawn"
    assert actions(request)[-1] == ("withdrawn", status, "withdrawn")


def test_reject_needs_a_reason_and_records_it(request_in: RequestIn, staff: User) -> None:
    with pytest.raises(Invalid):
        services.reject_request(request_in("submitted"), by=fresh(staff), reason="")
    request = services.reject_request(request_in("submitted"), by=fresh(staff), reason="不属于本小区事务")
    assert request.status == "rejected"
    assert request.resolution_note == "不属于本小区事务"
    assert actions(request)[-1] == ("rejected", "submitted", "rejected")


def test_only_the_community_rejects_a_routed_request(request_in: RequestIn, staff: User, property_staff: User) -> None:
    request = request_in("routed")
    with pytest.raises(NotAllowed):
        services.reject_request(request, by=fresh(property_staff), reason="x")
    assert services.reject_request(request, by=fresh(staff), reason="重复").status == "rejected"


# ---------------------------------------------------------------- every illegal move is a conflict

ALLOWED_FROM = {
    "accept": {"submitted"},
    "route": {"submitted"},
    "start": {"accepted"},
    "quote": {"accepted", "in_progress"},
    "approve": {"awaiting_payment"},
    "reject_payment": {"awaiting_payment"},
    "resolve": {"in_progress"},
    "confirm": {"resolved"},
    "reopen": {"resolved"},
    "withdraw": {"submitted", "accepted", "in_progress"},
    "reject": {"submitted"},
    "escalate": {"submitted", "accepted", "in_progress", "awaiting_payment"},
}
STATUSES = ["submitted", "accepted", "in_progress", "awaiting_payment", "resolved", "closed", "withdrawn", "rejected"]


def call(action: str, target: ResidentRequest, people: dict[str, User]) -> ResidentRequest:
    company, resident, director, staff = (fresh(people[k]) for k in ("company", "resident", "director", "staff"))
    return {
        "accept": lambda: services.accept_request(target, by=company),
        "route": lambda: services.route_request(target, by=company),
        "start": lambda: services.start_request(target, by=company),
        "quote": lambda: services.quote_request(target, by=company, amount="10", note="x"),
        "approve": lambda: services.approve_payment(target, by=director),
        "reject_payment": lambda: services.reject_payment(target, by=director),
        "resolve": lambda: services.resolve_request(target, by=company),
        "confirm": lambda: services.confirm_request(target, by=resident, rating=3),
        "reopen": lambda: services.reopen_request(target, by=resident, reason="x"),
        "withdraw": lambda: services.withdraw_request(target, by=resident),
        "reject": lambda: services.reject_request(target, by=company, reason="x"),
        "escalate": lambda: services.escalate_request(target, by=staff),
    }[action]()


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", list(ALLOWED_FROM))
def test_every_move_from_the_wrong_status_is_a_conflict(
    request_in: RequestIn,
    status: str,
    action: str,
    property_staff: User,
    resident: User,
    director: User,
    staff: User,
) -> None:
    target = request_in(status)
    people = {"company": property_staff, "resident": resident, "director": director, "staff": staff}
    if status in ALLOWED_FROM[action]:
        call(action, target, people)
        return
    before = actions(target)
    with pytest.raises(Conflict):
        call(action, target, people)
    target.refresh_from_db()
    assert target.status == status
    assert actions(target) == before


def test_the_transition_table_covers_every_status() -> None:
    assert set(ResidentRequest.TRANSITIONS) == set(ResidentRequest.Status.values)
    for targets in ResidentRequest.TRANSITIONS.values():
        assert targets <= set(ResidentRequest.Status.values)
    for final in ResidentRequest.FINAL_STATUSES:
        assert not ResidentRequest.TRANSITIONS[final]


# ---------------------------------------------------------------- escalation


def test_staff_escalate_anytime_and_once(request_in: RequestIn, staff: User) -> None:
    with time_machine.travel(T0, tick=False):
        request = services.escalate_request(request_in("accepted"), by=fresh(staff), note="上联席会议")
    assert request.status == "accepted"
    assert request.escalated_at == T0
    assert (request.escalation_reason, request.escalation_note) == ("manual", "上联席会议")
    assert actions(request)[-1] == ("escalated", "accepted", "accepted")
    with pytest.raises(Conflict):
        services.escalate_request(request, by=fresh(staff))


def test_resident_escalates_only_a_late_request(request_in: RequestIn, resident: User) -> None:
    with time_machine.travel(T0, tick=False):
        request = request_in("submitted")
        with pytest.raises(Conflict):
            services.escalate_request(request, by=fresh(resident))
    with time_machine.travel(T0 + timedelta(hours=25), tick=False):
        request = services.escalate_request(request, by=fresh(resident), note="一天了没人管")
    assert request.escalation_reason == "manual"


def test_resident_escalates_an_overdue_request(request_in: RequestIn, resident: User) -> None:
    with time_machine.travel(T0, tick=False):
        request = request_in("accepted")
    with time_machine.travel(request.due_at + timedelta(minutes=1), tick=False):
        assert services.escalate_request(request, by=fresh(resident)).escalated_at is not None


@pytest.mark.parametrize("persona", ["property_staff", "committee", "neighbour"])
def test_others_cannot_escalate(request_in: RequestIn, persona: str, request: Any) -> None:
    with pytest.raises(NotAllowed):
        services.escalate_request(request_in("submitted"), by=fresh(request.getfixturevalue(persona)))


def test_sweep_flags_requests_not_taken_in_time(
    request_in: RequestIn, categories: dict[str, RequestCategory], file_request: FileRequest
) -> None:
    with time_machine.travel(T0, tick=False):
        late = request_in("submitted")  # plumbing: 24 hours to take
        taken = request_in("accepted")
        lift = file_request(category=categories["lift"])
    categories["lift"].take_within = 48
    categories["lift"].save()
    with time_machine.travel(T0 + timedelta(hours=24), tick=False):
        assert services.escalate_overdue_requests() == 0  # exactly 24 hours is still in time
    with time_machine.travel(T0 + timedelta(hours=24, seconds=1), tick=False):
        assert services.escalate_overdue_requests() == 1
    late.refresh_from_db()
    assert late.escalation_reason == "not_taken"
    assert late.escalated_at == T0 + timedelta(hours=24, seconds=1)
    assert late.status == "submitted"
    event = late.events.get(action="escalated")
    assert (event.by, event.from_status, event.to_status) == (None, "submitted", "submitted")
    taken.refresh_from_db()
    lift.refresh_from_db()
    assert taken.escalated_at is None and lift.escalated_at is None


def test_sweep_flags_overdue_requests_once(request_in: RequestIn) -> None:
    with time_machine.travel(T0, tick=False):
        overdue = {status: request_in(status) for status in ("accepted", "in_progress", "routed")}
        waiting = request_in("awaiting_payment")
        resolved = request_in("resolved")
    later = T0 + timedelta(hours=49)  # plumbing: 48 hours to resolve
    with time_machine.travel(later, tick=False):
        assert services.escalate_overdue_requests() == 3
        assert services.escalate_overdue_requests() == 0
    for request in overdue.values():
        request.refresh_from_db()
        assert (request.escalation_reason, request.escalated_at) == ("overdue", later)
        assert request.events.filter(action="escalated").count() == 1
    for request in (waiting, resolved):
        request.refresh_from_db()
        assert request.escalated_at is None


def test_sweep_does_not_flag_a_request_escalated_by_hand(request_in: RequestIn, staff: User) -> None:
    with time_machine.travel(T0, tick=False):
        request = services.escalate_request(request_in("submitted"), by=fresh(staff))
    with time_machine.travel(T0 + timedelta(days=5), tick=False):
        assert services.escalate_overdue_requests() == 0
    request.refresh_from_db()
    assert request.escalation_reason == "manual"


def test_sweep_query_count_does_not_grow(
    request_in: RequestIn, django_assert_num_queries: Any, file_request: FileRequest
) -> None:
    with time_machine.travel(T0, tick=False):
        for _ in range(5):
            file_request()
            request_in("accepted")
    # categories; lock the late submitted ones; flag them; their events; lock the overdue ones;
    # flag them; their events; and the savepoint and its release around the sweep's transaction
    with time_machine.travel(T0 + timedelta(days=3), tick=False), django_assert_num_queries(9):
        assert services.escalate_overdue_requests() == 10


# ---------------------------------------------------------------- closing unanswered requests


def test_resolved_request_closes_itself_after_seven_days(request_in: RequestIn) -> None:
    with time_machine.travel(T0, tick=False):
        request = request_in("resolved")
    with time_machine.travel(T0 + timedelta(days=7) - timedelta(seconds=1), tick=False):
        assert services.close_unanswered_requests() == 0
    closed_at = T0 + timedelta(days=7)
    with time_machine.travel(closed_at, tick=False):
        assert services.close_unanswered_requests() == 1
        assert services.close_unanswered_requests() == 0
    request.refresh_from_db()
    assert (request.status, request.closed_at, request.rating) == ("closed", closed_at, None)
    event = request.events.get(action="auto_closed")
    assert (event.by, event.from_status, event.to_status) == (None, "resolved", "closed")


def test_auto_close_follows_the_estates_policy(world: World, request_in: RequestIn) -> None:
    EstatePolicy.objects.create(estate=world.estate, auto_close_days=3)
    with time_machine.travel(T0, tick=False):
        request = request_in("resolved")
        in_progress = request_in("in_progress")
    with time_machine.travel(T0 + timedelta(days=3), tick=False):
        assert services.close_unanswered_requests() == 1
    request.refresh_from_db()
    in_progress.refresh_from_db()
    assert request.status == "closed"
    assert in_progress.status == "in_progress"


def test_a_confirmed_or_reopened_request_is_not_auto_closed(request_in: RequestIn, resident: User) -> None:
    with time_machine.travel(T0, tick=False):
        reopened = services.reopen_request(request_in("resolved"), by=fresh(resident), reason="没修好")
        confirmed = request_in("closed")
    with time_machine.travel(T0 + timedelta(days=30), tick=False):
        assert services.close_unanswered_requests() == 0
    reopened.refresh_from_db()
    confirmed.refresh_from_db()
    assert reopened.status == "in_progress"
    assert confirmed.events.filter(action="auto_closed").count() == 0


# ---------------------------------------------------------------- the tasks


def test_tasks_call_the_sweeps(request_in: RequestIn) -> None:
    from governance import tasks

    with time_machine.travel(T0, tick=False):
        request_in("resolved")
        request_in("submitted")
    with time_machine.travel(T0 + timedelta(days=8), tick=False):
        assert tasks.escalate_overdue.apply().get() == 1
        assert tasks.close_unanswered.apply().get() == 1


def test_every_workflow_step_leaves_a_timeline_entry_with_who_and_when(
    request_in: RequestIn, resident: User, property_staff: User
) -> None:
    request = services.confirm_request(request_in("resolved"), by=fresh(resident), rating=5)
    events = list(request.events.order_by("at", "id"))
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("filed", "", "submitted"),
        ("accepted", "submitted", "accepted"),
        ("started", "accepted", "in_progress"),
        ("resolved", "in_progress", "resolved"),
        ("confirmed", "resolved", "closed"),
    ]
    assert [e.by for e in events] == [resident, property_staff, property_staff, property_staff, resident]
    assert all(e.at is not None for e in events)


def test_committee_size_counts_distinct_active_members(world: World, committee: User, director: User) -> None:
    other_committee = world.other_committee_org
    outsider_member = make_user("far")
    Membership.objects.create(user=outsider_member, role="committee_member", organisation=other_committee)
    assert services.committee_size(world.estate.pk) == 2
