"""Lift cost sharing (加装电梯分摊) — pure arithmetic, no database.

Each household's weight is the coefficient of its floor (a floor without a coefficient weighs 0)
times its floor area (or times 1 when ``weigh_by_area`` is off). Households on a floor listed in
``compensations`` are paid that fixed amount each (their share is negative) and the payers — the
households with a positive weight — share the total plus everything paid out as compensation.

Shares are whole fen (0.01 yuan), apportioned by the largest-remainder (Hamilton) method: each payer
first gets the whole fen of its exact quota (amount × weight / sum of weights, computed with
``Fraction``, no rounding), then the fen left over go one each to the payers with the largest
fractional remainders; equal remainders go to the lowest household_id first. So the shares add up to
the total exactly, each is within one fen of its exact quota, and the same input (in any order)
always gives the same result.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from django.utils.translation import gettext as _

from estates.errors import Invalid

FEN = Decimal("0.01")


def lift_cost_shares(
    total: Decimal,
    households: Iterable[tuple[int, int, Decimal]],
    coefficients: Mapping[int, Decimal],
    *,
    weigh_by_area: bool = True,
    compensations: Mapping[int, Decimal] | None = None,
) -> dict[int, Decimal]:
    """Split `total` yuan over `households` given as (household_id, floor, area); see the module docstring.

    Returns every household's share in yuan with two decimals, ordered by household_id: payers
    positive, floors with coefficient 0 (or none) ``0.00``, compensated households negative.
    Raises ``Invalid`` for a negative or fractional-fen total or compensation, a negative coefficient
    or area, a household listed twice, a floor both paying and compensated, or no payer with a
    positive weight.
    """
    compensations = compensations or {}
    _check_money(total, _("The total cost must be a non-negative amount in yuan with at most two decimals."))
    for floor, amount in compensations.items():
        _check_money(
            amount,
            _("The compensation for floor %(floor)s must be a non-negative amount with at most two decimals.")
            % {"floor": floor},
        )
    for floor, coefficient in coefficients.items():
        if not coefficient.is_finite() or coefficient < 0:
            raise Invalid(_("The coefficient for floor %(floor)s must not be negative.") % {"floor": floor})
        if coefficient > 0 and floor in compensations:
            raise Invalid(_("Floor %(floor)s cannot both pay and be compensated.") % {"floor": floor})

    shares: dict[int, int] = {}  # fen
    weights: dict[int, Fraction] = {}
    to_share = _fen(total)
    for household_id, floor, area in sorted(households, key=lambda h: h[0]):
        if household_id in shares:
            raise Invalid(
                _("Household %(household)s is listed twice.") % {"household": household_id},
            )
        if not area.is_finite() or area < 0:
            raise Invalid(_("Household %(household)s has an invalid floor area.") % {"household": household_id})
        if floor in compensations:
            shares[household_id] = -_fen(compensations[floor])
            to_share += _fen(compensations[floor])
            continue
        shares[household_id] = 0
        weight = Fraction(coefficients.get(floor, 0)) * (Fraction(area) if weigh_by_area else 1)
        if weight > 0:
            weights[household_id] = weight

    if not weights:
        raise Invalid(_("No household pays: set a positive coefficient for at least one floor with households."))

    sum_of_weights = sum(weights.values())
    remainders: list[tuple[Fraction, int]] = []
    for household_id, weight in weights.items():
        quota = to_share * weight / sum_of_weights
        shares[household_id] = math.floor(quota)
        remainders.append((quota - shares[household_id], household_id))
    left_over = to_share - sum(shares[household_id] for household_id in weights)
    # Largest remainder first; equal remainders: lowest household_id first.
    remainders.sort(key=lambda r: (-r[0], r[1]))
    for _remainder, household_id in remainders[:left_over]:
        shares[household_id] += 1

    return {household_id: (Decimal(fen) * FEN).quantize(FEN) for household_id, fen in shares.items()}


def _check_money(amount: Decimal, message: str) -> None:
    try:
        in_fen = amount.is_finite() and amount >= 0 and amount == amount.quantize(FEN)
    except InvalidOperation:  # more digits than the decimal context holds
        in_fen = False
    if not in_fen:
        raise Invalid(message)


def _fen(amount: Decimal) -> int:
    return int(amount * 100)
