"""The owners' consent tally under Civil Code art. 278 — pure arithmetic, no database.

Art. 278 decides a matter in two steps, both counted twice, by floor area and by headcount:

- participation: owners holding at least 2/3 of the exclusive floor area **and** at least 2/3 of the
  owners take part (三分之二以上: 以上 includes the bound, so exactly 2/3 is enough);
- approval, counted among the participants: for items 6–8 (raising maintenance funds, rebuilding or
  altering buildings and facilities such as adding a lift, changing the use of common parts — ``Rule.MAJOR``)
  at least 3/4 of the participating area **and** at least 3/4 of the participating owners agree
  (四分之三以上, the bound included); for other matters (``Rule.ORDINARY``) more than half of both
  agree (过半数: strictly more, exactly 1/2 is not enough).

Headcount follows the Supreme People's Court interpretation on building-unit ownership: one per
exclusive unit (household), but one owner of several units counts once. Households are therefore
grouped by shared owners (transitively: A owns h1 and h2, B co-owns h2 and h3 → one group); a household
with no known owner is a group of its own. A group takes part if any of its households cast a ballot,
and its headcount vote is the choice covering the largest area among its ballots (ties go to the choice
of the lowest household_id among the tied ones). Area is counted per household: each household's own
area with its own choice. An abstention takes part but does not agree.

All shares are exact ``Fraction``s (``Fraction(Decimal)`` is exact), so the bounds are hit exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext as _

from estates.errors import Invalid

PARTICIPATION_REQUIRED = Fraction(2, 3)  # 三分之二以上: the bound passes
MAJOR_APPROVAL_REQUIRED = Fraction(3, 4)  # 四分之三以上: the bound passes
ORDINARY_APPROVAL_REQUIRED = Fraction(1, 2)  # 过半数: strictly more than the bound


class Rule(StrEnum):
    MAJOR = "major"
    ORDINARY = "ordinary"


class Choice(StrEnum):
    AGREE = "agree"
    DISAGREE = "disagree"
    ABSTAIN = "abstain"


@dataclass(frozen=True)
class Voter:
    """One household in the project's scope, with its ballot (``choice=None``: no ballot)."""

    household_id: int
    area: Decimal
    owner_ids: frozenset[int]
    choice: Choice | None


