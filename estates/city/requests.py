"""Residents' requests (点单) and their timelines: each request's story is played out — filed,
taken or routed, started, quoted and paid for, resolved, confirmed or closed by the sweep, with
the sweeps' escalations — and cut at "now"."""

from __future__ import annotations

import math
import random
from bisect import bisect
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from estates.errors import Conflict
from governance.models import RequestCategory, ResidentRequest

from .loading import DAY, HOUR, NULL
from .registry import HISTORY_DAYS, NORMAL, City, cumulative, largest_remainder, pick
from .words import (
    CATEGORY_WEIGHTS,
    DESCRIPTIONS,
    LATE_RATING_DRAW,
    PUBLIC_PLACES,
    QUOTE_NOTES,
    RATING_COMMENTS,
    RATING_DRAW,
    REJECT_REASONS,
    RESOLUTION_NOTES,
)


class NotYet(Exception):
    """The story's next step lies after "now": it stops here."""


class Story:
    """A request's timeline as it is played out: each step changes the status and is written down."""

    __slots__ = ("changes", "events", "now", "status")

    def __init__(self, now: int, at: int, by: int) -> None:
        self.now = now
        self.status = "submitted"
        self.events: list[tuple[int, str, str, str, str, int | None]] = [(at, "filed", "", "submitted", "", by)]
        self.changes: list[tuple[int, str]] = [(at, "submitted")]

    def step(self, at: int, action: str, to: str, by: int | None, note: str = "") -> None:
        if at > self.now:
            raise NotYet
        self.events.append((at, action, self.status, to, note, by))
        if to != self.status:
            self.changes.append((at, to))
            self.status = to

    def status_at(self, moment: int) -> str:
        status = self.changes[0][1]
        for at, to in self.changes:
            if at > moment:
                break
            status = to
        return status

    def flag(self, since: int, statuses: tuple[str, ...], delay: int) -> int | None:
        """When the sweep (every five minutes) first finds the request in one of `statuses` at or
        after `since`; None if it never does before now."""
        changes = self.changes
        for index, (at, status) in enumerate(changes):
            until = changes[index + 1][0] if index + 1 < len(changes) else None
            if status not in statuses or (until is not None and until <= since):
                continue
            moment = max(at, since) + delay
            if moment > self.now:
                return None
            if until is None or moment < until:
                return moment
        return None


def _request_days(city: City, rng: random.Random) -> list[tuple[int, int, int]]:
    """(first moment, last moment, how many requests) for each local day of the history,
    a little busier recently and on weekdays; today only up to now."""
    clock = city.clock
    today = clock.local_date(clock.now)
    days = []
    for back in range(HISTORY_DAYS, -1, -1):
        day = today - timedelta(days=back)
        start = clock.local_midnight(day)
        end = min(start + DAY, clock.now)
        if end <= start:
            continue
        weight = (1 + 0.5 * (HISTORY_DAYS - back) / HISTORY_DAYS) * (0.8 if day.weekday() >= 5 else 1.0)
        days.append((start, end, weight * (end - start) / DAY))
    counts = largest_remainder(city.counts.requests, [w for _s, _e, w in days])
    return [(start, end, n) for (start, end, _w), n in zip(days, counts, strict=True)]


