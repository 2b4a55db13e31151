"""The foundation's acceptance checks, straight from the issue."""

from typing import Any


def test_outsider_gets_404_for_another_communitys_household(api_as: Any, world: Any, outsider: Any) -> None:
    response = api_as(outsider).get(f"/api/v1/households/{world.household.pk}/")
    assert response.status_code == 404


def test_outsider_lists_no_households_of_another_community(api_as: Any, world: Any, outsider: Any) -> None:
    response = api_as(outsider).get("/api/v1/households/", {"estate": world.estate.pk})
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_resident_sees_only_their_own_household(api_as: Any, world: Any, resident: Any, neighbour: Any) -> None:
    response = api_as(resident).get("/api/v1/households/")
    assert response.status_code == 200
    assert [h["id"] for h in response.json()["results"]] == [world.household.pk]
    assert api_as(resident).get(f"/api/v1/households/{world.neighbour_household.pk}/").status_code == 404


def test_committee_member_sees_neighbours_phone_masked(api_as: Any, world: Any, committee: Any, resident: Any) -> None:
    response = api_as(committee).get(f"/api/v1/households/{world.household.pk}/")
    assert response.status_code == 200
    assert response.json()["residents"] == [
        {"id": resident.pk, "name": "李居民", "phone": "138****1234", "is_owner": True}
    ]


def test_staff_sees_residents_phone_whole(api_as: Any, world: Any, staff: Any, resident: Any) -> None:
    response = api_as(staff).get(f"/api/v1/households/{world.household.pk}/")
    assert response.json()["residents"][0]["phone"] == "13812341234"


def test_resident_sees_own_phone_on_me(api_as: Any, resident: Any) -> None:
    body = api_as(resident).get("/api/v1/me/").json()
    assert body["phone"] == "13812341234"
    assert body["roles"][0]["role"] == "resident"


def test_token_endpoint_is_throttled(api: Any, staff: Any, monkeypatch: Any) -> None:
    from django.core.cache import cache
    from rest_framework.throttling import SimpleRateThrottle

    cache.clear()
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"token": "3/minute"})
    answers = [
        api.post("/api/v1/auth/token/", {"username": "staff", "password": "wrong"}, REMOTE_ADDR="10.9.9.9").status_code
        for _ in range(4)
    ]
    assert answers == [400, 400, 400, 429]


def test_demo_token_refused_once_demo_logins_are_off(api: Any, staff: Any, settings: Any) -> None:
    from rest_framework.authtoken.models import Token

    staff.is_demo = True
    staff.save(update_fields=["is_demo"])
    token = Token.objects.create(user=staff)
    settings.DEMO_LOGINS_ENABLED = False
    response = api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 401
