"""Personal information (PIPL): the log of who read whose contact details, a request's contact
number, a person's copy of their data, erasure at their request, and the retention job."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from estates.errors import Conflict
from estates.models import Consent, ContactRead, Membership, User
from estates.privacy import PRIVACY_NOTICE_VERSION, record_consent
from governance import services
from governance.models import Notification, ResidentRequest
from governance.open311 import issue_api_key
from governance.privacy import clear_old_contact_details
from tests.conftest import World

from .conftest import EN, T0, client_as, fresh

pytestmark = pytest.mark.django_db

Filer = Callable[..., ResidentRequest]


def reads_of(person: User) -> list[tuple[str, str, str]]:
    return list(
        ContactRead.objects.filter(person=person).order_by("id").values_list("reader__username", "field", "path")
    )


# ------------------------------------------------------------------ the contact number


def test_a_request_keeps_the_residents_number_unless_another_is_given(
    file_request: Filer, resident: User, world: World, plumbing: Any, staff: User
) -> None:
    assert file_request().contact_phone == "13812341234"
    assert file_request(contact_phone=" 0353-1234567 ").contact_phone == "0353-1234567"
    for_her = services.file_request(
        world.estate,
        by=fresh(staff),
        on_behalf_of=fresh(resident),
        category=plumbing,
        place_kind="household",
        household=world.household,
        description="帮李阿姨报修",
    )
    # Filed by staff for a resident: the resident's number, not the staff member's.
    assert for_her.contact_phone == "13812341234"


def test_a_bad_contact_number_is_refused_and_nothing_is_filed(resident: User, world: World, plumbing: Any) -> None:
    body = {"category": "plumbing", "place_kind": "household", "household": world.household.pk}
    answer = client_as(resident).post(
        "/api/v1/requests/", {**body, "description": "漏水", "contact_phone": "12345"}, format="json", **EN
    )
    assert answer.status_code == 400
    assert "contact_phone" in answer.json()
    assert not ResidentRequest.objects.exists()


def test_open311_keeps_the_phone_it_is_sent(resident: User, world: World, plumbing: Any) -> None:
    _key, value = issue_api_key(fresh(resident), label="app")
    answer = Client().post(
        "/open311/v2/requests.json",
        {
            "api_key": value,
            "service_code": "plumbing",
            "description": "楼道漏水",
            "address_id": world.estate.pk,
            "phone": "13911112222",
        },
    )
    assert answer.status_code == 200, answer.content
    assert ResidentRequest.objects.get().contact_phone == "13911112222"


# ----------------------------------------------------------------------- the read log


def test_opening_a_request_logs_whose_numbers_the_reader_saw(
    file_request: Filer, resident: User, staff: User, property_staff: User
) -> None:
    request = file_request(contact_phone="13911112222")
    answer = client_as(staff).get(f"/api/v1/requests/{request.pk}/")
    assert answer.status_code == 200
    assert answer.json()["contact_phone"] == "13911112222"
    assert answer.json()["resident"]["phone"] == "13812341234"
    path = f"/api/v1/requests/{request.pk}/"
    assert sorted(reads_of(resident)) == [("staff", "phone", path), ("staff", "request_contact", path)]


def test_lists_show_no_number_and_log_nothing(file_request: Filer, resident: User, staff: User) -> None:
    file_request(contact_phone="13911112222")
    row = client_as(staff).get("/api/v1/requests/").json()["results"][0]
    assert "13911112222" not in str(row) and "13812341234" not in str(row)
    assert not {"contact_phone", "resident", "filed_by"} & set(row)
    assert not ContactRead.objects.exists()


def test_people_reading_their_own_number_and_refused_answers_are_not_logged(
    file_request: Filer, resident: User, outsider: User, neighbour: User
) -> None:
    request = file_request()
    mine = client_as(resident).get(f"/api/v1/requests/{request.pk}/")
    assert mine.json()["contact_phone"] == "13812341234"
    assert client_as(outsider).get(f"/api/v1/requests/{request.pk}/").status_code == 404
    assert client_as(neighbour).get(f"/api/v1/requests/{request.pk}/").status_code == 404
    assert not ContactRead.objects.exists()


def test_the_admin_form_of_a_person_is_a_read(superuser: User, resident: User) -> None:
    client = Client()
    client.force_login(superuser)
    assert client.get(reverse("admin:estates_user_change", args=[resident.pk])).status_code == 200
    assert reads_of(resident) == [("root", "phone", f"/admin/estates/user/{resident.pk}/change/")]


def test_the_household_register_logs_the_residents_numbers_staff_see(staff: User, resident: User, world: World) -> None:
    answer = client_as(staff).get(f"/api/v1/households/{world.household.pk}/")
    assert answer.status_code == 200
    assert [("staff", "phone", f"/api/v1/households/{world.household.pk}/")] == reads_of(resident)


def test_a_person_sees_who_read_their_number_and_nobody_else_does(
    file_request: Filer, resident: User, staff: User, neighbour: User
) -> None:
    request = file_request()
    client_as(staff).get(f"/api/v1/requests/{request.pk}/")
    mine = client_as(resident).get("/api/v1/me/contact-reads/", **EN).json()
    assert mine["count"] == 2
    assert {row["reader"] for row in mine["results"]} == {"王社工"}
    assert {row["field_display"] for row in mine["results"]} == {"Phone number", "Contact number of a request"}
    assert client_as(neighbour).get("/api/v1/me/contact-reads/").json()["count"] == 0
    assert client_as(None).get("/api/v1/me/contact-reads/").status_code in (401, 403)


# -------------------------------------------------------------------- consent summary


def test_the_privacy_summary_shows_consents_and_what_blocks_erasure(file_request: Filer, resident: User) -> None:
    record_consent(fresh(resident), address="10.0.0.8")
    file_request()
    with override("en"):
        body = client_as(resident).get("/api/v1/me/privacy/", **EN).json()
    assert body["notice_version"] == PRIVACY_NOTICE_VERSION
    assert body["has_current_consent"] is True
    assert [c["version"] for c in body["consents"]] == [PRIVACY_NOTICE_VERSION]
    assert body["retention_days"] == 730
    assert len(body["erasure_blockers"]) == 1
    assert "not finished yet" in body["erasure_blockers"][0]


def test_consent_is_recorded_once_per_version(resident: User) -> None:
    first = record_consent(fresh(resident), address="10.0.0.8")
    again = record_consent(fresh(resident), address="10.0.0.9")
    assert first.pk == again.pk
    assert Consent.objects.get().address == "10.0.0.8"


# --------------------------------------------------------------------- a copy of my data


def test_my_data_is_a_json_file_with_what_the_portal_holds_about_me(
    file_request: Filer, resident: User, staff: User, neighbour: User
) -> None:
    record_consent(fresh(resident))
    mine = file_request(contact_phone="13911112222")
    services.withdraw_request(mine, by=fresh(resident), note="已自己修好")
    client_as(staff).get(f"/api/v1/requests/{mine.pk}/")
    neighbours = file_request(by=fresh(neighbour), household=fresh(neighbour).memberships.get().household)

    answer = client_as(resident).get("/api/v1/me/data/")
    assert answer.status_code == 200
    assert answer["Content-Disposition"].startswith('attachment; filename="huanxin-my-data-')
    assert answer["Cache-Control"] == "no-store"
    data = json.loads(answer.content)
    assert data["account"]["phone"] == "13812341234"
    assert [r["id"] for r in data["requests"]] == [mine.pk]
    assert neighbours.pk not in [r["id"] for r in data["requests"]]
    assert data["requests"][0]["contact_phone"] == "13911112222"
    assert [e["action"] for e in data["requests"][0]["history"]] == ["filed", "withdrawn"]
    assert data["roles"][0]["role"] == "resident"
    assert data["consents"][0]["version"] == PRIVACY_NOTICE_VERSION
    assert {r["reader"] for r in data["contact_details_read_by_others"]} == {"王社工"}
    assert "ballots" in data and "notifications" in data


def test_my_data_needs_a_signed_in_person() -> None:
    assert APIClient().get("/api/v1/me/data/").status_code in (401, 403)


def test_my_data_costs_the_same_queries_for_one_request_or_ten(
    file_request: Filer, resident: User, django_assert_max_num_queries: Any
) -> None:
    for _ in range(10):
        file_request()
    with django_assert_max_num_queries(25):
        assert client_as(resident).get("/api/v1/me/data/").status_code == 200


# ----------------------------------------------------------------------------- erasure


def test_erasure_needs_the_password_and_the_tick(resident: User) -> None:
    client = client_as(resident)
    wrong = client.post("/api/v1/me/erase/", {"password": "nope", "confirm": True}, format="json", **EN)
    assert wrong.status_code == 400
    assert wrong.json() == {"password": ["The password is not right."]}
    unticked = client.post("/api/v1/me/erase/", {"password": "pw-resident", "confirm": False}, format="json", **EN)
    assert unticked.status_code == 400
    assert "confirm" in unticked.json()
    assert fresh(resident).erased_at is None


def test_erasure_waits_for_open_requests_and_for_other_roles(
    file_request: Filer, resident: User, committee: User
) -> None:
    request = file_request()
    refused = client_as(resident).post(
        "/api/v1/me/erase/", {"password": "pw-resident", "confirm": True}, format="json", **EN
    )
    assert refused.status_code == 409
    assert f"#{request.pk}" in refused.json()["detail"]
    role = client_as(committee).post(
        "/api/v1/me/erase/", {"password": "pw-committee", "confirm": True}, format="json", **EN
    )
    assert role.status_code == 409
    assert "Committee member" in role.json()["detail"]
    assert fresh(resident).erased_at is None and fresh(committee).erased_at is None


def test_erasure_removes_the_person_and_keeps_the_requests_history(
    file_request: Filer, resident: User, staff: User
) -> None:
    request = file_request(contact_phone="13911112222", latitude="37.85", longitude="113.56")
    services.withdraw_request(request, by=fresh(resident), note="不用了")
    Token.objects.create(user=resident)
    Notification.objects.create(recipient=resident, title="提醒")
    client = Client()
    client.force_login(resident)
    assert client.get("/api/v1/me/").status_code == 200

    answer = client.post(
        "/api/v1/me/erase/",
        json.dumps({"password": "pw-resident", "confirm": True}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert answer.status_code == 200
    assert answer.json()["detail"] == "Your data has been erased and your account closed."

    erased = fresh(resident)
    assert erased.erased_at is not None
    assert (erased.username, erased.full_name, erased.phone, erased.email) == (f"erased-{erased.pk}", "", "", "")
    assert not erased.is_active and not erased.has_usable_password()
    assert not Token.objects.filter(user=erased).exists()
    assert not Notification.objects.filter(recipient=erased).exists()
    assert not Membership.objects.active().filter(user=erased).exists()
    assert Membership.objects.filter(user=erased).exists()  # the household's history keeps the row
    # Signed out here, and the password no longer opens the account.
    assert client.get("/api/v1/me/").status_code in (401, 403)
    login = RequestFactory().post("/accounts/login/")
    assert authenticate(login, username="resident", password="pw-resident") is None
    assert authenticate(login, username=erased.username, password="pw-resident") is None

    kept = ResidentRequest.objects.get(pk=request.pk)
    assert kept.on_behalf_of_id == erased.pk and kept.status == "withdrawn"
    assert (kept.contact_phone, kept.latitude, kept.longitude) == ("", None, None)
    with override("en"):
        shown = client_as(staff).get(f"/api/v1/requests/{request.pk}/", **EN).json()
    assert shown["resident"]["name"] == "Erased account"
    assert shown["resident"]["phone"] == ""


def test_an_erased_account_cannot_be_erased_twice(resident: User) -> None:
    from estates.privacy import erase_person

    erase_person(fresh(resident), by=fresh(resident), password="pw-resident")
    with override("en"), pytest.raises(Conflict, match="already been erased"):
        erase_person(User.objects.get(pk=resident.pk), by=User.objects.get(pk=resident.pk), password="pw-resident")


# --------------------------------------------------------------------------- retention


def test_the_retention_job_clears_ended_requests_after_the_retention_period(
    file_request: Filer, resident: User, settings: Any
) -> None:
    settings.REQUEST_CONTACT_RETENTION_DAYS = 30
    with time_machine.travel(T0, tick=False):
        old = file_request(contact_phone="13911112222", latitude="37.85", longitude="113.56")
        services.withdraw_request(old, by=fresh(resident))
        still_open = file_request()
    with time_machine.travel(T0 + timedelta(days=20), tick=False):
        recent = file_request()
        services.withdraw_request(recent, by=fresh(resident))
    ended_at = ResidentRequest.objects.get(pk=old.pk).updated_at

    with time_machine.travel(T0 + timedelta(days=31), tick=False):
        assert clear_old_contact_details() == 1
        assert clear_old_contact_details() == 0  # a second run finds nothing left

    cleared = ResidentRequest.objects.get(pk=old.pk)
    assert (cleared.contact_phone, cleared.latitude, cleared.longitude) == ("", None, None)
    assert cleared.contact_cleared_at == T0 + timedelta(days=31)
    assert cleared.updated_at == ended_at  # the request still ended when it ended
    assert cleared.description == "厨房下水道堵了" and cleared.on_behalf_of_id == resident.pk
    assert ResidentRequest.objects.get(pk=still_open.pk).contact_phone == "13812341234"
    assert ResidentRequest.objects.get(pk=recent.pk).contact_phone == "13812341234"

    with time_machine.travel(T0 + timedelta(days=52), tick=False):
        assert clear_old_contact_details(batch=1) == 1
    assert ResidentRequest.objects.get(pk=recent.pk).contact_phone == ""
    assert ResidentRequest.objects.get(pk=still_open.pk).contact_phone == "13812341234"


def test_a_cleared_request_says_so_to_those_who_handle_it(file_request: Filer, resident: User, staff: User) -> None:
    request = file_request()
    services.withdraw_request(request, by=fresh(resident))
    ResidentRequest.objects.filter(pk=request.pk).update(updated_at=timezone.now() - timedelta(days=800))
    clear_old_contact_details()
    body = client_as(staff).get(f"/api/v1/requests/{request.pk}/").json()
    assert body["contact_phone"] == ""
    assert body["contact_cleared_at"] is not None
    assert not ContactRead.objects.filter(field="request_contact").exists()


def test_open311_keeps_the_residents_number_when_the_phone_sent_cannot_be_called(
    resident: User, world: World, plumbing: Any
) -> None:
    _key, value = issue_api_key(fresh(resident), label="app")
    answer = Client().post(
        "/open311/v2/requests.json",
        {
            "api_key": value,
            "service_code": "plumbing",
            "description": "楼道漏水",
            "address_id": world.estate.pk,
            "phone": "111111111",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert answer.status_code == 200, answer.content
    assert "not a number we can call" in answer.json()[0]["service_notice"]
    assert ResidentRequest.objects.get().contact_phone == "13812341234"
