"""Meetings: the monthly joint meeting and the consultations, mostly past with published minutes,
some in the coming weeks; with participants, agenda items, action items and their timeline."""

from __future__ import annotations

import random
import uuid
from bisect import bisect
from datetime import timedelta

from .loading import DAY, HOUR
from .registry import HISTORY_DAYS, City, cumulative, pick
from .words import ACTION_TITLES, AGENDA_TITLES, MEETING_KINDS, MEETING_TITLES

MEETING_LOOKAHEAD_DAYS = 28
UPCOMING_MEETING_SHARE = 0.03


def generate(city: City) -> None:
    """Meetings of an estate's committee, property company and the community's mediators, organised
    by community staff: 3% in the next four weeks (scheduled), the rest over the past three years
    (closed, mostly with published minutes; a few cancelled), each with a few participants, two or
    three agenda items and, for some, an action item."""
    rng = city.rng("meetings")
    t, clock = city.tables, city.clock
    now = clock.now
    total = city.counts.meetings
    upcoming = round(total * UPCOMING_MEETING_SHARE) if total > 1 else 0
    kinds = tuple(kind for kind, _w in MEETING_KINDS)
    kind_weights = cumulative(w for _k, w in MEETING_KINDS)
    community_weights = cumulative(len(c.estates) for c in city.communities)
    today = clock.local_date(now)
    moments = []
    for index in range(total):
        if index < upcoming:
            day = today + timedelta(days=rng.randrange(1, MEETING_LOOKAHEAD_DAYS + 1))
        else:
            day = today - timedelta(days=rng.randrange(1, HISTORY_DAYS + 1))
        moments.append(clock.at_local(day, rng.choice((9, 10, 14, 15, 19)), rng.choice((0, 30))))
    moments.sort()
    for starts in moments:
        community = city.communities[bisect(community_weights, rng.random() * community_weights[-1])]
        estate = city.estates[community.estates[rng.randrange(len(community.estates))]]
        kind = pick(rng, kinds, kind_weights)
        ends = starts + rng.choice((90, 120)) * 60
        local = clock.local_date(starts)
        title = (
            f"{estate.name}{local.year}年{local.month}月{MEETING_TITLES[kind]}"
            if kind == "joint"
            else f"{estate.name}{AGENDA_TITLES[rng.randrange(len(AGENDA_TITLES))]}{MEETING_TITLES[kind]}"
        )
        organiser = community.staff[rng.randrange(len(community.staff))]
        created = min(now, starts - rng.randrange(3, 15) * DAY - rng.randrange(8 * HOUR))
        status, sequence = "scheduled", 0
        started_at = closed_at = published_at = None
        moved = rng.random() < 0.05
        history: list[tuple[int, str, str, str, int]] = [(created, "scheduled", "", "scheduled", 0)]
        if moved:
            sequence = 1
            history.append((min(now, created + rng.randrange(HOUR, 2 * DAY)), "moved", "scheduled", "scheduled", 1))
        if ends <= now:
            if rng.random() < 0.05:
                status = "cancelled"
                history.append((starts - rng.randrange(HOUR, DAY), "cancelled", "scheduled", "cancelled", sequence + 1))
                sequence += 1
            else:
                status = "closed"
                started_at = starts + rng.randrange(600)
                closed_at = ends + rng.randrange(-900, 900)
                history.append((started_at, "started", "scheduled", "in_progress", sequence))
                history.append((closed_at, "closed", "in_progress", "closed", sequence))
                publish = closed_at + rng.randrange(1, 6) * DAY + rng.randrange(8 * HOUR)
                if publish <= now and rng.random() < 0.95:
                    published_at = publish
                    history.append((publish, "published", "closed", "closed", sequence))
        summary = "会议听取了居民诉求办理情况汇报，对重点事项进行了协商，形成决议如下。" if closed_at else ""
        meeting_id = t["meeting"].add(
            kind,
            title,
            clock.ts(starts),
            clock.ts(ends),
            f"{community.name}党群服务中心会议室",
            status,
            _uuid(rng),
            sequence,
            summary,
            clock.opt(started_at),
            clock.opt(closed_at),
            clock.opt(published_at),
            clock.ts(created),
            clock.ts(history[-1][0]),
            community.id,
            estate.id,
            organiser,
        )
        for at, action, from_status, to_status, seq in history:
            t["meetingevent"].add(action, from_status, to_status, seq, "", clock.ts(at), organiser, meeting_id)
        company = city.companies[estate.company] if estate.company is not None else None
        organisations = [estate.committee_id, community.mediation_id]
        if company is not None:
            organisations.insert(1, company.id)
        for organisation_id in organisations:
            t["meeting_organisations"].add(meeting_id, organisation_id)
        seats: list[tuple[int, int | None]] = [(organiser, None), (estate.director, estate.committee_id)]
        seats.append((estate.committee[1 + rng.randrange(len(estate.committee) - 1)], estate.committee_id))
        if company is not None:
            seats.append((company.staff[rng.randrange(len(company.staff))], company.id))
        if rng.random() < 0.6:
            seats.append((community.mediators[rng.randrange(len(community.mediators))], community.mediation_id))
        for user, organisation_id in seats:
            attended = None if status != "closed" else rng.random() < 0.9
            t["meetingparticipant"].add(attended, meeting_id, organisation_id, user)
        if status == "cancelled":
            continue
        first_item = 0
        for position in range(1, rng.randint(2, 3) + 1):
            source = "appeal" if rng.random() < 0.15 else "other"
            outcome = "已协商一致。" if closed_at else ""
            item_id = t["agendaitem"].add(
                position,
                source,
                AGENDA_TITLES[rng.randrange(len(AGENDA_TITLES))],
                "",
                "",
                outcome,
                outcome,
                None,
                None,
                None,
                meeting_id,
            )
            first_item = first_item or item_id
        if closed_at is not None and rng.random() < 0.4:
            due = clock.local_date(closed_at) + timedelta(days=rng.randrange(14, 31))
            owner: int | None = None
            owner_organisation: int | None = None
            if company is not None and rng.random() < 0.5:
                owner_organisation = company.id
            else:
                owner = organiser
            done_at = None
            done_by = None
            item_status = "open"
            finish = clock.at_local(due, 10) - rng.randrange(0, 10) * DAY
            if finish <= now and rng.random() < 0.85:
                item_status, done_at, done_by = ("dropped" if rng.random() < 0.05 else "done"), finish, organiser
            t["actionitem"].add(
                ACTION_TITLES[rng.randrange(len(ACTION_TITLES))],
                due.isoformat(),
                item_status,
                clock.opt(done_at),
                "",
                clock.ts(closed_at),
                done_by,
                owner,
                owner_organisation,
                first_item,
                meeting_id,
            )


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))