@dataclass(frozen=True)
class Tally:
    """The counted result; ``*_owners`` are headcounts (owner groups), ``*_area`` floor areas."""

    rule: Rule
    total_area: Decimal
    total_owners: int
    participating_area: Decimal
    participating_owners: int
    agree_area: Decimal
    agree_owners: int
    disagree_area: Decimal
    disagree_owners: int
    abstain_area: Decimal
    abstain_owners: int
    participation_area_share: Fraction
    participation_owner_share: Fraction
    agree_area_share: Fraction  # of the participating area
    agree_owner_share: Fraction  # of the participating owners
    participation_met: bool
    approval_met: bool
    passed: bool

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict with stable keys, in field order.

        Decimals become plain strings ("123.45"), fractions "n/d" strings (always with a
        denominator, "1/1"), each fraction with a sibling ``<name>_percent`` float rounded to two
        places for display. The thresholds of the rule are included so a page can explain them.
        """
        data: dict[str, Any] = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, Rule):
                data[field.name] = value.value
            elif isinstance(value, Decimal):
                data[field.name] = format(value, "f")
            elif isinstance(value, Fraction):
                data[field.name] = _fraction_text(value)
                data[f"{field.name}_percent"] = round(float(value * 100), 2)
            else:
                data[field.name] = value
        data["participation_required"] = _fraction_text(PARTICIPATION_REQUIRED)
        data["approval_required"] = _fraction_text(_approval_required(self.rule))
        # 以上 (MAJOR) includes the bound; 过半数 (ORDINARY) does not.
        data["approval_bound_included"] = self.rule == Rule.MAJOR
        return data


def tally(voters: Iterable[Voter], rule: Rule) -> Tally:
    """Count the ballots of the households in a project's scope under `rule` (see the module docstring).

    Raises ``Invalid`` for a household listed twice or with a negative or non-finite area. An empty
    scope (or one without floor area) passes nothing and divides by nothing.
    """
    rule = Rule(rule)
    voters = list(voters)
    _check(voters)

    total_area = sum((v.area for v in voters), Decimal(0))
    area_by_choice = dict.fromkeys(Choice, Decimal(0))
    for voter in voters:
        if voter.choice is not None:
            area_by_choice[Choice(voter.choice)] += voter.area

    groups = _owner_groups(voters)
    owners_by_choice = dict.fromkeys(Choice, 0)
    for group in groups:
        choice = _group_choice(group)
        if choice is not None:
            owners_by_choice[choice] += 1

    participating_area = sum(area_by_choice.values(), Decimal(0))
    participating_owners = sum(owners_by_choice.values())
    participation_area_share = _share(participating_area, total_area)
    participation_owner_share = _share(participating_owners, len(groups))
    agree_area_share = _share(area_by_choice[Choice.AGREE], participating_area)
    agree_owner_share = _share(owners_by_choice[Choice.AGREE], participating_owners)

    # A share of nothing is 0 (see _share), so an empty scope or participation meets no bound.
    participation_met = (
        participation_area_share >= PARTICIPATION_REQUIRED and participation_owner_share >= PARTICIPATION_REQUIRED
    )
    required = _approval_required(rule)
    if rule == Rule.MAJOR:
        approval_met = agree_area_share >= required and agree_owner_share >= required
    else:
        approval_met = agree_area_share > required and agree_owner_share > required

    return Tally(
        rule=rule,
        total_area=total_area,
        total_owners=len(groups),
        participating_area=participating_area,
        participating_owners=participating_owners,
        agree_area=area_by_choice[Choice.AGREE],
        agree_owners=owners_by_choice[Choice.AGREE],
        disagree_area=area_by_choice[Choice.DISAGREE],
        disagree_owners=owners_by_choice[Choice.DISAGREE],
        abstain_area=area_by_choice[Choice.ABSTAIN],
        abstain_owners=owners_by_choice[Choice.ABSTAIN],
        participation_area_share=participation_area_share,
        participation_owner_share=participation_owner_share,
        agree_area_share=agree_area_share,
        agree_owner_share=agree_owner_share,
        participation_met=participation_met,
        approval_met=approval_met,
        passed=participation_met and approval_met,
    )


def _check(voters: list[Voter]) -> None:
    seen: set[int] = set()
    for voter in voters:
        if voter.household_id in seen:
            raise Invalid(
                _("Household %(household)s is listed twice in the consent scope.") % {"household": voter.household_id}
            )
        seen.add(voter.household_id)
        if not voter.area.is_finite() or voter.area < 0:
            raise Invalid(_("Household %(household)s has an invalid floor area.") % {"household": voter.household_id})


def _owner_groups(voters: list[Voter]) -> list[list[Voter]]:
    """Union-find over owners: households sharing an owner, directly or through others, form one group."""
    parent = list(range(len(voters)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_household_of_owner: dict[int, int] = {}
    for index, voter in enumerate(voters):
        for owner_id in voter.owner_ids:
            other = first_household_of_owner.setdefault(owner_id, index)
            parent[find(index)] = find(other)

    groups: dict[int, list[Voter]] = {}
    for index, voter in enumerate(voters):
        groups.setdefault(find(index), []).append(voter)
    return list(groups.values())


def _group_choice(group: list[Voter]) -> Choice | None:
    """The choice covering the largest area among the group's ballots; ties: the lowest household_id's."""
    ballots = sorted((v for v in group if v.choice is not None), key=lambda v: v.household_id)
    if not ballots:
        return None
    area_by_choice: dict[Choice, Decimal] = {}
    for voter in ballots:
        choice = Choice(voter.choice)
        area_by_choice[choice] = area_by_choice.get(choice, Decimal(0)) + voter.area
    largest = max(area_by_choice.values())
    # `ballots` is sorted by household_id, so the first tied choice met is the lowest household's.
    return next(Choice(v.choice) for v in ballots if area_by_choice[Choice(v.choice)] == largest)


def _share(part: Decimal | int, whole: Decimal | int) -> Fraction:
    return Fraction(part) / Fraction(whole) if whole else Fraction(0)


def _approval_required(rule: Rule) -> Fraction:
    return MAJOR_APPROVAL_REQUIRED if rule == Rule.MAJOR else ORDINARY_APPROVAL_REQUIRED


def _fraction_text(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"
