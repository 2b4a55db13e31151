"""物业服务评定: each estate's rating rounds, planned before the requests (which count the
residents' figures of every graded period) and written after them, graded as the service grades."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from statistics import median
from typing import Any

from governance.models import RatingCriterion, RatingPolicy, RatingRound
from governance.services.ratings import combine_scores, sheet_score

from .loading import DAY, HOUR
from .registry import City, PeriodFigures, month_end, month_start


@dataclass
class Round:
    estate: int
    period_start: date
    period_end: date
    status: str
    opened_at: int
    closed_at: int | None
    published_at: int | None
    published_by: int | None
    sheets: list[tuple[int, int, list[int]]]  # member, submitted at, score per criterion


def plan(city: City) -> None:
    """Rounds of the estates with a property company: the current month's open, earlier months
    closed and (once enough members scored) published — back until the scores run out."""
    rng = city.rng("ratings")
    clock = city.clock
    criteria = list(RatingCriterion.objects.filter(is_active=True).order_by("id").values_list("id", "weight"))
    city.criteria = criteria
    if not criteria:
        return
    budget = max(1, city.counts.rating_scores // len(criteria))
    rated = [e for e, estate in enumerate(city.estates) if estate.company is not None]
    today = clock.local_date(clock.now)
    quality = [rng.gauss(82, 7) for _ in city.companies]
    for months_back in range(36):
        start = month_start(today, months_back)
        end = month_end(start)
        opened = min(clock.at_local(start, 0, 5), clock.now)
        if opened > clock.now or budget <= 0:
            break
        for e in rated:
            if budget <= 0:
                break
            estate = city.estates[e]
            members = estate.committee
            needed = math.ceil(len(members) / 2)
            closes = clock.at_local(end + timedelta(days=1), 0, 5) + rng.randrange(60)
            closed_at = closes if closes <= clock.now else None
            if closed_at is None:  # this month's: members score as the month goes by
                elapsed = (clock.now - opened) / max(1, closes - opened)
                scorers = sum(rng.random() < 0.1 + 0.4 * elapsed for _ in members)
            elif rng.random() < 0.9:  # enough members scored to publish the grade
                scorers = rng.randint(needed, len(members))
            else:
                scorers = rng.randint(0, needed - 1)
            scorers = min(scorers, budget)
            budget -= scorers
            company_quality = quality[estate.company] + rng.gauss(0, 4)  # type: ignore[index]
            sheets = []
            for member in sorted(rng.sample(members, scorers), key=members.index):
                latest = min(closes, clock.now)
                submitted = opened + rng.randrange(max(1, latest - opened))
                leaning = rng.gauss(0, 5)
                scores = [max(0, min(100, round(company_quality + leaning + rng.gauss(0, 6)))) for _ in criteria]
                sheets.append((member, submitted, scores))
            published_at = published_by = None
            status = "open"
            if closed_at is not None:
                status = "closed"
                publish = closed_at + rng.randrange(1, 4) * DAY + rng.randrange(8 * HOUR)
                if scorers >= needed and publish <= clock.now:
                    status, published_at = "published", publish
                    staff = city.communities[estate.community].staff
                    published_by = staff[rng.randrange(len(staff))]
                city.figures[(e, start.toordinal())] = PeriodFigures()
            city.rounds.append(Round(e, start, end, status, opened, closed_at, published_at, published_by, sheets))


def write(city: City) -> None:
    """The rounds with their sheets and scores; a closed round carries the grade and the figures
    that `governance.services.ratings.grade_round` computes from the same rows."""
    t, clock = city.tables, city.clock
    cent = Decimal("0.01")
    defaults = RatingPolicy()  # the generated estates have no policy of their own
    weights = {
        "committee": defaults.committee_weight,
        "rating": defaults.rating_weight,
        "on_time": defaults.on_time_weight,
    }
    for rating_round in city.rounds:
        estate = city.estates[rating_round.estate]
        committee = residents = score = None
        grade, figures = "", {}
        if rating_round.closed_at is not None:
            per_sheet = [
                sheet_score([(weight, value) for (_id, weight), value in zip(city.criteria, scores, strict=True)])
                for _member, _at, scores in rating_round.sheets
            ]
            present = [value for value in per_sheet if value is not None]
            if present:
                committee = (sum(present, Decimal(0)) / len(present)).quantize(cent, rounding=ROUND_HALF_UP)
            stats = city.figures[(rating_round.estate, rating_round.period_start.toordinal())]
            requests = _figures(stats)
            average = requests["average_rating"]
            share = requests["on_time_share"]
            rating = (
                None
                if average is None
                else ((Decimal(str(average)) - 1) / 4 * 100).quantize(cent, rounding=ROUND_HALF_UP)
            )
            on_time = None if share is None else (Decimal(str(share)) * 100).quantize(cent, rounding=ROUND_HALF_UP)
            residents = combine_scores([(weights["rating"], rating), (weights["on_time"], on_time)])
            score = combine_scores(
                [(weights["committee"], committee), (weights["rating"], rating), (weights["on_time"], on_time)]
            )
            grade = RatingRound.grade_for(score)
            figures = {
                "period_start": rating_round.period_start.isoformat(),
                "period_end": rating_round.period_end.isoformat(),
                "sheet_count": len(rating_round.sheets),
                "requests": requests,
                "rating_score": None if rating is None else str(rating),
                "on_time_score": None if on_time is None else str(on_time),
                "weights": {name: str(value) for name, value in weights.items()},
            }
        round_id = t["ratinground"].add(
            rating_round.period_start.isoformat(),
            rating_round.period_end.isoformat(),
            rating_round.status,
            rating_round.period_end.isoformat(),
            clock.ts(rating_round.opened_at),
            clock.opt(rating_round.closed_at),
            clock.opt(rating_round.published_at),
            len(estate.committee),
            len(rating_round.sheets),
            committee,
            residents,
            score,
            grade,
            figures,
            city.companies[estate.company].id,  # type: ignore[index]
            estate.id,
            rating_round.published_by,
        )
        for member, submitted, scores in rating_round.sheets:
            sheet_id = t["ratingsheet"].add("", clock.ts(submitted), clock.ts(submitted), member, round_id)
            for (criterion_id, _weight), value in zip(city.criteria, scores, strict=True):
                t["ratingscore"].add(value, criterion_id, sheet_id)


def _figures(stats: PeriodFigures) -> dict[str, Any]:
    """The shape of `governance.figures.request_figures`, from the counts kept while generating."""
    share = lambda part, whole: round(part / whole, 4) if whole else None  # noqa: E731
    return {
        "count": stats.count,
        "taken_count": stats.count,
        "median_hours_to_take": round(float(median(stats.hours_to_take)), 2) if stats.hours_to_take else None,
        "resolved_count": stats.count,
        "on_time_count": stats.on_time,
        "on_time_share": share(stats.on_time, stats.count),
        "rated_count": stats.rated,
        "average_rating": round(stats.rating_sum / stats.rated, 2) if stats.rated else None,
        "reopened_count": stats.reopened,
        "reopen_share": share(stats.reopened, stats.count),
        "escalated_count": stats.escalated,
    }
