"""Renovation projects: each one's story — proposed, surveyed, voted on by the unit's owners
(lifts), funded, built, inspected, in service or cancelled — with its timeline, ballots, money
ledger, progress updates and inspection, cut at "now"."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from renovations import consent

from .loading import DAY, HOUR
from .registry import City, cumulative, pick
from .requests import NotYet
from .words import CANCEL_REASONS, PROJECT_KINDS

PROJECT_HISTORY_DAYS = 5 * 365
OVERRIDE_REASON = "先行施工，资金分批到位。"


class _Timeline:
    """A project's status steps as they are played out; a step that would come after "now" ends
    the story (NotYet), leaving the project where it is."""

    def __init__(self, rng: random.Random, now: int, proposed: int) -> None:
        self.rng, self.now = rng, now
        self.status, self.moment = "proposed", proposed
        self.steps: list[tuple[int, str, str, str, dict[str, Any]]] = []  # at, from, to, note, data

    def move(self, at: int, to: str, note: str = "", **data: Any) -> None:
        if at > self.now:
            raise NotYet
        self.steps.append((at, self.status, to, note, data))
        self.status, self.moment = to, at

    def advance(self, to: str, days: tuple[int, int], note: str = "") -> None:
        """Move on after a wait of between `days[0]` and `days[1]` days."""
        self.move(self.moment + self.rng.randrange(days[0] * DAY, days[1] * DAY), to, note)

    def maybe_cancel(self, chance: float) -> None:
        if self.rng.random() < chance:
            self.advance("cancelled", (5, 60), CANCEL_REASONS[self.rng.randrange(len(CANCEL_REASONS))])
            raise NotYet


def generate(city: City) -> None:
    """Projects over the last five years (more of them lately), so that old ones are mostly in
    service and recent ones spread over the earlier steps; lifts go to a vote of the unit's owners."""
    rng = city.rng("projects")
    t, clock = city.tables, city.clock
    now, ts = clock.now, clock.ts
    kinds = tuple(PROJECT_KINDS)
    kind_weights = cumulative(spec[0] for spec in PROJECT_KINDS.values())
    # More projects lately: the programme is growing.
    moments = sorted(now - int(PROJECT_HISTORY_DAYS * DAY * rng.random() ** 1.4) for _ in range(city.counts.projects))
    for proposed in moments:
        estate = city.estates[rng.randrange(len(city.estates))]
        community = city.communities[estate.community]
        kind = pick(rng, kinds, kind_weights)
        _weight, label, low, high, touches = PROJECT_KINDS[kind]
        staff = community.staff[rng.randrange(len(community.staff))]
        buildings: list[int] = []
        units: list[int] = []
        where = ""
        unit_spec = None
        if kind == "lift":
            unit_spec = estate.units[rng.randrange(len(estate.units))]
            building_name = next(name for bid, name in estate.buildings if bid == unit_spec[1])
            buildings, units, where = [unit_spec[1]], [unit_spec[0]], f"{building_name}{unit_spec[2]}"
        elif touches:
            picked = rng.sample(estate.buildings, min(len(estate.buildings), rng.randint(1, 2)))
            buildings = [bid for bid, _name in picked]
            where = "、".join(name for _bid, name in picked)
        budget = rng.randrange(low, high) * 100  # cents

        # The story: proposed → surveyed → (the owners' vote) → funding → construction → inspection → in service.
        story = _Timeline(rng, now, proposed)
        consent_result: dict[str, Any] = {}
        consent_closed_at = None
        ballots: list[tuple[int, str, int, str, int]] = []
        funding_at = construction_at = inspection_at = service_at = None
        try:
            story.maybe_cancel(0.05)
            story.advance("surveyed", (20, 150))
            story.maybe_cancel(0.04)
            if unit_spec is not None:
                # A lift: the unit's owners vote; the tally is kept as the project leaves `consent`.
                story.advance("consent", (10, 60))
                closes = story.moment + rng.randrange(30 * DAY, 90 * DAY)
                voters, ballots = _ballots(city, rng, unit_spec, story.moment, min(closes, now), staff)
                if closes > now:
                    raise NotYet
                result = consent.tally(voters, consent.Rule.MAJOR)
                consent_result, consent_closed_at = result.as_dict(), closes
                outcome = ("funding", "") if result.passed else ("cancelled", "业主表决未通过。")
                story.move(closes, *outcome, consent_passed=result.passed)
                if not result.passed:
                    raise NotYet
            else:
                story.advance("funding", (20, 120))
            funding_at = story.moment
            story.maybe_cancel(0.05)
            story.advance("construction", (30, 360))
            construction_at = story.moment
            story.advance("inspection", (60, 300))
            inspection_at = story.moment
            story.advance("in_service", (7, 30))
            service_at = story.moment
        except NotYet:
            pass
        status, steps = story.status, story.steps

        override = construction_at is not None and rng.random() < 0.08
        progress = 100 if service_at else 0
        updates: list[tuple[int, int]] = []
        if construction_at is not None:
            end = inspection_at or now
            for share in (0.25, 0.55, 0.85):
                at = construction_at + int((end - construction_at) * share)
                if at <= now:
                    updates.append((at, int(share * 100) - 5 + rng.randrange(10)))
            if service_at:
                updates.append((service_at, 100))
            progress = updates[-1][1] if updates else 0
        planned_start = clock.local_date(proposed + rng.randrange(90, 200) * DAY)
        planned_end = planned_start + timedelta(days=rng.randrange(30, 240))
        project_id = t["project"].add(
            kind,
            f"{estate.name}{where}{label}",
            f"{estate.name}{where}{label}，惠及居民。",
            _cents(budget),
            planned_start.isoformat(),
            planned_end.isoformat(),
            clock.local_date(construction_at).isoformat() if construction_at else None,
            clock.local_date(service_at).isoformat() if service_at else None,
            community.contractor_id if funding_at else None,
            staff,
            status,
            "major" if unit_spec else "none",
            "unit" if unit_spec else "estate",
            clock.opt(consent_closed_at),
            consent_result,
            progress,
            {},
            True,
            {},
            None,
            OVERRIDE_REASON if override else "",
            staff if override else None,
            ts(construction_at) if override else None,  # type: ignore[arg-type]
            staff,
            ts(proposed),
            ts(max([proposed, *(s[0] for s in steps), *(u[0] for u in updates)])),
            estate.id,
        )
        for building_id in buildings:
            t["project_buildings"].add(project_id, building_id)
        for unit_id in units:
            t["project_units"].add(project_id, unit_id)
        for household_id, choice, cast_by, reference, at in ballots:
            t["ballot"].add(choice, bool(reference), reference, ts(at), cast_by, household_id, project_id)

        event = t["projectevent"]
        event.add("transition", ts(proposed), "", "proposed", "", {}, staff, project_id)
        for at, from_status, to_status, note, data in steps:
            event.add("transition", ts(at), from_status, to_status, note, data, staff, project_id)
        if funding_at is not None:
            received = _ledger(
                city,
                rng,
                project_id,
                budget,
                funding_at,
                construction_at,
                inspection_at,
                service_at,
                override,
                staff,
                community.contractor_name,
            )
            if override:
                event.add(
                    "override",
                    ts(construction_at),  # type: ignore[arg-type]
                    "",
                    "",
                    OVERRIDE_REASON,
                    {"received": _cents(received), "budget": _cents(budget)},
                    staff,
                    project_id,
                )
        for at, percent in updates:
            update_id = t["progressupdate"].add("施工进展顺利。", percent, ts(at), staff, project_id)
            event.add(
                "update",
                ts(at),
                "",
                "",
                "施工进展顺利。",
                {"percent": percent, "update": update_id},
                staff,
                project_id,
            )
        if service_at is not None:
            inspected = service_at - rng.randrange(DAY, 5 * DAY)
            inspected = max(inspected, inspection_at)  # type: ignore[type-var]
            t["inspectionrecord"].add(
                clock.local_date(inspected).isoformat(),
                "社区、业委会、监理单位联合验收",
                True,
                "验收合格。",
                ts(inspected),
                staff,
                project_id,
            )
            event.add("inspection", ts(inspected), "", "", "验收合格。", {"passed": True}, staff, project_id)


