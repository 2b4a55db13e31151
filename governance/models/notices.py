"""公告: notices for an estate or a whole community, with a publication window."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from estates.models import Community, Estate
from renovations.photos import photo_upload_to

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from estates.models import User


def published_condition(now: datetime | None = None) -> Q:
    """Inside the publication window at `now`: from ≤ now < until (or no end)."""
    now = now or timezone.now()
    return Q(publish_from__lte=now) & (Q(publish_until__isnull=True) | Q(publish_until__gt=now))


class NoticeQuerySet(models.QuerySet["Notice"]):
    def published(self, now: datetime | None = None) -> NoticeQuerySet:
        """Notices inside their publication window."""
        return self.filter(published_condition(now))

    def visible_to(self, user: User | AnonymousUser, now: datetime | None = None) -> NoticeQuerySet:
        """Published notices are public; drafts and expired ones are seen by the community's staff."""
        from estates.scope import scope_of

        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        return self.filter(published_condition(now) | Q(community_id__in=scope.staff_community_ids))

    def for_estate(self, estate_id: int, community_id: int) -> NoticeQuerySet:
        """The estate's own notices and its community's notices for every estate."""
        return self.filter(Q(estate_id=estate_id) | Q(estate__isnull=True, community_id=community_id))

    def managed_by(self, user: User | AnonymousUser) -> NoticeQuerySet:
        from estates.scope import scope_of

        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        return self.filter(community_id__in=scope.staff_community_ids)


class Notice(models.Model):
    """A notice: for one estate, or (estate empty) for every estate of the community."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="notices", verbose_name=_("community")
    )
    estate = models.ForeignKey(
        Estate, on_delete=models.CASCADE, null=True, blank=True, related_name="notices", verbose_name=_("estate")
    )
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))
    publish_from = models.DateTimeField(_("published from"))
    publish_until = models.DateTimeField(_("published until"), null=True, blank=True)
    is_pinned = models.BooleanField(_("pinned"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Status(models.TextChoices):
        """Where a notice stands at a moment (derived from its window, not stored)."""

        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHED = "published", _("Published")
        ENDED = "ended", _("Ended")

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-is_pinned", "-publish_from", "-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        constraints = [
            # An empty window (until == from) is a scheduled notice withdrawn before it appeared.
            models.CheckConstraint(
                condition=Q(publish_until__isnull=True) | Q(publish_until__gte=models.F("publish_from")),
                name="notice_window_order",
            )
        ]
        indexes = [models.Index(fields=["community", "estate", "publish_from"], name="notice_window_idx")]

    def __str__(self) -> str:
        return self.title

    def status_at(self, now: datetime | None = None) -> str:
        """Scheduled, published or ended at `now` (an empty window has ended: it was withdrawn)."""
        now = now or timezone.now()
        if self.publish_until is not None and (self.publish_until <= now or self.publish_until <= self.publish_from):
            return self.Status.ENDED
        if self.publish_from > now:
            return self.Status.SCHEDULED
        return self.Status.PUBLISHED


class NoticeImage(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(_("image"), upload_to=photo_upload_to("notices"))
    thumbnail = models.ImageField(
        _("thumbnail"), upload_to=photo_upload_to("notices/thumbnails"), null=True, blank=True
    )
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    caption = models.CharField(_("caption"), max_length=120, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["notice", "id"]
        verbose_name = _("notice image")
        verbose_name_plural = _("notice images")

    def __str__(self) -> str:
        return self.caption or f"{self.notice} #{self.pk}"
