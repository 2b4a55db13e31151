"""Notice services (公告): writing, editing, pinning, withdrawing, images; the publication window
(before, during, after) and who sees what (`Notice.objects.visible_to`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction

from estates.errors import Conflict, Invalid, NotAllowed
from estates.models import User
from governance import services
from governance.models import Notice, NoticeImage
from tests.conftest import World
from tests.governance.conftest import T0, fresh, junk_file, photo_file

Publish = Callable[..., Notice]
DAY = timedelta(days=1)


@pytest.fixture
def publish(world: World, staff: User) -> Publish:
    """publish(**overrides) -> a notice the staff wrote for 蕴园小区, published from T0 for a week."""

    def _publish(**overrides: Any) -> Notice:
        fields: dict[str, Any] = {
            "by": fresh(staff),
            "title": "停水通知",
            "body": "3月5日 9:00-17:00 3号楼停水检修。",
            "estate": world.estate,
            "publish_from": T0,
            "publish_until": T0 + 7 * DAY,
        }
        fields.update(overrides)
        with time_machine.travel(T0 - DAY, tick=False):
            return services.create_notice(world.community, **fields)

    return _publish


def visible_ids(user: Any, now: Any) -> list[int]:
    with time_machine.travel(now, tick=False):
        return list(Notice.objects.visible_to(user).values_list("pk", flat=True))


# ---------------------------------------------------------------- writing


def test_staff_write_a_notice_for_an_estate(world: World, publish: Publish, staff: User) -> None:
    notice = publish()
    assert (notice.community_id, notice.estate_id, notice.created_by_id, notice.is_pinned) == (
        world.community.pk,
        world.estate.pk,
        staff.pk,
        False,
    )
    assert (notice.publish_from, notice.publish_until) == (T0, T0 + 7 * DAY)


def test_a_notice_for_the_whole_community_is_published_now_and_open_ended_by_default(world: World, staff: User) -> None:
    with time_machine.travel(T0, tick=False):
        notice = services.create_notice(world.community, by=fresh(staff), title="社区通知", body="全体居民")
    assert (notice.estate_id, notice.publish_from, notice.publish_until) == (None, T0, None)


@pytest.mark.parametrize("name", ["street_admin", "superuser"])
def test_admins_above_the_community_write_notices(request: Any, world: World, name: str) -> None:
    notice = services.create_notice(world.community, by=fresh(request.getfixturevalue(name)), title="t", body="b")
    assert notice.pk


@pytest.mark.parametrize("name", ["resident", "committee", "property_staff", "mediator", "outsider"])
def test_others_may_not_write_notices(request: Any, world: World, name: str) -> None:
    with pytest.raises(NotAllowed):
        services.create_notice(world.community, by=fresh(request.getfixturevalue(name)), title="t", body="b")
    with pytest.raises(NotAllowed):
        services.create_notice(world.community, by=AnonymousUser(), title="t", body="b")
    assert not Notice.objects.exists()


def test_the_estate_must_be_in_the_community(world: World, staff: User) -> None:
    with pytest.raises(Invalid) as error:
        services.create_notice(world.community, by=fresh(staff), title="t", body="b", estate=world.other_estate)
    assert error.value.field == "estate"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": " "}, "title"),
        ({"title": "长" * 121}, "title"),
        ({"body": ""}, "body"),
        ({"body": "长" * 5001}, "body"),
        ({"publish_until": T0}, "publish_until"),  # ends when it starts
        ({"publish_until": T0 - DAY}, "publish_until"),  # ends before it starts
        ({"publish_from": T0 - 9 * DAY, "publish_until": T0 - 3 * DAY}, "publish_until"),  # already over
    ],
)
def test_bad_input_is_refused_with_the_field_named(publish: Publish, overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(Invalid) as error:
        publish(**overrides)
    assert error.value.field == field
    assert not Notice.objects.exists()


# ---------------------------------------------------------------- the publication window


def test_a_notice_is_public_only_inside_its_window(publish: Publish) -> None:
    notice = publish()
    public = AnonymousUser()
    assert visible_ids(public, T0 - timedelta(seconds=1)) == []  # before
    assert visible_ids(public, T0) == [notice.pk]  # from the first moment
    assert visible_ids(public, T0 + 7 * DAY - timedelta(seconds=1)) == [notice.pk]  # during
    assert visible_ids(public, T0 + 7 * DAY) == []  # after: the end is not included


def test_status_follows_the_window(publish: Publish) -> None:
    notice = publish()
    assert notice.status_at(T0 - DAY) == "scheduled"
    assert notice.status_at(T0 + DAY) == "published"
    assert notice.status_at(T0 + 7 * DAY) == "ended"


@pytest.mark.parametrize("name", ["staff", "street_admin", "superuser"])
def test_the_staff_see_drafts_and_ended_notices(request: Any, publish: Publish, name: str) -> None:
    notice = publish()
    user = fresh(request.getfixturevalue(name))
    assert visible_ids(user, T0 - DAY) == [notice.pk]
    assert visible_ids(user, T0 + 30 * DAY) == [notice.pk]


@pytest.mark.parametrize("name", ["resident", "committee", "mediator", "outsider"])
def test_others_see_neither_drafts_nor_ended_notices(request: Any, publish: Publish, name: str) -> None:
    notice = publish()
    user = fresh(request.getfixturevalue(name))
    assert visible_ids(user, T0 - DAY) == []
    assert visible_ids(user, T0 + DAY) == [notice.pk]
    assert visible_ids(user, T0 + 30 * DAY) == []


def test_pinned_notices_come_first_then_the_newest(publish: Publish, staff: User) -> None:
    older = publish(title="旧", publish_from=T0)
    newer = publish(title="新", publish_from=T0 + DAY)
    pinned = publish(title="置顶", publish_from=T0 - DAY, is_pinned=True)
    with time_machine.travel(T0 + 2 * DAY, tick=False):
        order = list(Notice.objects.visible_to(AnonymousUser()).values_list("pk", flat=True))
    assert order == [pinned.pk, newer.pk, older.pk]


def test_an_estate_lists_its_own_and_its_community_wide_notices(world: World, publish: Publish, outsider: User) -> None:
    own = publish()
    community_wide = publish(estate=None, title="社区通知")
    other = services.create_notice(world.other_community, by=fresh(outsider), title="体委", body="b")
    listed = set(Notice.objects.for_estate(world.estate.pk, world.community.pk).values_list("pk", flat=True))
    assert listed == {own.pk, community_wide.pk}
    assert other.pk not in listed


# ---------------------------------------------------------------- editing


def test_staff_edit_the_text_and_the_window(world: World, publish: Publish, staff: User) -> None:
    notice = publish()
    with time_machine.travel(T0, tick=False):
        notice = services.update_notice(
            notice, by=fresh(staff), title="停水通知（更正）", estate=None, publish_until=T0 + 3 * DAY
        )
    notice.refresh_from_db()
    assert (notice.title, notice.estate_id, notice.publish_until, notice.body) == (
        "停水通知（更正）",
        None,
        T0 + 3 * DAY,
        "3月5日 9:00-17:00 3号楼停水检修。",
    )


def test_an_ended_notice_can_still_be_corrected_without_touching_its_window(publish: Publish, staff: User) -> None:
    notice = publish()
    with time_machine.travel(T0 + 30 * DAY, tick=False):
        services.update_notice(notice, by=fresh(staff), title="改个错字", publish_from=T0, publish_until=T0 + 7 * DAY)
    notice.refresh_from_db()
    assert notice.title == "改个错字"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"publish_until": T0 - DAY}, "publish_until"),
        ({"publish_from": None}, "publish_from"),
        ({"title": ""}, "title"),
        ({"body": " "}, "body"),
    ],
)
def test_bad_edits_are_refused(publish: Publish, staff: User, changes: dict[str, Any], field: str) -> None:
    notice = publish()
    with time_machine.travel(T0, tick=False), pytest.raises(Invalid) as error:
        services.update_notice(notice, by=fresh(staff), **changes)
    assert error.value.field == field


def test_an_edit_keeps_the_estate_in_the_community(world: World, publish: Publish, staff: User) -> None:
    with pytest.raises(Invalid):
        services.update_notice(publish(), by=fresh(staff), estate=world.other_estate)


@pytest.mark.parametrize("name", ["resident", "mediator", "outsider"])
def test_others_may_not_edit_pin_or_withdraw(request: Any, publish: Publish, name: str) -> None:
    notice = publish()
    user = fresh(request.getfixturevalue(name))
    with pytest.raises(NotAllowed):
        services.update_notice(notice, by=user, title="改")
    with pytest.raises(NotAllowed):
        services.pin_notice(notice, by=user)
    with pytest.raises(NotAllowed):
        services.withdraw_notice(notice, by=user)
    with pytest.raises(NotAllowed):
        services.add_notice_image(notice, by=user, upload=photo_file())
    notice.refresh_from_db()
    assert (notice.title, notice.is_pinned, notice.publish_until) == ("停水通知", False, T0 + 7 * DAY)


# ---------------------------------------------------------------- withdrawing and pinning


def test_withdrawing_a_published_notice_ends_it_now(publish: Publish, staff: User) -> None:
    notice = publish()
    with time_machine.travel(T0 + DAY, tick=False):
        notice = services.withdraw_notice(notice, by=fresh(staff))
    assert notice.publish_until == T0 + DAY
    assert visible_ids(AnonymousUser(), T0 + DAY) == []
    assert notice.status_at(T0 + DAY) == "ended"


def test_withdrawing_a_scheduled_notice_means_it_never_appears(publish: Publish, staff: User) -> None:
    notice = publish()
    with time_machine.travel(T0 - DAY, tick=False):
        notice = services.withdraw_notice(notice, by=fresh(staff))
    assert notice.publish_until == notice.publish_from == T0
    assert visible_ids(AnonymousUser(), T0) == []
    assert notice.status_at(T0 - DAY) == "ended"


def test_an_ended_notice_cannot_be_withdrawn_or_pinned(publish: Publish, staff: User) -> None:
    notice = publish()
    with time_machine.travel(T0 + 8 * DAY, tick=False):
        with pytest.raises(Conflict):
            services.withdraw_notice(notice, by=fresh(staff))
        with pytest.raises(Conflict):
            services.pin_notice(notice, by=fresh(staff))


def test_pin_and_unpin(publish: Publish, staff: User) -> None:
    notice = publish()
    with time_machine.travel(T0 + DAY, tick=False):
        assert services.pin_notice(notice, by=fresh(staff)).is_pinned is True
        with pytest.raises(Conflict):
            services.pin_notice(notice, by=fresh(staff))
        assert services.unpin_notice(notice, by=fresh(staff)).is_pinned is False
        with pytest.raises(Conflict):
            services.unpin_notice(notice, by=fresh(staff))


def test_the_database_refuses_a_window_that_ends_before_it_starts(publish: Publish) -> None:
    notice = publish()
    with pytest.raises(IntegrityError), transaction.atomic():
        Notice.objects.filter(pk=notice.pk).update(publish_until=T0 - DAY)


# ---------------------------------------------------------------- images


def test_an_image_is_cleaned_stored_and_gets_a_thumbnail_after_commit(
    publish: Publish, staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    notice = publish()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        image = services.add_notice_image(notice, by=fresh(staff), upload=photo_file("pipe.jpg"), caption="检修位置")
    assert len(callbacks) == 1
    image.refresh_from_db()
    assert (image.width, image.height, image.caption, image.uploaded_by_id) == (64, 48, "检修位置", staff.pk)
    assert image.image.name.startswith("notices/") and image.image.name.endswith(".jpg")
    assert "pipe" not in image.image.name
    # Celery runs eagerly in tests: the thumbnail was made once the transaction committed.
    assert image.thumbnail.name.startswith("notices/thumbnails/")


def test_a_bad_image_stores_nothing(publish: Publish, staff: User) -> None:
    notice = publish()
    with pytest.raises(Invalid) as error:
        services.add_notice_image(notice, by=fresh(staff), upload=junk_file())
    assert error.value.field == "image"
    assert not NoticeImage.objects.exists()


def test_a_notice_has_at_most_nine_images(publish: Publish, staff: User) -> None:
    notice = publish()
    for _ in range(services.MAX_NOTICE_IMAGES):
        services.add_notice_image(notice, by=fresh(staff), upload=photo_file())
    with pytest.raises(Invalid):
        services.add_notice_image(notice, by=fresh(staff), upload=photo_file())
    assert notice.images.count() == 9


def test_a_second_thumbnail_run_changes_nothing(
    publish: Publish, staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        image = services.add_notice_image(publish(), by=fresh(staff), upload=photo_file())
    image.refresh_from_db()
    first = image.thumbnail.name
    assert first
    services.make_notice_image_thumbnail(image.pk)
    image.refresh_from_db()
    assert image.thumbnail.name == first
    assert services.make_notice_image_thumbnail(999999) is None
