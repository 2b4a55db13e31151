"""Running totals of an estate's requests, for the figures that would otherwise read its whole
history (a street holds tens of thousands of rated requests)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from estates.models import Estate


class RequestTally(models.Model):
    """The residents' ratings of an estate's requests: how many and their sum. A rating is given
    once, when the resident confirms (the request is then closed for good), so
    `services.confirm_request` adds it in its own transaction; `figures.recount_request_tallies`
    rebuilds every tally from the requests after a bulk load."""

    estate = models.OneToOneField(
        Estate, on_delete=models.CASCADE, primary_key=True, related_name="request_tally", verbose_name=_("estate")
    )
    rated_count = models.PositiveIntegerField(_("rated requests"), default=0)
    rating_sum = models.PositiveBigIntegerField(_("sum of the ratings"), default=0)

    class Meta:
        verbose_name = _("request tally")
        verbose_name_plural = _("request tallies")
        constraints = [
            # Every rating is 1 to 5 stars.
            models.CheckConstraint(
                condition=Q(rating_sum__gte=F("rated_count"), rating_sum__lte=F("rated_count") * 5),
                name="request_tally_ratings_in_range",
            ),
        ]

    def __str__(self) -> str:
        return str(self.estate)