def _ballots(
    city: City, rng: random.Random, unit: tuple[int, int, str, int, int], opened: int, until: int, staff: int
) -> tuple[list[Any], list[tuple[int, str, int, str, int]]]:
    """The unit's owners vote on a lift: most take part and most agree (the law's double 3/4)."""
    voters, ballots = [], []
    _unit_id, _building, _name, first, count = unit
    enthusiasm = rng.random()
    for offset in range(count):
        household_id = first + offset
        owner = city.household_owner[household_id - city.first_household_id]
        choice = None
        if rng.random() < 0.75 + 0.2 * enthusiasm and until > opened:
            draw = rng.random()
            choice = "agree" if draw < 0.8 + 0.15 * enthusiasm else ("disagree" if draw < 0.97 else "abstain")
            at = opened + rng.randrange(until - opened)
            reference = "" if owner else f"纸质{household_id}"
            ballots.append((household_id, choice, owner or staff, reference, at))
        area = city.household_area[household_id - city.first_household_id]
        voters.append(
            consent.Voter(
                household_id=household_id,
                area=Decimal(area) / 100,
                owner_ids=frozenset({owner} if owner else ()),
                choice=consent.Choice(choice) if choice else None,
            )
        )
    return voters, ballots


def _ledger(
    city: City,
    rng: random.Random,
    project_id: int,
    budget: int,
    funding_at: int,
    construction_at: int | None,
    inspection_at: int | None,
    service_at: int | None,
    override: bool,
    staff: int,
    contractor: str,
) -> int:
    """Pledges and receipts once funding starts (covering the budget before construction, unless
    staff overrode that), then the contractor's payments at each stage. Returns what was received
    (in cents) before construction."""
    clock, now = city.clock, city.clock.now
    subsidy = budget * rng.randrange(50, 81) // 100
    pledged = [("government_subsidy", "区住建局", subsidy), ("residents", "受益居民", budget - subsidy)]
    entries: list[tuple[int, str, str, str, int, str]] = []
    for source, payer, amount in pledged:
        if amount > 0:
            entries.append((funding_at + rng.randrange(DAY, 10 * DAY), "pledge", source, payer, amount, "认捐"))
    received = budget * rng.randrange(60, 90) // 100 if override else budget
    last = construction_at or now
    paid = 0
    for index, (source, payer, amount) in enumerate(pledged):
        share = received - paid if index == len(pledged) - 1 else min(amount, received)
        if share > 0:
            entries.append(
                (
                    funding_at + rng.randrange(DAY, max(2 * DAY, last - funding_at)),
                    "receipt",
                    source,
                    payer,
                    share,
                    "到账",
                )
            )
            paid += share
    for stage_at, share in ((construction_at, 30), (inspection_at, 50), (service_at, 15)):
        if stage_at is not None:
            entries.append(
                (
                    stage_at + rng.randrange(DAY, 10 * DAY),
                    "expense",
                    "",
                    contractor,
                    received * share // 100,
                    "工程款",
                )
            )
    for at, kind, source, payer, amount, note in sorted(entries):
        if at > now or amount <= 0:
            continue
        recorded = min(now, at + rng.randrange(HOUR, 8 * HOUR))
        entry_id = city.tables["ledgerentry"].add(
            kind,
            source,
            payer,
            _cents(amount),
            clock.local_date(at).isoformat(),
            note,
            clock.ts(recorded),
            staff,
            None,
            project_id,
        )
        city.tables["projectevent"].add(
            "ledger",
            clock.ts(recorded),
            "",
            "",
            note,
            {"entry": entry_id, "kind": kind, "source": source, "amount": _cents(amount)},
            staff,
            project_id,
        )
    return received


def _cents(amount: int) -> str:
    return f"{amount // 100}.{amount % 100:02d}"
