"""The consent tally under Civil Code art. 278: bounds hit exactly, headcount by owner groups, a reference check."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from estates.errors import Invalid
from renovations.consent import Choice, Rule, Tally, Voter, tally

AGREE, DISAGREE, ABSTAIN = Choice.AGREE, Choice.DISAGREE, Choice.ABSTAIN


def scope(
    agree: Sequence[str] = (), disagree: Sequence[str] = (), abstain: Sequence[str] = (), absent: Sequence[str] = ()
) -> list[Voter]:
    """Households with one distinct owner each, numbered in the order agree, disagree, abstain, absent."""
    voters = []
    for choice, areas in ((AGREE, agree), (DISAGREE, disagree), (ABSTAIN, abstain), (None, absent)):
        for area in areas:
            n = len(voters) + 1
            voters.append(Voter(household_id=n, area=Decimal(area), owner_ids=frozenset({100 + n}), choice=choice))
    return voters


def voter(household_id: int, area: str, owners: set[int], choice: Choice | None) -> Voter:
    return Voter(household_id=household_id, area=Decimal(area), owner_ids=frozenset(owners), choice=choice)


# Participation: 三分之二以上 of the area and of the owners, the bound included.


def test_participation_of_exactly_two_thirds_of_area_and_owners_passes() -> None:
    result = tally(scope(agree=["100.00", "100.00"], absent=["100.00"]), Rule.MAJOR)

    assert result.participation_area_share == Fraction(2, 3)
    assert result.participation_owner_share == Fraction(2, 3)
    assert result.participation_met
    assert result.passed


def test_participation_one_square_metre_short_of_two_thirds_fails() -> None:
    result = tally(scope(agree=["99.00", "100.00"], absent=["101.00"]), Rule.MAJOR)

    assert result.participation_area_share == Fraction(199, 300)
    assert result.participation_owner_share == Fraction(2, 3)
    assert not result.participation_met
    assert result.approval_met
    assert not result.passed


def test_participation_of_a_hundredth_of_a_square_metre_short_fails() -> None:
    result = tally(scope(agree=["100.00", "99.99"], absent=["100.01"]), Rule.MAJOR)

    assert result.participation_area_share < Fraction(2, 3)
    assert not result.passed


def test_participation_of_four_of_six_owners_passes() -> None:
    result = tally(scope(agree=["100"] * 4, absent=["100"] * 2), Rule.MAJOR)

    assert result.participation_owner_share == Fraction(2, 3)
    assert result.participation_area_share == Fraction(2, 3)
    assert result.passed


def test_participation_one_owner_short_of_two_thirds_fails_even_with_the_area() -> None:
    # 3 of 6 owners take part (4 needed) but they hold exactly 2/3 of the area.
    result = tally(scope(agree=["100"] * 3, absent=["50"] * 3), Rule.MAJOR)

    assert result.participation_area_share == Fraction(2, 3)
    assert result.participation_owner_share == Fraction(1, 2)
    assert not result.participation_met
    assert not result.passed


# Approval of a major matter: 四分之三以上 of the participating area and owners, the bound included.


def test_major_approval_of_exactly_three_quarters_passes() -> None:
    result = tally(scope(agree=["100"] * 3, disagree=["100"]), Rule.MAJOR)

    assert result.agree_area_share == Fraction(3, 4)
    assert result.agree_owner_share == Fraction(3, 4)
    assert result.approval_met
    assert result.passed


def test_major_approval_just_below_three_quarters_of_the_area_fails() -> None:
    result = tally(scope(agree=["100"] * 3, disagree=["100.01"]), Rule.MAJOR)

    assert result.agree_area_share == Fraction(30000, 40001)
    assert result.agree_owner_share == Fraction(3, 4)
    assert not result.approval_met
    assert not result.passed


def test_major_approval_one_owner_short_of_three_quarters_fails_even_with_the_area() -> None:
    # 5 of 7 owners agree (< 3/4) while holding exactly 3/4 of the area.
    result = tally(scope(agree=["60"] * 5, disagree=["50"] * 2), Rule.MAJOR)

    assert result.agree_area_share == Fraction(3, 4)
    assert result.agree_owner_share == Fraction(5, 7)
    assert not result.approval_met
    assert not result.passed


def test_major_approval_is_counted_among_participants_not_all_owners() -> None:
    # 12 of 18 owners take part (2/3) and 9 of those 12 agree (3/4): 9 of 18 is far below 3/4 of all owners.
    result = tally(scope(agree=["10"] * 9, disagree=["10"] * 3, absent=["10"] * 6), Rule.MAJOR)

    assert result.participation_owner_share == Fraction(2, 3)
    assert result.agree_owner_share == Fraction(3, 4)
    assert result.passed


# Approval of an ordinary matter: 过半数, strictly more than half.


def test_ordinary_approval_of_exactly_half_fails() -> None:
    result = tally(scope(agree=["100"], disagree=["100"]), Rule.ORDINARY)

    assert result.agree_area_share == Fraction(1, 2)
    assert result.agree_owner_share == Fraction(1, 2)
    assert not result.approval_met
    assert not result.passed


def test_ordinary_approval_of_exactly_half_the_area_fails_even_with_most_owners() -> None:
    result = tally(scope(agree=["50", "50"], disagree=["100"]), Rule.ORDINARY)

    assert result.agree_area_share == Fraction(1, 2)
    assert result.agree_owner_share == Fraction(2, 3)
    assert not result.passed


def test_ordinary_approval_just_above_half_passes() -> None:
    result = tally(scope(agree=["50", "50.01"], disagree=["100"]), Rule.ORDINARY)

    assert result.agree_area_share == Fraction(10001, 20001)
    assert result.agree_owner_share == Fraction(2, 3)
    assert result.approval_met
    assert result.passed


def test_ordinary_approval_by_one_more_owner_than_half_passes() -> None:
    result = tally(scope(agree=["10"] * 4, disagree=["10"] * 3), Rule.ORDINARY)

    assert result.agree_owner_share == Fraction(4, 7)
    assert result.passed


def test_ordinary_approval_below_half_fails() -> None:
    result = tally(scope(agree=["10"] * 3, disagree=["10"] * 4), Rule.ORDINARY)

    assert not result.passed


def test_rule_may_be_given_as_its_value() -> None:
    result = tally(scope(agree=["100"] * 3, disagree=["100"]), "major")

    assert result.rule is Rule.MAJOR
    assert result.passed


# Abstentions take part but do not agree.


def test_abstentions_count_as_participating() -> None:
    result = tally(scope(abstain=["100", "100"], absent=["100"]), Rule.ORDINARY)

    assert result.participating_area == Decimal("200")
    assert result.participating_owners == 2
    assert result.abstain_area == Decimal("200")
    assert result.abstain_owners == 2
    assert result.participation_met
    assert not result.approval_met
    assert not result.passed


def test_abstentions_do_not_agree() -> None:
    # Without the abstention 3 of 3 would agree; with it 3 of 4 — still exactly 3/4 for a major matter,
    # and a second abstention takes it below.
    assert tally(scope(agree=["100"] * 3, abstain=["100"]), Rule.MAJOR).passed
    result = tally(scope(agree=["100"] * 3, abstain=["100"] * 2), Rule.MAJOR)

    assert result.agree_area_share == Fraction(3, 5)
    assert result.agree_owner_share == Fraction(3, 5)
    assert not result.passed


def test_an_abstention_makes_an_ordinary_tie() -> None:
    result = tally(scope(agree=["100"], abstain=["100"]), Rule.ORDINARY)

    assert result.agree_owner_share == Fraction(1, 2)
    assert not result.passed


# Headcount: owner groups (SPC interpretation); area: every household.


def test_owner_of_several_households_counts_once_with_all_their_area() -> None:
    voters = [voter(1, "100", {7}, AGREE), voter(2, "80", {7}, AGREE), voter(3, "100", {8}, DISAGREE)]

    result = tally(voters, Rule.MAJOR)

    assert result.total_owners == 2
    assert result.total_area == Decimal("280")
    assert result.agree_owners == 1
    assert result.agree_area == Decimal("180")
    assert result.disagree_owners == 1
    assert result.agree_owner_share == Fraction(1, 2)
    assert not result.passed


def test_co_owned_household_counts_once() -> None:
    voters = [voter(1, "90", {7, 8}, AGREE), voter(2, "90", {9}, AGREE)]

    result = tally(voters, Rule.MAJOR)

    assert result.total_owners == 2
    assert result.agree_owners == 2
    assert result.passed


def test_chain_of_shared_owners_forms_one_group() -> None:
    # A owns h1 and h2; B co-owns h2 and owns h3: h1, h2, h3 are one owner in the headcount.
    a, b, c = 1, 2, 3
    voters = [
        voter(1, "50", {a}, AGREE),
        voter(2, "50", {a, b}, None),
        voter(3, "50", {b}, None),
        voter(4, "50", {c}, DISAGREE),
    ]

    result = tally(voters, Rule.ORDINARY)

    assert result.total_owners == 2
    assert result.participating_owners == 2
    assert result.agree_owners == 1
    assert result.disagree_owners == 1
    assert result.participating_area == Decimal("100")
    assert result.participation_area_share == Fraction(1, 2)


def test_chain_is_found_whatever_the_order_of_households() -> None:
    a, b, c = 1, 2, 3
    voters = [
        voter(3, "50", {b}, None),
        voter(4, "50", {c}, None),
        voter(1, "50", {a}, None),
        voter(2, "50", {a, b}, None),
    ]

    assert tally(voters, Rule.MAJOR).total_owners == 2


def test_households_with_no_known_owner_each_count_alone() -> None:
    voters = [voter(1, "60", set(), AGREE), voter(2, "60", set(), AGREE), voter(3, "60", {9}, DISAGREE)]

    result = tally(voters, Rule.ORDINARY)

    assert result.total_owners == 3
    assert result.agree_owners == 2
    assert result.passed


def test_group_takes_part_when_one_of_its_households_votes() -> None:
    voters = [voter(1, "100", {7}, AGREE), voter(2, "100", {7}, None), voter(3, "100", {8}, None)]

    result = tally(voters, Rule.MAJOR)

    assert result.participating_owners == 1
    assert result.participation_owner_share == Fraction(1, 2)
    # The household without a ballot does not bring its area.
    assert result.participating_area == Decimal("100")


def test_group_headcount_follows_the_choice_with_the_largest_area() -> None:
    voters = [voter(1, "60", {7}, DISAGREE), voter(2, "100", {7}, AGREE)]

    result = tally(voters, Rule.MAJOR)

    assert result.agree_owners == 1
    assert result.disagree_owners == 0
    assert result.agree_area == Decimal("100")
    assert result.disagree_area == Decimal("60")


def test_group_headcount_sums_the_area_of_each_choice() -> None:
    # agree 40 + 40 = 80 beats disagree 60.
    voters = [voter(1, "60", {7}, DISAGREE), voter(2, "40", {7}, AGREE), voter(3, "40", {7}, AGREE)]

    assert tally(voters, Rule.MAJOR).agree_owners == 1


def test_group_headcount_tie_goes_to_the_lowest_household_id() -> None:
    disagree_first = [voter(5, "50", {7}, DISAGREE), voter(9, "50", {7}, AGREE)]
    agree_first = [voter(9, "50", {7}, DISAGREE), voter(5, "50", {7}, AGREE)]

    assert tally(disagree_first, Rule.MAJOR).disagree_owners == 1
    assert tally(agree_first, Rule.MAJOR).agree_owners == 1


def test_group_headcount_tie_ignores_a_lower_household_of_a_losing_choice() -> None:
    # h1 abstains with 10 m²; agree (h3, 50) and disagree (h2, 50) tie: h2 is the lowest of the tied.
    voters = [voter(1, "10", {7}, ABSTAIN), voter(3, "50", {7}, AGREE), voter(2, "50", {7}, DISAGREE)]

    result = tally(voters, Rule.MAJOR)

    assert result.disagree_owners == 1
    assert result.abstain_owners == 0


# Degenerate scopes and bad input.


def test_empty_scope_passes_nothing() -> None:
    for rule in Rule:
        result = tally([], rule)

        assert result.total_area == 0
        assert result.total_owners == 0
        assert result.participation_area_share == 0
        assert result.agree_owner_share == 0
        assert not result.participation_met
        assert not result.approval_met
        assert not result.passed


def test_scope_without_ballots_passes_nothing() -> None:
    result = tally(scope(absent=["100", "100"]), Rule.ORDINARY)

    assert result.participating_area == 0
    assert result.participating_owners == 0
    assert not result.approval_met
    assert not result.passed


def test_scope_without_floor_area_passes_nothing() -> None:
    result = tally(scope(agree=["0", "0", "0"]), Rule.ORDINARY)

    assert result.participating_area == 0
    assert result.participating_owners == 3
    assert result.agree_area_share == 0
    assert not result.participation_met
    assert not result.passed


def test_participants_without_floor_area_pass_nothing() -> None:
    result = tally(scope(agree=["0", "0", "0"], absent=["100"]), Rule.ORDINARY)

    assert result.participating_area == 0
    assert result.participation_owner_share == Fraction(3, 4)
    assert not result.passed


def test_household_listed_twice_is_refused() -> None:
    with pytest.raises(Invalid):
        tally([voter(1, "50", {7}, AGREE), voter(1, "50", {7}, AGREE)], Rule.MAJOR)


@pytest.mark.parametrize("area", ["-0.01", "NaN", "Infinity"])
def test_invalid_floor_area_is_refused(area: str) -> None:
    with pytest.raises(Invalid):
        tally([voter(1, area, {7}, AGREE)], Rule.MAJOR)


# as_dict


def test_as_dict_is_json_with_stable_keys() -> None:
    result = tally(scope(agree=["100.50", "100.00"], disagree=["50.25"], absent=["100.00"]), Rule.MAJOR)

    data = json.loads(json.dumps(result.as_dict()))

    assert data == {
        "rule": "major",
        "total_area": "350.75",
        "total_owners": 4,
        "participating_area": "250.75",
        "participating_owners": 3,
        "agree_area": "200.50",
        "agree_owners": 2,
        "disagree_area": "50.25",
        "disagree_owners": 1,
        "abstain_area": "0",
        "abstain_owners": 0,
        "participation_area_share": "1003/1403",
        "participation_area_share_percent": 71.49,
        "participation_owner_share": "3/4",
        "participation_owner_share_percent": 75.0,
        "agree_area_share": "802/1003",
        "agree_area_share_percent": 79.96,
        "agree_owner_share": "2/3",
        "agree_owner_share_percent": 66.67,
        "participation_met": True,
        "approval_met": False,
        "passed": False,
        "participation_required": "2/3",
        "approval_required": "3/4",
        "approval_bound_included": True,
    }
    assert list(result.as_dict()) == list(data)


def test_as_dict_of_an_empty_ordinary_scope() -> None:
    data = tally([], Rule.ORDINARY).as_dict()

    assert json.loads(json.dumps(data)) == data
    assert data["total_area"] == "0"
    assert data["agree_area_share"] == "0/1"
    assert data["agree_area_share_percent"] == 0.0
    assert data["approval_required"] == "1/2"
    assert data["approval_bound_included"] is False


# Property: the tally equals a plain reference computed with fractions.


def reference_groups(voters: list[Voter]) -> list[list[Voter]]:
    """Start with one group per household and merge any two groups sharing an owner until none do."""
    groups = [([v], set(v.owner_ids)) for v in voters]
    merged = True
    while merged:
        merged = False
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                if groups[i][1] & groups[j][1]:
                    groups[i] = (groups[i][0] + groups[j][0], groups[i][1] | groups[j][1])
                    del groups[j]
                    merged = True
                    break
            if merged:
                break
    return [members for members, _owners in groups]


def reference_choice(group: list[Voter]) -> Choice | None:
    ballots = [v for v in group if v.choice is not None]
    if not ballots:
        return None
    area = {c: sum(Fraction(str(v.area)) for v in ballots if v.choice == c) for c in Choice}
    best = max(area.values())
    tied = [v for v in ballots if area[v.choice] == best]
    return min(tied, key=lambda v: v.household_id).choice


def reference(voters: list[Voter], rule: Rule) -> dict[str, object]:
    def area_of(choices: set) -> Fraction:
        return sum((Fraction(str(v.area)) for v in voters if v.choice in choices), Fraction(0))

    heads = [reference_choice(g) for g in reference_groups(voters)]
    total_area = sum((Fraction(str(v.area)) for v in voters), Fraction(0))
    part_area = area_of({AGREE, DISAGREE, ABSTAIN})
    part_heads = sum(1 for c in heads if c is not None)
    agree_area = area_of({AGREE})
    agree_heads = heads.count(AGREE)

    participation = (
        total_area > 0
        and len(heads) > 0
        and part_area / total_area >= Fraction(2, 3)
        and Fraction(part_heads, len(heads)) >= Fraction(2, 3)
    )
    if part_area == 0 or part_heads == 0:
        approval = False
    elif rule == Rule.MAJOR:
        approval = agree_area / part_area >= Fraction(3, 4) and Fraction(agree_heads, part_heads) >= Fraction(3, 4)
    else:
        approval = agree_area / part_area > Fraction(1, 2) and Fraction(agree_heads, part_heads) > Fraction(1, 2)
    return {
        "total_area": total_area,
        "total_owners": len(heads),
        "participating_area": part_area,
        "participating_owners": part_heads,
        "agree_area": agree_area,
        "agree_owners": agree_heads,
        "disagree_area": area_of({DISAGREE}),
        "disagree_owners": heads.count(DISAGREE),
        "abstain_area": area_of({ABSTAIN}),
        "abstain_owners": heads.count(ABSTAIN),
        "participation_met": participation,
        "approval_met": approval,
        "passed": participation and approval,
    }


def as_exact(result: Tally) -> dict[str, object]:
    return {
        key: Fraction(value) if isinstance(value, Decimal) else value
        for key, value in vars(result).items()
        if key.endswith(("_area", "_owners", "_met")) or key == "passed"
    }


@st.composite
def voter_lists(draw: st.DrawFn) -> list[Voter]:
    ids = draw(st.lists(st.integers(1, 10_000), unique=True, max_size=14))
    return [
        Voter(
            household_id=household_id,
            area=draw(st.decimals(min_value=0, max_value=300, places=2)),
            owner_ids=draw(st.frozensets(st.integers(1, 10), max_size=3)),
            # Weighted towards agreement so that passing tallies are drawn too.
            choice=draw(st.sampled_from([None, AGREE, AGREE, AGREE, AGREE, DISAGREE, ABSTAIN])),
        )
        for household_id in ids
    ]


@settings(max_examples=300, deadline=None)
@given(voters=voter_lists(), rule=st.sampled_from(Rule), seed=st.integers(0, 2**32))
def test_tally_matches_a_reference_computed_with_fractions(voters: list[Voter], rule: Rule, seed: int) -> None:
    result = tally(voters, rule)

    assert as_exact(result) == reference(voters, rule)
    assert result.participation_area_share == (
        Fraction(result.participating_area) / Fraction(result.total_area) if result.total_area else 0
    )
    assert json.loads(json.dumps(result.as_dict())) == result.as_dict()
    shuffled = list(voters)
    random.Random(seed).shuffle(shuffled)
    assert tally(shuffled, rule) == result
