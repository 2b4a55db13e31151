"""Shapes of rating rounds (物业服务评定) in the API; validation of input. Writes go through services.

A round's grade, score and figures are public once published. The members' sheets never are:
the estate's staff see every sheet, a committee member their own, nobody else any.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from estates.models import Estate
from estates.serializers import ChoiceLabelField

from .. import permissions
from ..models import RatingCriterion, RatingPolicy, RatingRound, RatingSheet

DEFAULT_QUORUM = RatingPolicy._meta.get_field("quorum").default


def _user(serializer: serializers.Serializer) -> Any:
    request = serializer.context.get("request")
    return getattr(request, "user", None)


def _quorum(rating_round: RatingRound) -> Decimal:
    """The estate's quorum (read with `estate__rating_policy`), or the default without a policy."""
    try:
        return rating_round.estate.rating_policy.quorum
    except RatingPolicy.DoesNotExist:
        return DEFAULT_QUORUM


def period_kind(start: date, end: date) -> str:
    """A period within one month is a month; a longer one a quarter."""
    same_month = (start.year, start.month) == (end.year, end.month)
    return RatingPolicy.Period.MONTH if same_month else RatingPolicy.Period.QUARTER


def trend_point(rating_round: RatingRound) -> dict[str, Any]:
    """One published round as a point of a grade trend (TrendPointSerializer's shape)."""
    r = rating_round
    return {
        "round": r.pk,
        "estate": r.estate_id,
        "estate_name": r.estate.name,
        "period": period_kind(r.period_start, r.period_end),
        "period_start": r.period_start,
        "period_end": r.period_end,
        "committee_score": r.committee_score,
        "residents_score": r.residents_score,
        "score": r.score,
        "grade": r.grade,
        "grade_display": r.get_grade_display(),
    }


def _is_live(rating_round: RatingRound) -> bool:
    return rating_round.status == RatingRound.Status.OPEN


class RatingCriterionSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text=_("In the active language."))

    class Meta:
        model = RatingCriterion
        fields = ["code", "name", "name_zh", "name_en", "weight", "position"]
        read_only_fields = fields


class RatingRoundSerializer(serializers.ModelSerializer):
    """A round as anyone who may see it sees it (every field is read-only; moves are actions)."""

    estate_name = serializers.CharField(source="estate.name", read_only=True)
    company_name = serializers.SerializerMethodField()
    period = serializers.SerializerMethodField()
    status_display = ChoiceLabelField(source="status")
    member_count = serializers.SerializerMethodField()
    scorer_count = serializers.SerializerMethodField()
    quorum = serializers.SerializerMethodField()
    scorers_needed = serializers.SerializerMethodField()
    has_quorum = serializers.SerializerMethodField()
    committee_score = serializers.DecimalField(max_digits=5, decimal_places=2, read_only=True, allow_null=True)
    residents_score = serializers.DecimalField(max_digits=5, decimal_places=2, read_only=True, allow_null=True)
    score = serializers.DecimalField(max_digits=5, decimal_places=2, read_only=True, allow_null=True)
    grade_display = ChoiceLabelField(source="grade")
    figures = serializers.JSONField(
        read_only=True,
        help_text=_(
            "What the grade was computed from, stored at closing: the residents' request figures of the "
            "period, their rating and on-time scores (0–100) and the weights. Empty while open."
        ),
    )
    has_scored = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta:
        model = RatingRound
        fields = [
            "id",
            "estate",
            "estate_name",
            "company",
            "company_name",
            "period",
            "period_start",
            "period_end",
            "status",
            "status_display",
            "closes_on",
            "opened_at",
            "closed_at",
            "published_at",
            "member_count",
            "scorer_count",
            "quorum",
            "scorers_needed",
            "has_quorum",
            "committee_score",
            "residents_score",
            "score",
            "grade",
            "grade_display",
            "figures",
            "has_scored",
            "actions",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_company_name(self, obj: RatingRound) -> str | None:
        return obj.company.name if obj.company is not None else None

    @extend_schema_field(serializers.ChoiceField(choices=RatingPolicy.Period.choices))
    def get_period(self, obj: RatingRound) -> str:
        return period_kind(obj.period_start, obj.period_end)

    @extend_schema_field(
        serializers.IntegerField(
            help_text=_("Active members of the estate's committee: now while open, at closing after.")
        )
    )
    def get_member_count(self, obj: RatingRound) -> int:
        if _is_live(obj) and hasattr(obj, "live_member_count"):
            return obj.live_member_count
        return obj.member_count

    @extend_schema_field(
        serializers.IntegerField(help_text=_("Members who scored: so far while open, at closing after."))
    )
    def get_scorer_count(self, obj: RatingRound) -> int:
        if _is_live(obj) and hasattr(obj, "live_scorer_count"):
            return obj.live_scorer_count
        return obj.scorer_count

    @extend_schema_field(
        serializers.DecimalField(
            max_digits=3, decimal_places=2, help_text=_("The share of the committee that must score to publish.")
        )
    )
    def get_quorum(self, obj: RatingRound) -> str:
        return f"{_quorum(obj):.2f}"

    def get_scorers_needed(self, obj: RatingRound) -> int:
        return RatingPolicy.scorers_needed(_quorum(obj), self.get_member_count(obj))

    def get_has_quorum(self, obj: RatingRound) -> bool:
        members = self.get_member_count(obj)
        return members > 0 and self.get_scorer_count(obj) >= self.get_scorers_needed(obj)

    @extend_schema_field(serializers.BooleanField(help_text=_("The viewer has a sheet in this round.")))
    def get_has_scored(self, obj: RatingRound) -> bool:
        return bool(getattr(obj, "viewer_has_scored", False))

    @extend_schema_field(
        serializers.ListField(
            child=serializers.CharField(),
            help_text=_(
                "What the viewer may do now: close, publish, reopen (POST /rating-rounds/{id}/<action>/) "
                "and score (POST or PUT /rating-rounds/{id}/scores/)."
            ),
        )
    )
    def get_actions(self, obj: RatingRound) -> list[str]:
        return permissions.round_actions(_user(self), obj, today=self.context.get("today"))


class RatingScoreSerializer(serializers.Serializer):
    criterion = serializers.CharField(help_text=_("The criterion's code."))
    criterion_name = serializers.CharField()
    weight = serializers.DecimalField(max_digits=5, decimal_places=2)
    score = serializers.IntegerField(min_value=0, max_value=100)


class RatingSheetMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class RatingSheetSerializer(serializers.ModelSerializer):
    """One member's sheet: their scores per criterion, the weighted total, their comment."""

    member = serializers.SerializerMethodField()
    scores = serializers.SerializerMethodField()
    weighted_score = serializers.SerializerMethodField()

    class Meta:
        model = RatingSheet
        fields = ["id", "round", "member", "scores", "weighted_score", "comment", "submitted_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(RatingSheetMemberSerializer)
    def get_member(self, obj: RatingSheet) -> dict[str, Any]:
        return {"id": obj.member_id, "name": obj.member.display_name}

    @extend_schema_field(RatingScoreSerializer(many=True))
    def get_scores(self, obj: RatingSheet) -> list[dict[str, Any]]:
        rows = sorted(obj.scores.all(), key=lambda s: (s.criterion.position, s.criterion_id))
        return [
            {
                "criterion": score.criterion.code,
                "criterion_name": score.criterion.name,
                "weight": f"{score.criterion.weight:.2f}",
                "score": score.score,
            }
            for score in rows
        ]

    @extend_schema_field(
        serializers.DecimalField(
            max_digits=5,
            decimal_places=2,
            allow_null=True,
            help_text=_("Σ(weight × score) / Σ weight over the criteria in use, to two decimals."),
        )
    )
    def get_weighted_score(self, obj: RatingSheet) -> str | None:
        from ..services import sheet_score

        value = sheet_score((s.criterion.weight, s.score) for s in obj.scores.all() if s.criterion.is_active)
        return None if value is None else f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):.2f}"


