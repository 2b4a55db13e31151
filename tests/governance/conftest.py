"""Requests in every state, built through the services on top of tests/conftest.py's world.

Extra personas: `director` (主任 of 蕴园小区's owners' committee), `member2` and `member3`
(two more 委员, for the majority rule), `colleague` (a second staff member of the property
company), `rival` (staff of another property company that serves 体委小区 only).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from estates.models import Membership, Organisation, User
from governance import services
from governance.models import EstatePolicy, RequestCategory, ResidentRequest
from tests.conftest import World, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A fixed moment the tests travel to: 2025-03-03 09:00 in Yangquan.
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=SHANGHAI)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}

CATEGORIES = {
    "repair": ("维修", "Repair", 24, 72),
    "plumbing": ("上下水与排污", "Plumbing and sewage", 24, 48),
    "lift": ("电梯", "Lift", 24, 24),
}


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def categories(db: Any) -> dict[str, RequestCategory]:
    """The categories the tests use. The data migration seeds them, but a transactional test
    empties the tables afterwards, so they are made again where missing."""
    made = {}
    for code, (name_zh, name_en, take, resolve) in CATEGORIES.items():
        made[code], _created = RequestCategory.objects.get_or_create(
            code=code,
            defaults={"name_zh": name_zh, "name_en": name_en, "take_within": take, "resolve_within": resolve},
        )
    return made


@pytest.fixture
def plumbing(categories: dict[str, RequestCategory]) -> RequestCategory:
    return categories["plumbing"]


def committee_member(world: World, username: str, *, position: str = "委员", phone: str = "13700009999") -> User:
    user = make_user(username, phone=phone, full_name=username)
    Membership.objects.create(user=user, role="committee_member", organisation=world.committee_org, position=position)
    return user


@pytest.fixture
def director(world: World) -> User:
    return committee_member(world, "director", position="主任", phone="13700007777")


@pytest.fixture
def member2(world: World) -> User:
    return committee_member(world, "member2")


@pytest.fixture
def member3(world: World) -> User:
    return committee_member(world, "member3")


@pytest.fixture
def colleague(world: World) -> User:
    user = make_user("colleague", phone="13600008888", full_name="吴物业")
    Membership.objects.create(user=user, role="property_staff", organisation=world.property_org)
    return user


@pytest.fixture
def rival(world: World) -> User:
    company = Organisation.objects.create(kind="property_company", name="体委物业", community=world.other_community)
    company.estates.add(world.other_estate)
    user = make_user("rival", phone="13600001212", full_name="郑物业")
    Membership.objects.create(user=user, role="property_staff", organisation=company)
    return user


@pytest.fixture
def majority_rule(world: World) -> EstatePolicy:
    policy = EstatePolicy.for_estate(world.estate)
    policy.payment_rule = EstatePolicy.PaymentRule.MAJORITY
    policy.save()
    return policy


def fresh(user: User) -> User:
    """The user loaded again: no scope or roles cached from an earlier call."""
    return User.objects.get(pk=user.pk)


def client_as(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user=fresh(user))
    return client


def photo_file(name: str = "leak.jpg", *, size: tuple[int, int] = (64, 48), fmt: str = "JPEG") -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def junk_file(name: str = "notes.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"this is not a photo", content_type="image/jpeg")


@pytest.fixture
def file_request(world: World, resident: User, plumbing: RequestCategory) -> Callable[..., ResidentRequest]:
    """file_request(**overrides) -> a request the resident filed for their household."""

    def _file(**overrides: Any) -> ResidentRequest:
        fields: dict[str, Any] = {
            "by": fresh(resident),
            "category": plumbing,
            "place_kind": "household",
            "household": world.household,
            "description": "厨房下水道堵了",
        }
        fields.update(overrides)
        return services.file_request(world.estate, **fields)

    return _file


@pytest.fixture
def request_in(
    world: World,
    file_request: Callable[..., ResidentRequest],
    resident: User,
    staff: User,
    property_staff: User,
    director: User,
) -> Callable[[str], ResidentRequest]:
    """request_in(status) -> a request moved through the services to that status (by the company;
    `routed` by the community's staff)."""

    def _make(status: str) -> ResidentRequest:
        request = file_request()
        if status == "submitted":
            return request
        if status == "withdrawn":
            return services.withdraw_request(request, by=fresh(resident))
        if status == "rejected":
            return services.reject_request(request, by=fresh(property_staff), reason="重复提交")
        if status == "routed":
            return services.route_request(request, by=fresh(staff))
        request = services.accept_request(request, by=fresh(property_staff))
        if status == "accepted":
            return request
        if status == "awaiting_payment":
            return services.quote_request(request, by=fresh(property_staff), amount="350.00", note="更换管道")
        request = services.start_request(request, by=fresh(property_staff))
        if status == "in_progress":
            return request
        request = services.resolve_request(request, by=fresh(property_staff), note="已疏通")
        if status == "resolved":
            return request
        if status == "closed":
            return services.confirm_request(request, by=fresh(resident), rating=5)
        raise ValueError(status)

    return _make
