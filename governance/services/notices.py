"""Every write to notices (公告): written, edited, pinned and withdrawn by the community's staff.

A notice is public inside its publication window [publish_from, publish_until). Withdrawing
ends the window now; a notice withdrawn before it appeared keeps an empty window.
"""

from __future__ import annotations

from datetime import datetime
from typing import IO, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from estates.errors import Conflict, Invalid, NotAllowed
from estates.models import Community, Estate
from renovations.photos import PhotoRejected, clean_photo, delete_files, make_thumbnail

from ..models import Notice, NoticeImage
from ..permissions import notices as permissions

__all__ = [
    "MAX_NOTICE_IMAGES",
    "add_notice_image",
    "create_notice",
    "make_notice_image_thumbnail",
    "pin_notice",
    "unpin_notice",
    "update_notice",
    "withdraw_notice",
]

Person = Any  # User or AnonymousUser
MAX_NOTICE_IMAGES = 9
MAX_BODY = 5000
MAX_TITLE = 120
MAX_CAPTION = 120


class _Unset:
    """No change asked for (None is a value: no end date, or the whole community)."""


UNSET: Any = _Unset()


def _require_manager(by: Person, community_id: int) -> None:
    if not (by and by.is_authenticated) or not permissions.can_manage_notices(by, community_id):
        raise NotAllowed(_("Only the community's staff can publish and change its notices."))


def _lock(notice: Notice) -> Notice:
    return Notice.objects.select_for_update(of=("self",)).get(pk=notice.pk)


