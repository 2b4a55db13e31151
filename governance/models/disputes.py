"""纠纷: disputes between households, mediated through 说事 → 听事 → 解事."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from estates.models import Estate, EstateScopedQuerySet, Household

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from estates.models import User


class DisputeQuerySet(EstateScopedQuerySet):
    estate_field = "estate_id"

    def visible_to(self, user: User | AnonymousUser) -> DisputeQuerySet:
        """Seen only by the parties (the residents of a party household, and the person speaking
        for one), the mediators (those assigned, and the mediation team serving the estate) and
        the estate's staff. Subqueries rather than joins: no duplicate rows, no DISTINCT."""
        from estates.scope import scope_of

        from ..permissions.disputes import mediation_estate_ids

        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        if not scope.user_id:
            return self.none()
        condition = Q(estate_id__in=scope.staff_estate_ids | mediation_estate_ids(user))
        condition |= Q(pk__in=Dispute.mediators.through.objects.filter(user_id=scope.user_id).values("dispute_id"))
        parties = Q(person_id=scope.user_id)
        if scope.household_ids:
            parties |= Q(household_id__in=scope.household_ids)
        condition |= Q(pk__in=DisputeParty.objects.filter(parties).values("dispute_id"))
        return self.filter(condition)

    def open(self) -> DisputeQuerySet:
        """Not yet settled."""
        return self.exclude(stage=Dispute.Stage.SETTLED)


class Dispute(models.Model):
    """A dispute between households of one estate."""

    class Kind(models.TextChoices):
        NOISE = "noise", _("Noise")
        LEAK = "leak", _("Water leaking between flats")
        PARKING = "parking", _("Parking")
        PETS = "pets", _("Pets")
        SHARED_SPACE = "shared_space", _("Use of shared space")
        PROPERTY_FEES = "property_fees", _("Property fees")
        OTHER = "other", _("Other")

    class Stage(models.TextChoices):
        RAISED = "raised", _("Raised (说事)")
        HEARD = "heard", _("Heard (听事)")
        SETTLED = "settled", _("Settled (解事)")

    class Outcome(models.TextChoices):
        AGREEMENT = "agreement", _("Agreement reached")
        REFERRED = "referred", _("Referred elsewhere")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    TRANSITIONS = {Stage.RAISED: {Stage.HEARD, Stage.SETTLED}, Stage.HEARD: {Stage.SETTLED}, Stage.SETTLED: set()}

    estate = models.ForeignKey(Estate, on_delete=models.CASCADE, related_name="disputes", verbose_name=_("estate"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"))
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, default=Stage.RAISED)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("outcome note"), blank=True)
    mediators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="mediated_disputes", blank=True, verbose_name=_("mediators")
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("raised by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)

    objects = DisputeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        constraints = [
            models.CheckConstraint(condition=Q(stage__in=["raised", "heard", "settled"]), name="dispute_stage_valid"),
            # An outcome exactly when settled.
            models.CheckConstraint(
                condition=(Q(stage="settled") & ~Q(outcome="")) | (~Q(stage="settled") & Q(outcome="")),
                name="dispute_outcome_when_settled",
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=["", "agreement", "referred", "withdrawn"]), name="dispute_outcome_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class DisputeParty(models.Model):
    """A household taking part in a dispute, optionally with the person who speaks for it."""

    class Side(models.TextChoices):
        APPLICANT = "applicant", _("Raised it")
        RESPONDENT = "respondent", _("Other party")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="parties")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="dispute_parties")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="dispute_parties"
    )
    side = models.CharField(_("side"), max_length=10, choices=Side.choices)

    class Meta:
        ordering = ["dispute", "side", "id"]
        verbose_name = _("dispute party")
        verbose_name_plural = _("dispute parties")
        constraints = [
            models.UniqueConstraint(fields=["dispute", "household"], name="dispute_party_unique_household"),
            models.CheckConstraint(condition=Q(side__in=["applicant", "respondent"]), name="dispute_party_side_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.dispute} · {self.household}"


class DisputeSession(models.Model):
    """A mediation session with its notes."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="sessions")
    held_at = models.DateTimeField(_("held at"))
    place = models.CharField(_("place"), max_length=120, blank=True)
    notes = models.TextField(_("notes"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["dispute", "held_at", "id"]
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")

    def __str__(self) -> str:
        return f"{self.dispute} · {self.held_at:%Y-%m-%d}"


class DisputeEvent(models.Model):
    """The dispute's timeline: who moved it, when, from which stage to which, and why."""

    class Action(models.TextChoices):
        RAISED = "raised", _("Raised")
        PARTY_ADDED = "party_added", _("Party added")
        MEDIATORS_ASSIGNED = "mediators_assigned", _("Mediators assigned")
        HEARD = "heard", _("Heard")
        SESSION_HELD = "session_held", _("Mediation session held")
        SETTLED = "settled", _("Settled")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    from_stage = models.CharField(_("from"), max_length=10, blank=True)
    to_stage = models.CharField(_("to"), max_length=10, blank=True)
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["dispute", "at", "id"]
        verbose_name = _("dispute event")
        verbose_name_plural = _("dispute events")

    def __str__(self) -> str:
        return f"{self.dispute} · {self.action}"
