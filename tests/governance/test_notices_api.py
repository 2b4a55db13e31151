"""The notices API: public reading inside the window, staff writes, pinning and withdrawing,
image uploads, filters (an estate's list includes its community's notices), the whole body,
permissions with an outsider for every endpoint, and query budgets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine

from estates.models import User
from governance import services
from governance.models import Notice, NoticeImage
from tests.conftest import World
from tests.governance.conftest import EN, T0, client_as, fresh, junk_file, photo_file

Publish = Callable[..., Notice]
DAY = timedelta(days=1)
PEOPLE = ["anonymous", "resident", "committee", "mediator", "outsider"]


@pytest.fixture
def publish(world: World, staff: User) -> Publish:
    """publish(**overrides) -> a notice of 蕴园小区 published from T0 for a week."""

    def _publish(**overrides: Any) -> Notice:
        fields: dict[str, Any] = {
            "by": fresh(staff),
            "title": "停水通知",
            "body": "3月5日 9:00-17:00 3号楼停水检修。",
            "estate": world.estate,
            "publish_from": T0,
            "publish_until": T0 + 7 * DAY,
        }
        community = overrides.pop("community", world.community)
        fields.update(overrides)
        with time_machine.travel(T0 - DAY, tick=False):
            return services.create_notice(community, **fields)

    return _publish


def persona(request: Any, name: str) -> User | None:
    if name == "anonymous":
        request.getfixturevalue("world")
        return None
    return fresh(request.getfixturevalue(name))


def ok(response: Any, code: int = 200) -> Any:
    assert response.status_code == code, response.content
    return response.json()


def listed(user: User | None, query: str = "", *, at: Any = T0 + DAY) -> list[int]:
    with time_machine.travel(at, tick=False):
        return [row["id"] for row in ok(client_as(user).get(f"/api/v1/notices/?{query}"))["results"]]


# ---------------------------------------------------------------- reading


@pytest.mark.parametrize("name", PEOPLE)
def test_published_notices_are_public_drafts_and_ended_ones_are_not(request: Any, publish: Publish, name: str) -> None:
    notice = publish()
    user = persona(request, name)
    assert listed(user, at=T0 - DAY) == []
    assert listed(user, at=T0 + DAY) == [notice.pk]
    assert listed(user, at=T0 + 8 * DAY) == []
    for at, code in ((T0 - DAY, 404), (T0 + DAY, 200), (T0 + 8 * DAY, 404)):
        with time_machine.travel(at, tick=False):
            assert client_as(user).get(f"/api/v1/notices/{notice.pk}/").status_code == code


@pytest.mark.parametrize("name", ["staff", "street_admin", "superuser"])
def test_staff_see_drafts_and_ended_notices(request: Any, publish: Publish, name: str) -> None:
    notice = publish()
    user = persona(request, name)
    assert listed(user, at=T0 - DAY) == [notice.pk]
    assert listed(user, at=T0 + 8 * DAY) == [notice.pk]
    assert listed(user, "active=true", at=T0 + 8 * DAY) == []
    assert listed(user, "active=false", at=T0 + 8 * DAY) == [notice.pk]


def test_the_outsider_does_not_see_our_drafts(publish: Publish, outsider: User) -> None:
    notice = publish()
    assert listed(outsider, at=T0 - DAY) == []
    with time_machine.travel(T0 - DAY, tick=False):
        assert client_as(outsider).get(f"/api/v1/notices/{notice.pk}/").status_code == 404
        assert client_as(outsider).get(f"/api/v1/notices/{notice.pk}/images/").status_code == 404


def test_pinned_first_then_newest(publish: Publish) -> None:
    older = publish(title="旧", publish_from=T0)
    newer = publish(title="新", publish_from=T0 + DAY)
    pinned = publish(title="置顶", publish_from=T0 - DAY, is_pinned=True)
    assert listed(None, at=T0 + 2 * DAY) == [pinned.pk, newer.pk, older.pk]
    assert listed(None, "pinned=true", at=T0 + 2 * DAY) == [pinned.pk]
    assert listed(None, "pinned=false", at=T0 + 2 * DAY) == [newer.pk, older.pk]


def test_an_estates_list_includes_its_community_wide_notices(
    world: World, publish: Publish, outsider: User, resident: User
) -> None:
    own = publish()
    community_wide = publish(estate=None, title="社区通知")
    other = publish(community=world.other_community, estate=world.other_estate, by=fresh(outsider), title="体委")
    assert listed(None, f"estate={world.estate.pk}") == [community_wide.pk, own.pk]
    assert listed(None, f"estate={world.other_estate.pk}") == [other.pk]
    assert listed(None, f"community={world.community.pk}") == [community_wide.pk, own.pk]
    assert listed(None, "estate=999999") == []
    # A resident's own estates: theirs and their community's.
    assert listed(fresh(resident), "mine=true") == [community_wide.pk, own.pk]
    assert listed(None, "mine=true") == []
    assert ok(client_as(None).get("/api/v1/notices/?estate=abc"), 400)


# ---------------------------------------------------------------- writing


def test_staff_publish_a_pinned_notice(world: World, staff: User) -> None:
    with time_machine.travel(T0, tick=False):
        body = ok(
            client_as(staff).post(
                "/api/v1/notices/",
                {
                    "estate": world.estate.pk,
                    "title": "电梯加装公示",
                    "body": "1号楼加装电梯方案公示七天。",
                    "publish_until": (T0 + 7 * DAY).isoformat(),
                    "is_pinned": True,
                },
                format="json",
            ),
            201,
        )
    assert (body["community"], body["estate"], body["is_pinned"], body["status"], body["can_manage"]) == (
        world.community.pk,
        world.estate.pk,
        True,
        "published",
        True,
    )
    assert body["publish_from"] == "2025-03-03T09:00:00+08:00"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "community"),
        ({"estate": 999999}, "estate"),
        ({"community": "x"}, "community"),
        ({"title": ""}, "title"),
        ({"body": "长" * 5001}, "body"),
        ({"publish_from": "soon"}, "publish_from"),
        ({"publish_until": "2000-01-01T00:00:00+08:00"}, "publish_until"),
        ({"is_pinned": "perhaps"}, "is_pinned"),
    ],
)
def test_bad_input_answers_400(world: World, staff: User, data: dict[str, Any], field: str) -> None:
    payload = {"community": world.community.pk, "title": "通知", "body": "内容", **data}
    if data == {}:
        payload.pop("community")
    body = ok(client_as(staff).post("/api/v1/notices/", payload, format="json"), 400)
    assert field in body, body
    assert not Notice.objects.exists()


def test_the_estate_must_be_in_the_community(world: World, staff: User) -> None:
    body = ok(
        client_as(staff).post(
            "/api/v1/notices/",
            {"community": world.community.pk, "estate": world.other_estate.pk, "title": "t", "body": "b"},
            format="json",
        ),
        400,
    )
    assert "estate" in body


@pytest.mark.parametrize("name", ["resident", "committee", "mediator", "outsider"])
def test_others_may_not_publish(request: Any, world: World, name: str) -> None:
    response = client_as(persona(request, name)).post(
        "/api/v1/notices/", {"community": world.community.pk, "title": "t", "body": "b"}, format="json"
    )
    assert response.status_code == 403
    assert client_as(None).post("/api/v1/notices/", {}, format="json").status_code in (401, 403)
    assert not Notice.objects.exists()


def test_staff_edit_with_patch_and_put_is_not_offered(publish: Publish, staff: User) -> None:
    notice = publish()
    with time_machine.travel(T0 + DAY, tick=False):
        body = ok(client_as(staff).patch(f"/api/v1/notices/{notice.pk}/", {"title": "停水通知（延期）"}, format="json"))
        assert (body["title"], body["body"]) == ("停水通知（延期）", "3月5日 9:00-17:00 3号楼停水检修。")
        body = ok(client_as(staff).patch(f"/api/v1/notices/{notice.pk}/", {"estate": None}, format="json"))
        assert body["estate"] is None
        assert ok(
            client_as(staff).patch(
                f"/api/v1/notices/{notice.pk}/", {"publish_until": "2000-01-01T00:00:00Z"}, format="json"
            ),
            400,
        )
        assert client_as(staff).put(f"/api/v1/notices/{notice.pk}/", {}, format="json").status_code == 405


ACTIONS = ["withdraw", "pin", "unpin"]


@pytest.mark.parametrize("name", ["anonymous", "resident", "committee", "mediator", "outsider"])
def test_others_may_not_change_a_published_notice(request: Any, publish: Publish, name: str) -> None:
    notice = publish(is_pinned=True)
    client = client_as(persona(request, name))
    with time_machine.travel(T0 + DAY, tick=False):
        codes = [client.patch(f"/api/v1/notices/{notice.pk}/", {"title": "x"}, format="json").status_code]
        codes += [client.post(f"/api/v1/notices/{notice.pk}/{action}/").status_code for action in ACTIONS]
        codes.append(client.post(f"/api/v1/notices/{notice.pk}/images/", {"image": photo_file()}).status_code)
    expected = {401, 403} if name == "anonymous" else {403}
    assert set(codes) <= expected, codes
    notice.refresh_from_db()
    assert (notice.title, notice.is_pinned, notice.publish_until) == ("停水通知", True, T0 + 7 * DAY)


def test_changes_to_a_draft_are_404_for_outsiders(publish: Publish, outsider: User) -> None:
    notice = publish()
    client = client_as(outsider)
    with time_machine.travel(T0 - DAY, tick=False):
        assert client.patch(f"/api/v1/notices/{notice.pk}/", {"title": "x"}, format="json").status_code == 404
        for action in ACTIONS:
            assert client.post(f"/api/v1/notices/{notice.pk}/{action}/").status_code == 404


def test_pin_unpin_and_withdraw(publish: Publish, staff: User) -> None:
    notice = publish()
    client = client_as(staff)
    with time_machine.travel(T0 + DAY, tick=False):
        assert ok(client.post(f"/api/v1/notices/{notice.pk}/pin/"))["is_pinned"] is True
        assert ok(client.post(f"/api/v1/notices/{notice.pk}/pin/"), 409)["detail"]
        assert ok(client.post(f"/api/v1/notices/{notice.pk}/unpin/"))["is_pinned"] is False
        assert ok(client.post(f"/api/v1/notices/{notice.pk}/unpin/"), 409)
        body = ok(client.post(f"/api/v1/notices/{notice.pk}/withdraw/"))
        assert (body["status"], body["publish_until"]) == ("ended", "2025-03-04T09:00:00+08:00")
        assert ok(client.post(f"/api/v1/notices/{notice.pk}/withdraw/"), 409)
    assert listed(None, at=T0 + DAY) == []


# ---------------------------------------------------------------- images


def test_staff_add_an_image_and_everyone_sees_it(publish: Publish, staff: User) -> None:
    notice = publish()
    with time_machine.travel(T0 + DAY, tick=False):
        image = ok(
            client_as(staff).post(
                f"/api/v1/notices/{notice.pk}/images/",
                {"image": photo_file("map.png", fmt="PNG"), "caption": "停水范围"},
            ),
            201,
        )
        assert (image["width"], image["height"], image["caption"]) == (64, 48, "停水范围")
        assert image["image"].endswith(".png")
        public = ok(client_as(None).get(f"/api/v1/notices/{notice.pk}/images/"))
        assert [row["id"] for row in public] == [image["id"]]
        assert ok(client_as(None).get(f"/api/v1/notices/{notice.pk}/"))["images"][0]["caption"] == "停水范围"


@pytest.mark.parametrize(
    "upload",
    [
        lambda: junk_file("notice.jpg"),
        lambda: photo_file("huge.jpg", size=(20001, 1)),
        lambda: photo_file("art.gif", fmt="GIF"),
    ],
)
def test_a_bad_image_answers_400_and_stores_nothing(publish: Publish, staff: User, upload: Any) -> None:
    notice = publish()
    with time_machine.travel(T0 + DAY, tick=False):
        body = ok(client_as(staff).post(f"/api/v1/notices/{notice.pk}/images/", {"image": upload()}), 400)
    assert "image" in body
    assert not NoticeImage.objects.exists()


def test_an_image_upload_without_a_file_answers_400(publish: Publish, staff: User) -> None:
    notice = publish()
    with time_machine.travel(T0 + DAY, tick=False):
        assert ok(client_as(staff).post(f"/api/v1/notices/{notice.pk}/images/", {}), 400)["image"]


# ---------------------------------------------------------------- the whole body


def test_notice_detail_whole_body(world: World, publish: Publish, staff: User) -> None:
    notice = publish(is_pinned=True)
    with time_machine.travel(T0, tick=False):
        image = services.add_notice_image(notice, by=fresh(staff), upload=photo_file(), caption="位置")
    image.refresh_from_db()
    with time_machine.travel(T0 + DAY, tick=False):
        body = ok(client_as(None).get(f"/api/v1/notices/{notice.pk}/", **EN))
    assert body == {
        "id": notice.pk,
        "community": world.community.pk,
        "community_name": "小阳泉北社区",
        "estate": world.estate.pk,
        "estate_name": "蕴园小区",
        "title": "停水通知",
        "body": "3月5日 9:00-17:00 3号楼停水检修。",
        "publish_from": "2025-03-03T09:00:00+08:00",
        "publish_until": "2025-03-10T09:00:00+08:00",
        "is_pinned": True,
        "status": "published",
        "status_display": "Published",
        "images": [
            {
                "id": image.pk,
                "image": f"http://testserver/media/{image.image.name}",
                "thumbnail": None,
                "width": 64,
                "height": 48,
                "caption": "位置",
                "uploaded_at": "2025-03-03T09:00:00+08:00",
            }
        ],
        "can_manage": False,
        "created_at": "2025-03-02T09:00:00+08:00",
        "updated_at": "2025-03-03T09:00:00+08:00",
    }


def test_a_community_wide_notice_has_no_estate(world: World, publish: Publish) -> None:
    notice = publish(estate=None)
    with time_machine.travel(T0 + DAY, tick=False):
        body = ok(client_as(None).get(f"/api/v1/notices/{notice.pk}/", **EN))
    assert (body["estate"], body["estate_name"]) == (None, None)


# ---------------------------------------------------------------- query budgets


@pytest.mark.parametrize("rows", [3, 30])
@pytest.mark.parametrize(
    ("name", "queries"),
    [
        ("anonymous", 3),  # count; page; images
        ("resident", 4),  # memberships (scope); count; page; images
        ("staff", 5),  # memberships; estates (scope); count; page; images
    ],
)
def test_list_query_budget(
    request: Any, publish: Publish, staff: User, name: str, queries: int, rows: int, django_assert_num_queries: Any
) -> None:
    for number in range(rows):
        notice = publish(title=f"通知 {number}", is_pinned=number % 2 == 0)
        NoticeImage.objects.create(notice=notice, image="notices/x.jpg", uploaded_by=staff)
    client = client_as(persona(request, name))
    with time_machine.travel(T0 + DAY, tick=False), django_assert_num_queries(queries):
        response = client.get(f"/api/v1/notices/?estate={request.getfixturevalue('world').estate.pk}")
    assert response.json()["count"] == rows