class RatingSheetInputSerializer(serializers.Serializer):
    scores = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=100),
        allow_empty=False,
        help_text=_('Every criterion in use, by its code, scored 0–100: {"cleaning": 90, …}.'),
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class RatingRoundCreateSerializer(serializers.Serializer):
    estate = serializers.PrimaryKeyRelatedField(queryset=Estate.objects.all())
    period_start = serializers.DateField(
        help_text=_("The first day of the period: of the month, or of the quarter for estates graded quarterly.")
    )
    closes_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=_("The last day of scoring; by default the period's last day, but at least a week from today."),
    )


class ReopenSerializer(serializers.Serializer):
    closes_on = serializers.DateField(
        required=False, allow_null=True, help_text=_("The new last day of scoring; by default a week from today.")
    )


class TrendQuerySerializer(serializers.Serializer):
    estate = serializers.IntegerField(required=False, min_value=1, help_text=_("An estate's id."))
    company = serializers.IntegerField(required=False, min_value=1, help_text=_("A property company's id."))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("estate" in attrs) == ("company" in attrs):
            raise serializers.ValidationError({"detail": [_("Give either an estate or a company.")]})
        return attrs


class TrendPointSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    estate = serializers.IntegerField()
    estate_name = serializers.CharField()
    period = serializers.ChoiceField(choices=RatingPolicy.Period.choices)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    committee_score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    residents_score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    score = serializers.DecimalField(max_digits=5, decimal_places=2)
    grade = serializers.ChoiceField(choices=RatingRound.Grade.choices)
    grade_display = serializers.CharField()


class TrendSerializer(serializers.Serializer):
    estate = serializers.IntegerField(allow_null=True)
    company = serializers.IntegerField(allow_null=True)
    name = serializers.CharField(help_text=_("The estate's or the company's name."))
    points = TrendPointSerializer(many=True, help_text=_("Published rounds, oldest first."))


class RankingQuerySerializer(serializers.Serializer):
    street = serializers.IntegerField(required=False, min_value=1, help_text=_("A street's id."))
    district = serializers.IntegerField(required=False, min_value=1, help_text=_("A district's id."))
    community = serializers.IntegerField(required=False, min_value=1, help_text=_("A community's id."))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if len(attrs) != 1:
            raise serializers.ValidationError({"detail": [_("Give one street, district or community.")]})
        return attrs


class RankingRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField(help_text=_("1 for the best; equal scores share a rank."))
    company = serializers.IntegerField()
    company_name = serializers.CharField()
    score = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        help_text=_("The mean of the company's latest published score in each estate of the area."),
    )
    grade = serializers.ChoiceField(choices=RatingRound.Grade.choices)
    grade_display = serializers.CharField()
    estate_count = serializers.IntegerField()
    latest_period_start = serializers.DateField()


class RankingAreaSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[("district", "district"), ("street", "street"), ("community", "community")])
    id = serializers.IntegerField()
    name = serializers.CharField()


class RankingSerializer(serializers.Serializer):
    area = RankingAreaSerializer()
    rows = RankingRowSerializer(many=True)
