"""Lift cost shares: whole fen that add up to the total, proportional to coefficient × area, deterministic."""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from estates.errors import Invalid
from renovations.cost_sharing import lift_cost_shares

D = Decimal
FEN = Fraction(1, 100)


def test_equal_households_share_equally_with_the_extra_fen_to_the_lowest_id() -> None:
    shares = lift_cost_shares(D("100.00"), [(7, 3, D("80")), (3, 3, D("80")), (5, 3, D("80"))], {3: D("1")})

    assert shares == {3: D("33.34"), 5: D("33.33"), 7: D("33.33")}
    assert list(shares) == [3, 5, 7]


def test_two_fen_left_over_go_to_the_two_lowest_ids_on_a_tie() -> None:
    households = [(9, 2, D("1")), (4, 2, D("1")), (6, 2, D("1"))]

    shares = lift_cost_shares(D("0.02"), households, {2: D("1")})

    assert shares == {4: D("0.01"), 6: D("0.01"), 9: D("0.00")}


def test_left_over_fen_goes_to_the_largest_remainder_before_a_lower_id() -> None:
    # Quotas in fen: 1000 × 1/3 = 333.33…, 1000 × 2/3 = 666.66…: the larger remainder (h2) gets the fen.
    shares = lift_cost_shares(D("10.00"), [(1, 2, D("50")), (2, 3, D("50"))], {2: D("1"), 3: D("2")})

    assert shares == {1: D("3.33"), 2: D("6.67")}


def test_shares_follow_coefficient_times_area() -> None:
    households = [(1, 2, D("60.00")), (2, 3, D("60.00")), (3, 4, D("90.00"))]

    shares = lift_cost_shares(D("12000.00"), households, {2: D("1"), 3: D("2"), 4: D("2")})

    # Weights 60, 120, 180 of 360.
    assert shares == {1: D("2000.00"), 2: D("4000.00"), 3: D("6000.00")}


def test_without_area_weighting_only_the_coefficient_counts() -> None:
    households = [(1, 2, D("60.00")), (2, 3, D("60.00")), (3, 3, D("90.00"))]

    shares = lift_cost_shares(D("500.00"), households, {2: D("1"), 3: D("2")}, weigh_by_area=False)

    assert shares == {1: D("100.00"), 2: D("200.00"), 3: D("200.00")}


def test_floors_with_coefficient_zero_or_none_pay_nothing() -> None:
    households = [(1, 1, D("70")), (2, 2, D("70")), (3, 3, D("70")), (4, 4, D("70"))]

    shares = lift_cost_shares(D("300000.00"), households, {1: D("0"), 3: D("1"), 4: D("1")})

    assert shares == {1: D("0.00"), 2: D("0.00"), 3: D("150000.00"), 4: D("150000.00")}
    assert str(shares[1]) == "0.00"


def test_compensated_floor_gets_a_negative_share_and_the_payers_still_cover_the_total() -> None:
    households = [(1, 1, D("70")), (2, 1, D("70")), (3, 2, D("70")), (4, 3, D("70")), (5, 4, D("70"))]

    shares = lift_cost_shares(
        D("10000.00"), households, {2: D("1"), 3: D("1"), 4: D("1")}, compensations={1: D("1000.00")}
    )

    # The payers share 10000 + 2 × 1000 = 12000.
    assert shares == {1: D("-1000.00"), 2: D("-1000.00"), 3: D("4000.00"), 4: D("4000.00"), 5: D("4000.00")}
    assert sum(shares.values()) == D("10000.00")


def test_compensation_of_zero_is_a_zero_share() -> None:
    shares = lift_cost_shares(D("10.00"), [(1, 1, D("50")), (2, 2, D("50"))], {2: D("1")}, compensations={1: D("0")})

    assert shares == {1: D("0.00"), 2: D("10.00")}
    assert str(shares[1]) == "0.00"


def test_zero_total_gives_zero_shares() -> None:
    shares = lift_cost_shares(D("0"), [(1, 2, D("50")), (2, 3, D("50"))], {2: D("1"), 3: D("1")})

    assert shares == {1: D("0.00"), 2: D("0.00")}


def test_same_input_in_another_order_gives_the_same_shares() -> None:
    households = [(i, 1 + i % 6, D(f"{50 + i * 7 % 40}.{i % 100:02d}")) for i in range(1, 40)]
    coefficients = {1: D("0"), 2: D("0.5"), 3: D("1"), 4: D("1.2"), 5: D("1.4"), 6: D("1.6")}
    first = lift_cost_shares(D("456789.01"), households, coefficients)

    shuffled = list(households)
    random.Random(1).shuffle(shuffled)

    assert lift_cost_shares(D("456789.01"), shuffled, coefficients) == first
    assert lift_cost_shares(D("456789.01"), households, coefficients) == first
    assert sum(first.values()) == D("456789.01")


# Refusals


