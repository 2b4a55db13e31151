"""The city being generated: what each part needs to know of the others (which estate has
which company, committee, staff and residents), and how the parts draw at random."""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

from .loading import Clock, Table

if TYPE_CHECKING:
    from . import Counts
    from .ratings import Round

# The standard normal distribution's quantiles: drawing one is much cheaper than random.gauss.
NORMAL = tuple(NormalDist().inv_cdf((i + 0.5) / 4096) for i in range(4096))
HISTORY_DAYS = 3 * 365  # requests and meetings go back this far


@dataclass
class Estate:
    """What later parts need of an estate: its people, places and organisations, by id."""

    id: int
    community: int  # index
    name: str
    mode: str
    company: int | None = None  # index into companies
    committee_id: int = 0
    director: int = 0
    committee: list[int] = field(default_factory=list)
    buildings: list[tuple[int, str]] = field(default_factory=list)  # id, name
    units: list[tuple[int, int, str, int, int]] = field(default_factory=list)  # id, building id, name, first hh, count
    households: int = 0
    residents: list[int] = field(default_factory=list)
    resident_homes: list[tuple[int, int]] = field(default_factory=list)  # household id, user id


@dataclass
class Community:
    """A community's staff, mediators, mediation team, contractor and estates (by index)."""

    id: int
    name: str
    street: int
    staff: list[int] = field(default_factory=list)
    mediators: list[int] = field(default_factory=list)
    mediation_id: int = 0
    contractor_id: int = 0
    contractor_name: str = ""
    estates: list[int] = field(default_factory=list)  # indexes


@dataclass
class Company:
    """A property company and its staff."""

    id: int
    name: str
    staff: list[int] = field(default_factory=list)


@dataclass
class PeriodFigures:
    """A period's requests of one estate, as `governance.figures.request_figures` counts them."""

    count: int = 0
    on_time: int = 0
    rated: int = 0
    rating_sum: int = 0
    reopened: int = 0
    escalated: int = 0
    hours_to_take: list[float] = field(default_factory=list)


class City:
    """Everything generated so far that later parts refer to, and the tables the rows go into."""

    def __init__(self, counts: Counts, *, clock: Clock, seed: int, tables: dict[str, Table]) -> None:
        self.counts = counts
        self.clock = clock
        self.seed = seed
        self.tables = tables
        self.password = ""  # the hash every generated person gets
        self.estates: list[Estate] = []
        self.communities: list[Community] = []
        self.companies: list[Company] = []
        self.streets: list[tuple[int, str]] = []  # id, name
        # Per household (by id − first_household_id): floor area in cents, owning resident (0: none).
        self.household_area: list[int] = []
        self.household_owner: list[int] = []
        self.first_household_id = 0
        # Planned by ratings.plan before the requests, which count the figures of each graded period.
        self.rounds: list[Round] = []
        self.figures: dict[tuple[int, int], PeriodFigures] = {}  # (estate index, first day's ordinal)
        self.criteria: list[tuple[int, Decimal]] = []  # active rating criteria: id, weight

    def rng(self, part: str) -> random.Random:
        """Each part draws from its own stream: changing one part leaves the others' rows alone."""
        return random.Random(f"{self.seed}:{part}")  # noqa: S311 (reproducible data, not secrets)


def cumulative(weights: Iterable[float]) -> list[float]:
    """Running totals of `weights`, for `pick` (cheaper than random.choices drawing after drawing)."""
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


def pick(rng: random.Random, values: tuple[Any, ...] | list[Any], weights: list[float]) -> Any:
    """One of `values`, by the cumulative `weights` (see `cumulative`)."""
    return values[bisect(weights, rng.random() * weights[-1])]


def largest_remainder(total: int, weights: list[float]) -> list[int]:
    """`total` split in proportion to `weights`, in whole numbers that add up exactly."""
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    counts = [int(s) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: (counts[i] - shares[i], i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def month_start(day: date, months_back: int) -> date:
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def month_end(start: date) -> date:
    return month_start(start, -1) - timedelta(days=1)
