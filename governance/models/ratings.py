"""物业服务评定: committee members grade the property company each period."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from estates.models import Estate, EstateScopedQuerySet, Organisation

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from estates.models import User


class RatingCriterion(models.Model):
    """One thing the committee scores (保洁, 秩序安保, 维修, 绿化, 响应速度, 服务态度), with its weight."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=30)
    name_en = models.CharField(_("name (English)"), max_length=60)
    weight = models.DecimalField(
        _("weight"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Relative weight in the committee's score; the weights of active criteria are normalised."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("rating criterion")
        verbose_name_plural = _("rating criteria")
        constraints = [models.CheckConstraint(condition=Q(weight__gte=0), name="rating_criterion_weight_nonnegative")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        language = translation.get_language() or settings.LANGUAGE_CODE
        return self.name_zh if language.lower().startswith("zh") else self.name_en


class RatingPolicy(models.Model):
    """How an estate grades its property company: the period, the quorum and the weights of the
    committee's score against the residents' own figures. Created with defaults when needed."""

    class Period(models.TextChoices):
        MONTH = "month", _("Monthly")
        QUARTER = "quarter", _("Quarterly")

    estate = models.OneToOneField(Estate, on_delete=models.CASCADE, related_name="rating_policy")
    period = models.CharField(_("period"), max_length=10, choices=Period.choices, default=Period.MONTH)
    quorum = models.DecimalField(
        _("quorum"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.50"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("1"))],
        help_text=_("Share of the committee's members who must score before the grade is published."),
    )
    committee_weight = models.DecimalField(
        _("weight of the committee's score"), max_digits=3, decimal_places=2, default=Decimal("0.70")
    )
    rating_weight = models.DecimalField(
        _("weight of residents' average rating"), max_digits=3, decimal_places=2, default=Decimal("0.20")
    )
    on_time_weight = models.DecimalField(
        _("weight of the on-time share"), max_digits=3, decimal_places=2, default=Decimal("0.10")
    )

    class Meta:
        verbose_name = _("estate rating policy")
        verbose_name_plural = _("estate rating policies")
        constraints = [
            models.CheckConstraint(condition=Q(period__in=["month", "quarter"]), name="rating_policy_period_valid"),
            models.CheckConstraint(condition=Q(quorum__gt=0, quorum__lte=1), name="rating_policy_quorum_range"),
            models.CheckConstraint(
                condition=Q(committee_weight__gte=0, rating_weight__gte=0, on_time_weight__gte=0),
                name="rating_policy_weights_nonnegative",
            ),
        ]

    def __str__(self) -> str:
        return str(self.estate)

    @classmethod
    def for_estate(cls, estate: Estate | int) -> RatingPolicy:
        estate_id = estate if isinstance(estate, int) else estate.pk
        policy, _created = cls.objects.get_or_create(estate_id=estate_id)
        return policy

    @staticmethod
    def scorers_needed(quorum: Decimal, member_count: int) -> int:
        """The fewest sheets that meet the quorum: scorers ≥ quorum × members, and at least one."""
        return max(1, int((quorum * member_count).to_integral_value(rounding=ROUND_CEILING)))


class RatingRoundQuerySet(EstateScopedQuerySet):
    estate_field = "estate_id"

    def visible_to(self, user: User | AnonymousUser) -> RatingRoundQuerySet:
        """Published rounds are public; open and closed ones are seen by the estate's staff (and
        the admins above them), its committee's members and its property company's staff (who
        see their own grade coming). Other organisations of the estate see only published ones."""
        from estates.scope import scope_of

        from ..permissions import roles_of

        scope = scope_of(user)
        if scope.is_superuser:
            return self.all()
        roles = roles_of(user)
        insiders = scope.staff_estate_ids | roles.committee_estates
        for estates in roles.company_estates.values():
            insiders |= estates
        return self.filter(Q(status=RatingRound.Status.PUBLISHED) | Q(estate_id__in=insiders))

    def published(self) -> RatingRoundQuerySet:
        return self.filter(status=RatingRound.Status.PUBLISHED)

    def with_counts(self) -> RatingRoundQuerySet:
        """Annotate `live_scorer_count` (sheets so far) and `live_member_count` (active members of
        the estate's committees now): an open round shows these; a closed one its stored counts."""
        from estates.models import Membership

        members = (
            Membership.objects.active()
            .filter(
                role=Membership.Role.COMMITTEE_MEMBER,
                organisation__kind__in=Organisation.COMMITTEE_KINDS,
                organisation__estates=models.OuterRef("estate_id"),
            )
            .order_by()
            .values("organisation__estates")
            .annotate(count=models.Count("user_id", distinct=True))
            .values("count")[:1]
        )
        sheets = (
            RatingSheet.objects.filter(round=models.OuterRef("pk"))
            .order_by()
            .values("round")
            .annotate(count=models.Count("id"))
            .values("count")[:1]
        )
        return self.annotate(
            live_member_count=Coalesce(models.Subquery(members), 0),
            live_scorer_count=Coalesce(models.Subquery(sheets), 0),
        )


class RatingRound(models.Model):
    """One period's grading of an estate's property company."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open for scoring")
        CLOSED = "closed", _("Closed")
        PUBLISHED = "published", _("Published")

    class Grade(models.TextChoices):
        EXCELLENT = "excellent", _("Excellent (优秀)")
        GOOD = "good", _("Good (良好)")
        PASS = "pass", _("Pass (合格)")
        FAIL = "fail", _("Fail (不合格)")

    TRANSITIONS = {
        Status.OPEN: {Status.CLOSED},
        Status.CLOSED: {Status.PUBLISHED, Status.OPEN},
        Status.PUBLISHED: set(),
    }
    # The lowest overall score of each grade, best first; below the last one: 不合格.
    GRADE_FLOORS = (
        (Decimal("90"), Grade.EXCELLENT),
        (Decimal("80"), Grade.GOOD),
        (Decimal("60"), Grade.PASS),
    )

    estate = models.ForeignKey(Estate, on_delete=models.CASCADE, related_name="rating_rounds", verbose_name=_("estate"))
    company = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="rating_rounds",
        verbose_name=_("property company"),
        null=True,
        blank=True,
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    closes_on = models.DateField(_("scoring closes on"))
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    member_count = models.PositiveSmallIntegerField(_("committee members"), default=0)
    scorer_count = models.PositiveSmallIntegerField(_("members who scored"), default=0)
    committee_score = models.DecimalField(_("committee's score"), max_digits=5, decimal_places=2, null=True, blank=True)
    residents_score = models.DecimalField(_("residents' score"), max_digits=5, decimal_places=2, null=True, blank=True)
    score = models.DecimalField(_("overall score"), max_digits=5, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices, blank=True)
    figures = models.JSONField(_("residents' figures"), default=dict, blank=True)

    objects = RatingRoundQuerySet.as_manager()

    class Meta:
        ordering = ["-period_start", "estate_id"]
        verbose_name = _("rating round")
        verbose_name_plural = _("rating rounds")
        constraints = [
            models.UniqueConstraint(fields=["estate", "period_start"], name="rating_round_one_per_period"),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="rating_round_period_order"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "closed", "published"]), name="rating_round_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(grade__in=["", "excellent", "good", "pass", "fail"]), name="rating_round_grade_valid"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100), name="rating_round_score_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.estate} {self.period_start:%Y-%m}"

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[RatingRound.Status(self.status)]

    @classmethod
    def grade_for(cls, score: Decimal | None) -> str:
        """优秀 ≥ 90, 良好 ≥ 80, 合格 ≥ 60, else 不合格; no grade without a score."""
        if score is None:
            return ""
        for floor, grade in cls.GRADE_FLOORS:
            if score >= floor:
                return grade
        return cls.Grade.FAIL


class RatingSheet(models.Model):
    """One committee member's scores in one round: exactly one per member per round."""

    round = models.ForeignKey(RatingRound, on_delete=models.CASCADE, related_name="sheets", verbose_name=_("round"))
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rating_sheets", verbose_name=_("member")
    )
    comment = models.TextField(_("comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["round", "id"]
        verbose_name = _("rating sheet")
        verbose_name_plural = _("rating sheets")
        constraints = [models.UniqueConstraint(fields=["round", "member"], name="rating_sheet_one_per_member")]

    def __str__(self) -> str:
        return f"{self.round} · {self.member}"


class RatingScore(models.Model):
    """A member's score (0–100) for one criterion."""

    sheet = models.ForeignKey(RatingSheet, on_delete=models.CASCADE, related_name="scores", verbose_name=_("sheet"))
    criterion = models.ForeignKey(
        RatingCriterion, on_delete=models.PROTECT, related_name="+", verbose_name=_("criterion")
    )
    score = models.PositiveSmallIntegerField(_("score"), validators=[MaxValueValidator(100)])

    class Meta:
        ordering = ["sheet", "criterion__position"]
        verbose_name = _("rating score")
        verbose_name_plural = _("rating scores")
        constraints = [
            models.UniqueConstraint(fields=["sheet", "criterion"], name="rating_score_one_per_criterion"),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="rating_score_range"),
        ]

    def __str__(self) -> str:
        return f"{self.sheet} · {self.criterion}: {self.score}"