def test_negative_coefficient_is_refused() -> None:
    with pytest.raises(Invalid):
        lift_cost_shares(D("100"), [(1, 2, D("50"))], {2: D("1"), 3: D("-0.1")})


def test_no_payer_is_refused() -> None:
    with pytest.raises(Invalid):
        lift_cost_shares(D("100"), [(1, 1, D("50")), (2, 2, D("50"))], {1: D("0"), 2: D("0")})


def test_no_household_at_all_is_refused() -> None:
    with pytest.raises(Invalid):
        lift_cost_shares(D("100"), [], {2: D("1")})


def test_payers_without_area_are_no_payers() -> None:
    with pytest.raises(Invalid):
        lift_cost_shares(D("100"), [(1, 2, D("0"))], {2: D("1")})


def test_only_compensated_households_is_refused() -> None:
    with pytest.raises(Invalid):
        lift_cost_shares(D("100"), [(1, 1, D("50"))], {1: D("0")}, compensations={1: D("10")})


@pytest.mark.parametrize("total", ["-0.01", "100.001", "NaN", "Infinity", "1E+40"])
def test_invalid_total_is_refused(total: str) -> None:
    with pytest.raises(Invalid):
        lift_cost_shares(D(total), [(1, 2, D("50"))], {2: D("1")})


@pytest.mark.parametrize("amount", ["-1", "0.005"])
def test_invalid_compensation_is_refused(amount: str) -> None:
    with pytest.raises(Invalid):
        lift_cost_shares(D("100"), [(1, 1, D("50")), (2, 2, D("50"))], {2: D("1")}, compensations={1: D(amount)})


def test_floor_both_paying_and_compensated_is_refused() -> None:
    with pytest.raises(Invalid):
        lift_cost_shares(D("100"), [(1, 2, D("50"))], {2: D("1")}, compensations={2: D("10")})


def test_household_listed_twice_is_refused() -> None:
    with pytest.raises(Invalid):
        lift_cost_shares(D("100"), [(1, 2, D("50")), (1, 3, D("50"))], {2: D("1"), 3: D("1")})


def test_negative_area_is_refused() -> None:
    with pytest.raises(Invalid):
        lift_cost_shares(D("100"), [(1, 2, D("50")), (2, 3, D("-50"))], {2: D("1"), 3: D("1")})


# Property: whole fen, exact total, within one fen of the exact quota, deterministic.

money = st.decimals(min_value=0, max_value=2_000_000, places=2)


@st.composite
def lift_projects(draw: st.DrawFn) -> dict:
    floors = list(range(1, draw(st.integers(1, 9)) + 1))
    compensated = draw(st.sets(st.sampled_from(floors), max_size=2))
    coefficients = {
        floor: D(0) if floor in compensated else draw(st.decimals(min_value=0, max_value=3, places=2))
        for floor in draw(st.sets(st.sampled_from(floors)))
    }
    payer_floor = draw(st.sampled_from([f for f in floors if f not in compensated] or [max(floors) + 1]))
    coefficients[payer_floor] = draw(st.decimals(min_value="0.01", max_value=3, places=2))
    ids = draw(st.lists(st.integers(1, 100_000), unique=True, min_size=1, max_size=25))
    households = [
        (household_id, draw(st.sampled_from([*floors, payer_floor])), draw(st.decimals("0.01", 250, places=2)))
        for household_id in ids
    ]
    households[0] = (households[0][0], payer_floor, households[0][2])
    return {
        "total": draw(money),
        "households": households,
        "coefficients": coefficients,
        "weigh_by_area": draw(st.booleans()),
        "compensations": {floor: draw(st.decimals(0, 5000, places=2)) for floor in compensated},
    }


@settings(max_examples=300, deadline=None)
@given(project=lift_projects(), seed=st.integers(0, 2**32))
def test_shares_add_up_to_the_total_to_the_fen(project: dict, seed: int) -> None:
    shares = lift_cost_shares(**project)

    assert sum(shares.values()) == project["total"]
    assert set(shares) == {h[0] for h in project["households"]}
    assert all(share.as_tuple().exponent == -2 for share in shares.values())

    compensations = project["compensations"]
    weights = {
        household_id: Fraction(project["coefficients"].get(floor, 0))
        * (Fraction(area) if project["weigh_by_area"] else 1)
        for household_id, floor, area in project["households"]
        if floor not in compensations
    }
    paid_out = sum(
        Fraction(compensations[floor]) for _id, floor, _area in project["households"] if floor in compensations
    )
    to_share = Fraction(project["total"]) + paid_out
    for household_id, floor, _area in project["households"]:
        if floor in compensations:
            assert shares[household_id] == -compensations[floor]
        else:
            exact = to_share * weights[household_id] / sum(weights.values())
            assert abs(Fraction(shares[household_id]) - exact) < FEN
            if weights[household_id] == 0:
                assert shares[household_id] == 0

    shuffled = list(project["households"])
    random.Random(seed).shuffle(shuffled)
    assert lift_cost_shares(**{**project, "households": shuffled}) == shares