def generate(city: City) -> None:
    """About 92% of the requests end closed, 3.5% withdrawn and 2.5% rejected; the rest are open,
    a few of them stalled for good (and overdue), and those of the last days on their way."""
    rng = city.rng("requests")
    clock = city.clock
    ts, opt, now = clock.ts, clock.opt, clock.now
    requests, events, votes = city.tables["request"], city.tables["requestevent"], city.tables["paymentvote"]
    categories = list(
        RequestCategory.objects.filter(is_active=True)
        .order_by("position", "id")
        .values_list("id", "code", "take_within", "resolve_within")
    )
    if not categories:
        raise Conflict(_("There are no active request categories: run the migrations first."))
    category_weights = cumulative(CATEGORY_WEIGHTS.get(code, 3) for _id, code, _take, _resolve in categories)
    estates = city.estates
    estate_weights = cumulative(estate.households + len(estate.residents) for estate in estates)
    place_kinds = ("household", "unit", "building", "public")
    place_weights = cumulative((55, 15, 10, 20))
    ratings = tuple(value for value, _w in RATING_DRAW)
    rating_weights = cumulative(w for _v, w in RATING_DRAW)
    late_rating_weights = cumulative(w for _v, w in LATE_RATING_DRAW)
    hour_weights = cumulative((1, 1, 1, 1, 1, 2, 4, 8, 12, 12, 11, 9, 8, 9, 10, 10, 9, 9, 10, 11, 9, 6, 3, 2))
    day_hours = tuple(range(24))
    not_taken_label = str(ResidentRequest.EscalationReason.NOT_TAKEN.label)
    overdue_label = str(ResidentRequest.EscalationReason.OVERDUE.label)
    due_statuses = ("accepted", "routed", "in_progress")
    final_statuses = ResidentRequest.FINAL_STATUSES
    retention_cutoff = now - settings.REQUEST_CONTACT_RETENTION_DAYS * DAY
    rand = rng.random

    def one_of(values: Any) -> Any:
        return values[int(rand() * len(values))]

    def wait_of(mu: float, sigma: float) -> int:
        """A lognormal wait, in seconds (at least a minute): median e^mu hours."""
        return int(math.exp(mu + sigma * NORMAL[int(rand() * len(NORMAL))]) * HOUR) + 60

    tracked = city.figures
    request_id = requests.last_id
    event_id = events.last_id

    for day_start, day_end, count in _request_days(city, rng):
        moments = []
        for _index in range(count):
            moment = day_start + pick(rng, day_hours, hour_weights) * HOUR + int(rand() * HOUR)
            if moment >= day_end:  # today, before now
                moment = day_start + int(rand() * (day_end - day_start))
            moments.append(moment)
        moments.sort()
        for filed in moments:
            request_id += 1
            e = bisect(estate_weights, rand() * estate_weights[-1])
            estate = estates[e]
            community = city.communities[estate.community]
            category_id, code, take_within, resolve_within = pick(rng, categories, category_weights)
            place = pick(rng, place_kinds, place_weights)
            household = unit = building = None
            public_place = ""
            if place == "household":
                household, resident = one_of(estate.resident_homes)
            else:
                resident = one_of(estate.residents)
                if place == "unit":
                    unit = one_of(estate.units)[0]
                elif place == "building":
                    building = one_of(estate.buildings)[0]
                else:
                    public_place = one_of(PUBLIC_PLACES)
            by_staff = rand() < 0.08
            filer = one_of(community.staff) if by_staff else resident
            texts = DESCRIPTIONS.get(code, DESCRIPTIONS["other"])
            description = one_of(texts)
            urgent = rand() < 0.1

            story = Story(now, filed, filer)
            step = story.step
            accepted_by = company_id = accepted_at = due_at = routed_at = started_at = None
            quote_cents = quoted_at = decided_at = decided_by = None
            quote_note = resolution_note = rating_comment = ""
            payment_status = "none"
            resolved_at = closed_at = confirmed_at = rating = None
            reopen_count = 0
            late = False
            company = city.companies[estate.company] if estate.company is not None else None
            handler = 0
            try:
                wait = min(10 * DAY, wait_of(1.1, 1.2))
                draw = rand()
                if draw < 0.02:  # withdrawn before anyone takes it
                    step(filed + 60 + int(rand() * min(wait, 20 * HOUR)), "withdrawn", "withdrawn", resident)
                    raise NotYet
                taken = filed + wait
                if draw < 0.045:  # turned down
                    staff = company.staff if company is not None else community.staff
                    why = one_of(REJECT_REASONS)
                    step(taken, "rejected", "rejected", one_of(staff), why)
                    resolution_note = why
                    raise NotYet
                # Taken by the property company; routed to the community where there is none.
                if company is not None and rand() < 0.94:
                    handler = one_of(company.staff)
                    step(taken, "accepted", "accepted", handler)
                    accepted_by, company_id, accepted_at = handler, company.id, taken
                else:
                    router = (company or community).staff  # type: ignore[union-attr]
                    step(taken, "routed", "routed", one_of(router))
                    routed_at = taken
                    handler = one_of(community.staff)
                due_at = taken + resolve_within * HOUR
                draw = rand()
                if draw < 0.004:
                    raise NotYet  # never started: overdue
                start = taken + wait_of(1.4, 1.0)
                if draw < 0.02:  # withdrawn before work starts
                    step(taken + 30 + int(rand() * (start - taken - 30)), "withdrawn", "withdrawn", resident)
                    raise NotYet
                step(start, "started", "in_progress", handler)
                started_at = begin = start
                if accepted_by is not None and rand() < 0.07:  # 买单: the committee's director decides
                    cents = 5_000 + int(rand() * 295_000)
                    what = one_of(QUOTE_NOTES)
                    quoted = start + wait_of(1.8, 1.0)
                    step(
                        quoted,
                        "quoted",
                        "awaiting_payment",
                        handler,
                        f"¥{cents // 100:,}.{cents % 100:02d} · {what}",
                    )
                    quote_cents, quote_note, quoted_at, payment_status = cents, what, quoted, "pending"
                    if rand() < 0.04:
                        raise NotYet  # the committee has not decided
                    decided = quoted + wait_of(3.4, 0.9)
                    approve = rand() < 0.85
                    step(
                        decided,
                        "payment_approved" if approve else "payment_rejected",
                        "in_progress",
                        estate.director,
                    )
                    payment_status = "approved" if approve else "rejected"
                    decided_at, decided_by, begin = decided, estate.director, decided
                    votes.add(request_id, estate.director, approve, "", ts(decided))
                if rand() < 0.012:
                    raise NotYet  # work stalls: overdue
                if rand() < 0.93 and due_at - begin > 1200:  # on time
                    done = begin + 600 + int((due_at - begin - 1200) * rand() ** 1.5)
                else:
                    done = max(due_at, begin) + wait_of(2.3, 1.0)
                note = one_of(RESOLUTION_NOTES)
                step(done, "resolved", "resolved", handler, note)
                resolved_at, resolution_note = done, note
                if rand() < 0.04:
                    reopened = done + min(6 * DAY, wait_of(2.0, 0.8))
                    step(reopened, "reopened", "in_progress", resident, "问题没有解决，又出现了。")
                    resolved_at, reopen_count = None, 1
                    done = reopened + wait_of(2.3, 0.8)
                    step(done, "resolved", "resolved", handler, resolution_note)
                    resolved_at = done
                late = done > due_at
                if rand() < 0.72:
                    answered = done + min(int(6.5 * DAY), wait_of(2.6, 1.0))
                    stars = pick(rng, ratings, late_rating_weights if late else rating_weights)
                    comments = RATING_COMMENTS[stars]
                    comment = one_of(comments)
                    step(answered, "confirmed", "closed", resident, f"{'★' * stars} {comment}".strip())
                    rating, rating_comment, confirmed_at, closed_at = stars, comment, answered, answered
                else:
                    # close_unanswered_requests runs hourly at minute 5.
                    due_close = done + 7 * DAY
                    sweep = due_close - due_close % HOUR + 300
                    if sweep < due_close:
                        sweep += HOUR
                    step(sweep, "auto_closed", "closed", None)
                    closed_at = sweep
            except NotYet:
                pass

            # The five-minute sweep flags requests not taken in time, then overdue ones.
            escalated_at = None
            reason = ""
            flagged = story.flag(filed + take_within * HOUR, ("submitted",), 1 + int(rand() * 299))
            if flagged is not None:
                escalated_at, reason, label = flagged, "not_taken", not_taken_label
            elif due_at is not None:
                flagged = story.flag(due_at, due_statuses, 1 + int(rand() * 299))
                if flagged is not None:
                    escalated_at, reason, label = flagged, "overdue", overdue_label
            timeline = story.events
            if escalated_at is not None:
                status_then = story.status_at(escalated_at)
                position = len(timeline)
                while timeline[position - 1][0] > escalated_at:
                    position -= 1
                timeline.insert(position, (escalated_at, "escalated", status_then, status_then, label, None))
            status = story.status
            # The call-back number, as the retention job leaves it: cleared once the request
            # has been over for longer than the retention period (estates.privacy).
            ended = timeline[-1][0]
            if status in final_statuses and ended < retention_cutoff:
                contact, contact_cleared = "", ts(retention_cutoff)
            else:
                contact, contact_cleared = f"13{(request_id * 7919) % 10**9:09d}", NULL

            requests.add_line(
                f"{request_id}\t{estate.id}\t{category_id}\t{place}\t{NULL if household is None else household}\t"
                f"{NULL if unit is None else unit}\t{NULL if building is None else building}\t{public_place}\t"
                f"{description}\t{'urgent' if urgent else 'normal'}\t{status}\t{filer}\t{resident}\t"
                f"{'t' if by_staff else 'f'}\t{NULL if accepted_by is None else accepted_by}\t"
                f"{NULL if company_id is None else company_id}\t{opt(accepted_at)}\t{opt(due_at)}\t"
                f"{opt(routed_at)}\t{opt(started_at)}\t"
                f"{NULL if quote_cents is None else f'{quote_cents // 100}.{quote_cents % 100:02d}'}\t"
                f"{quote_note}\t{opt(quoted_at)}\t{payment_status}\t{opt(decided_at)}\t"
                f"{NULL if decided_by is None else decided_by}\t{opt(resolved_at)}\t{resolution_note}\t"
                f"{opt(closed_at)}\t{NULL if rating is None else rating}\t{rating_comment}\t{opt(confirmed_at)}\t"
                f"{reopen_count}\t{opt(escalated_at)}\t{reason}\t\t{NULL}\t{NULL}\t{ts(filed)}\t"
                f"{ts(timeline[-1][0])}\t{contact}\t{contact_cleared}\n"
            )
            for at, action, from_status, to_status, note, by in timeline:
                event_id += 1
                events.add_line(
                    f"{event_id}\t{request_id}\t{action}\t{from_status}\t{to_status}\t{note}\t"
                    f"{NULL if by is None else by}\t{ts(at)}\n"
                )
            events.last_id = event_id
            requests.last_id = request_id

            if resolved_at is not None and status in ("resolved", "closed"):
                # The figures of a graded period (see ratings.plan) count what is resolved in it.
                stats = tracked.get((e, clock.local_date(resolved_at).replace(day=1).toordinal()))
                if stats is not None:
                    stats.count += 1
                    stats.on_time += resolved_at <= due_at  # type: ignore[operator]
                    if rating is not None:
                        stats.rated += 1
                        stats.rating_sum += rating
                    stats.reopened += reopen_count > 0
                    stats.escalated += escalated_at is not None
                    stats.hours_to_take.append(((accepted_at or routed_at) - filed) / 3600)  # type: ignore[operator]