def _text(value: str | None, *, field: str, message: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise Invalid(message, field=field)
    if len(text) > limit:
        raise Invalid(_("At most %(limit)s characters.") % {"limit": limit}, field=field)
    return text


def _aware(moment: datetime) -> datetime:
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _check_estate(estate: Estate | None, community_id: int) -> None:
    if estate is not None and estate.community_id != community_id:
        raise Invalid(_("This estate is not in the notice's community."), field="estate")


def _check_window(publish_from: datetime, publish_until: datetime | None, *, now: datetime) -> None:
    if publish_until is None:
        return
    if publish_until <= publish_from:
        raise Invalid(_("The end of the publication must come after its start."), field="publish_until")
    if publish_until <= now:
        raise Invalid(_("The end of the publication must be in the future."), field="publish_until")


@transaction.atomic
def create_notice(
    community: Community,
    *,
    by: Person,
    title: str,
    body: str,
    estate: Estate | None = None,
    publish_from: datetime | None = None,
    publish_until: datetime | None = None,
    is_pinned: bool = False,
) -> Notice:
    """Write a notice for one estate of the community, or (no estate) for all of it. It appears
    from `publish_from` (now by default) until `publish_until` (open-ended by default)."""
    _require_manager(by, community.pk)
    _check_estate(estate, community.pk)
    title = _text(title, field="title", message=_("Give the notice a title."), limit=MAX_TITLE)
    body = _text(body, field="body", message=_("Write the text of the notice."), limit=MAX_BODY)
    now = timezone.now()
    publish_from = _aware(publish_from) if publish_from is not None else now
    publish_until = _aware(publish_until) if publish_until is not None else None
    _check_window(publish_from, publish_until, now=now)
    return Notice.objects.create(
        community=community,
        estate=estate,
        title=title,
        body=body,
        publish_from=publish_from,
        publish_until=publish_until,
        is_pinned=bool(is_pinned),
        created_by=by,
    )


@transaction.atomic
def update_notice(
    notice: Notice,
    *,
    by: Person,
    title: Any = UNSET,
    body: Any = UNSET,
    estate: Any = UNSET,
    publish_from: Any = UNSET,
    publish_until: Any = UNSET,
) -> Notice:
    """Change a notice's text, its estate (within the community; None for all of it) or its
    publication window. Only the fields given change."""
    _require_manager(by, notice.community_id)
    notice = _lock(notice)
    fields: list[str] = []
    if title is not UNSET:
        notice.title = _text(title, field="title", message=_("Give the notice a title."), limit=MAX_TITLE)
        fields.append("title")
    if body is not UNSET:
        notice.body = _text(body, field="body", message=_("Write the text of the notice."), limit=MAX_BODY)
        fields.append("body")
    if estate is not UNSET:
        _check_estate(estate, notice.community_id)
        notice.estate = estate
        fields.append("estate")
    # The window is checked only when it changes: an ended notice's typo can still be fixed.
    window_changed = False
    if publish_from is not UNSET:
        if publish_from is None:
            raise Invalid(_("Give the start of the publication."), field="publish_from")
        if _aware(publish_from) != notice.publish_from:
            notice.publish_from = _aware(publish_from)
            fields.append("publish_from")
            window_changed = True
    if publish_until is not UNSET:
        until = _aware(publish_until) if publish_until is not None else None
        if until != notice.publish_until:
            notice.publish_until = until
            fields.append("publish_until")
            window_changed = True
    if window_changed:
        _check_window(notice.publish_from, notice.publish_until, now=timezone.now())
    if fields:
        notice.save(update_fields=[*fields, "updated_at"])
    return notice


@transaction.atomic
def withdraw_notice(notice: Notice, *, by: Person) -> Notice:
    """Take a notice down now (its window ends now). A scheduled notice withdrawn before it
    appeared never appears (its window becomes empty)."""
    _require_manager(by, notice.community_id)
    notice = _lock(notice)
    now = timezone.now()
    status = notice.status_at(now)
    if status == Notice.Status.ENDED:
        raise Conflict(_("This notice is no longer published."))
    notice.publish_until = notice.publish_from if status == Notice.Status.SCHEDULED else now
    notice.save(update_fields=["publish_until", "updated_at"])
    return notice


@transaction.atomic
def pin_notice(notice: Notice, *, by: Person) -> Notice:
    """Pin a notice to the top of its lists."""
    _require_manager(by, notice.community_id)
    notice = _lock(notice)
    if notice.is_pinned:
        raise Conflict(_("This notice is already pinned."))
    if notice.status_at() == Notice.Status.ENDED:
        raise Conflict(_("A notice that is no longer published cannot be pinned."))
    notice.is_pinned = True
    notice.save(update_fields=["is_pinned", "updated_at"])
    return notice


@transaction.atomic
def unpin_notice(notice: Notice, *, by: Person) -> Notice:
    """Let a pinned notice take its place by date again."""
    _require_manager(by, notice.community_id)
    notice = _lock(notice)
    if not notice.is_pinned:
        raise Conflict(_("This notice is not pinned."))
    notice.is_pinned = False
    notice.save(update_fields=["is_pinned", "updated_at"])
    return notice


@transaction.atomic
def add_notice_image(notice: Notice, *, by: Person, upload: IO[bytes], caption: str = "") -> NoticeImage:
    """Add an image to a notice: JPEG, PNG or WEBP, checked and re-encoded without metadata by
    renovations.photos (a rejected file stores nothing); the thumbnail is made off the request."""
    _require_manager(by, notice.community_id)
    caption = (caption or "").strip()
    if len(caption) > MAX_CAPTION:
        raise Invalid(_("At most %(limit)s characters.") % {"limit": MAX_CAPTION}, field="caption")
    photo = clean_photo(upload)  # before the lock: decoding a large image takes a while
    notice = _lock(notice)
    if notice.images.count() >= MAX_NOTICE_IMAGES:
        raise Invalid(_("A notice has at most %(count)s images.") % {"count": MAX_NOTICE_IMAGES}, field="image")
    notice.save(update_fields=["updated_at"])
    image = NoticeImage(notice=notice, width=photo.width, height=photo.height, caption=caption, uploaded_by=by)
    # Stored last: nothing can fail after the file is written but the insert (undone here) and the commit.
    image.image.save(f"image.{photo.extension}", photo.content, save=False)
    try:
        image.save()
    except BaseException:
        delete_files([image.image])
        raise
    transaction.on_commit(lambda: _enqueue_thumbnail(image.pk))
    return image


def _enqueue_thumbnail(image_id: int) -> None:
    from .. import tasks

    tasks.make_notice_thumbnail.delay(image_id)


def make_notice_image_thumbnail(image_id: int) -> NoticeImage | None:
    """Make a notice image's thumbnail, once (a second run, or a deleted image, does nothing)."""
    image = NoticeImage.objects.filter(pk=image_id).first()
    if image is None or image.thumbnail:
        return image
    try:
        with image.image.open("rb") as source:
            thumbnail = make_thumbnail(source)
    except (PhotoRejected, FileNotFoundError):
        return image
    image.thumbnail.save(thumbnail.name, thumbnail, save=False)
    NoticeImage.objects.filter(Q(thumbnail__isnull=True) | Q(thumbnail=""), pk=image.pk).update(
        thumbnail=image.thumbnail.name
    )
    return image
