"""Places, organisations and people: districts down to households, the property companies,
committees, mediation teams and contractors, and everyone who signs in, with their roles."""

from __future__ import annotations

import math
import random

from django.contrib.auth.hashers import make_password

from .loading import DAY
from .registry import HISTORY_DAYS, City, Community, Company, Estate, cumulative, largest_remainder, pick
from .words import (
    COMMUNITY_WORDS,
    COMPANY_WORDS,
    CONTRACTOR_WORDS,
    DISTRICT_NAMES,
    ESTATE_SUFFIXES,
    ESTATE_WORDS,
    GIVEN_CHARS,
    ROADS,
    STREET_WORDS,
    SURNAMES,
)

ESTATES_PER_COMMUNITY = 10
COMMUNITIES_PER_STREET = 10
STREETS_PER_DISTRICT = 5
ESTATES_PER_COMPANY = 20
STAFF_PER_COMMUNITY = 3
MEDIATORS_PER_COMMUNITY = 2
COMMITTEE_POSITIONS = ("主任", "副主任", "委员", "委员", "委员")
RESIDENT_SHARE = 0.4  # households with a registered resident
# Every generated person signs in with this password (hashed once); the accounts are demo
# accounts, which sign in only while DEBUG is on.
PASSWORD = "huanxin-city"


def _name(rng: random.Random) -> str:
    given = GIVEN_CHARS[rng.randrange(len(GIVEN_CHARS))]
    if rng.random() < 0.7:
        given += GIVEN_CHARS[rng.randrange(len(GIVEN_CHARS))]
    return SURNAMES[rng.randrange(len(SURNAMES))] + given


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"


def _user(city: City, rng: random.Random, username: str, joined: int) -> int:
    # password, last_login, is_superuser, username, first_name, last_name, email, is_staff,
    # is_active, date_joined, full_name, phone, is_demo
    return city.tables["user"].add(
        city.password,
        None,
        False,
        username,
        "",
        "",
        "",
        False,
        True,
        city.clock.ts(joined),
        _name(rng),
        _phone(rng),
        True,
    )


def _member(
    city: City,
    user: int,
    role: str,
    joined: int,
    *,
    position: str = "",
    is_owner: bool = False,
    **scope: int,
) -> None:
    columns = ("district", "street", "community", "household", "organisation")
    city.tables["membership"].add(
        role,
        position,
        is_owner,
        city.clock.local_date(joined).isoformat(),
        None,
        city.clock.ts(joined),
        *(scope.get(name) for name in columns),
        user,
    )


def _numbered(words: tuple[str, ...], index: int, suffix: str = "") -> str:
    """A name from the list, with a number once the list is used up (names must be unique)."""
    base = words[index % len(words)] + suffix
    return base if index < len(words) else f"{base}{index // len(words) + 1}"


def _joined(city: City, rng: random.Random) -> int:
    """When a person signed up: before the history of requests begins."""
    return city.clock.now - HISTORY_DAYS * DAY - rng.randrange(30, 400) * DAY - rng.randrange(DAY)


def generate(city: City) -> None:
    rng = city.rng("places")
    city.password = make_password(PASSWORD, salt="huanxincity")
    district_ids = _places(city, rng)
    _homes(city, rng)
    _organisations(city, rng, district_ids)


def _places(city: City, rng: random.Random) -> list[int]:
    """Districts, streets, communities (about ten estates each) and estates; returns the districts' ids."""
    t, clock = city.tables, city.clock
    history_start = clock.now - HISTORY_DAYS * DAY
    estate_count = city.counts.estates
    community_count = math.ceil(estate_count / ESTATES_PER_COMMUNITY)
    street_count = math.ceil(community_count / COMMUNITIES_PER_STREET)
    district_count = math.ceil(street_count / STREETS_PER_DISTRICT)
    district_ids = [t["district"].add(_numbered(DISTRICT_NAMES, d), "阳泉市") for d in range(district_count)]
    for s in range(street_count):
        name = _numbered(STREET_WORDS, s, "街道")
        city.streets.append((t["street"].add(name, district_ids[s * district_count // street_count]), name))
    for c in range(community_count):
        street = c * street_count // community_count
        name = _numbered(COMMUNITY_WORDS, c, "社区")
        community_id = t["community"].add(
            name,
            f"{city.streets[street][1]}{ROADS[c % len(ROADS)]}{c % 90 + 1}号",
            f"0353-{2000000 + c:07d}",
            city.streets[street][0],
        )
        city.communities.append(Community(community_id, name, street))

    modes = ("property_company", "self_managed", "none")
    mode_weights = cumulative((70, 20, 10))
    for e in range(estate_count):
        c = e * community_count // estate_count
        community = city.communities[c]
        mode = "property_company" if e == 0 else pick(rng, modes, mode_weights)
        name = ESTATE_WORDS[e % len(ESTATE_WORDS)] + ESTATE_SUFFIXES[(e // len(ESTATE_WORDS)) % 6]
        if e >= len(ESTATE_WORDS) * 6:
            name += f"{e // (len(ESTATE_WORDS) * 6) + 1}区"
        registered = clock.ts(history_start - rng.randrange(400, 800) * DAY)
        estate_id = t["estate"].add(
            name,
            f"{ROADS[rng.randrange(len(ROADS))]}{rng.randrange(1, 200)}号",
            mode,
            rng.randrange(1975, 2006),
            "",
            f"{37.80 + rng.random() * 0.12:.6f}",
            f"{113.50 + rng.random() * 0.16:.6f}",
            registered,
            registered,
            community.id,
        )
        city.estates.append(Estate(estate_id, c, name, mode))
        community.estates.append(e)
    return district_ids


def _homes(city: City, rng: random.Random) -> None:
    """Households, spread unevenly over the estates, in the buildings and units that hold them;
    a resident who signs in for about 40% of them (and for at least one in each estate)."""
    t, clock = city.tables, city.clock
    history_start = clock.now - HISTORY_DAYS * DAY
    per_estate = largest_remainder(city.counts.households, [0.5 + rng.random() for _ in city.estates])
    per_estate = [max(1, n) for n in per_estate]
    city.first_household_id = t["household"].last_id + 1
    resident_number = 0
    for e, estate in enumerate(city.estates):
        high_rise = rng.random() < 0.1
        floors = rng.choice((11, 18)) if high_rise else pick(rng, (5, 6, 7), cumulative((25, 60, 15)))
        flats = 4 if high_rise else 2
        units_per_building = 2 if high_rise else 3
        built = rng.randrange(1975, 2006)
        remaining = estate.households = per_estate[e]
        unit_count = math.ceil(remaining / (floors * flats))
        for b in range(math.ceil(unit_count / units_per_building)):
            building_name = f"{b + 1}号楼"
            building_id = t["building"].add(building_name, floors, high_rise, built, estate.id)
            estate.buildings.append((building_id, building_name))
            for u in range(min(units_per_building, unit_count - b * units_per_building)):
                unit_name = f"{u + 1}单元"
                unit_id = t["unit"].add(unit_name, building_id)
                in_unit = min(remaining, floors * flats)
                estate.units.append((unit_id, building_id, unit_name, t["household"].last_id + 1, in_unit))
                remaining -= in_unit
                for index in range(in_unit):
                    floor, flat = divmod(index, flats)
                    area = rng.randrange(4_500, 13_000) if not high_rise else rng.randrange(7_000, 16_000)
                    created = clock.ts(history_start - rng.randrange(100, 400) * DAY)
                    household_id = t["household"].add(
                        f"{floor + 1}{flat + 1:02d}",
                        floor + 1,
                        f"{area // 100}.{area % 100:02d}",
                        created,
                        created,
                        unit_id,
                    )
                    city.household_area.append(area)
                    owner = 0
                    if not estate.resident_homes or rng.random() < RESIDENT_SHARE:
                        resident_number += 1
                        since = _joined(city, rng)
                        user = _user(city, rng, f"city.resident.{resident_number}", since)
                        is_owner = rng.random() < 0.9
                        _member(city, user, "resident", since, is_owner=is_owner, household=household_id)
                        estate.residents.append(user)
                        estate.resident_homes.append((household_id, user))
                        owner = user if is_owner else 0
                    city.household_owner.append(owner)


def _organisations(city: City, rng: random.Random, district_ids: list[int]) -> None:
    """A property company for every twenty estates it manages, a committee of five for each estate,
    and for each community its staff and mediation team; a contractor and an admin per street,
    an admin per district."""
    t, clock = city.tables, city.clock
    founded = clock.local_date(clock.now - (HISTORY_DAYS + 900) * DAY).isoformat()
    organisation, served = t["organisation"], t["organisation_estates"]
    managed = [e for e, estate in enumerate(city.estates) if estate.mode == "property_company"]
    for j in range(math.ceil(len(managed) / ESTATES_PER_COMPANY)):
        chunk = managed[j * ESTATES_PER_COMPANY : (j + 1) * ESTATES_PER_COMPANY]
        name = f"{_numbered(COMPANY_WORDS, j)}物业服务有限公司"
        community = city.communities[city.estates[chunk[0]].community]
        company = Company(
            organisation.add("property_company", name, f"0353-{5000000 + j:07d}", "", founded, community.id), name
        )
        for e in chunk:
            city.estates[e].company = j
            served.add(company.id, city.estates[e].id)
        for k in range(max(2, math.ceil(len(chunk) / 2))):
            since = _joined(city, rng)
            user = _user(city, rng, f"city.property.{j + 1}.{k + 1}", since)
            _member(
                city, user, "property_staff", since, position="经理" if k == 0 else "维修工", organisation=company.id
            )
            company.staff.append(user)
        city.companies.append(company)

    for e, estate in enumerate(city.estates):
        community = city.communities[estate.community]
        kind, suffix = (
            ("management_committee", "居民物管会")
            if estate.mode == "self_managed"
            else ("owners_committee", "业主委员会")
        )
        estate.committee_id = organisation.add(kind, f"{estate.name}{suffix}", "", "", founded, community.id)
        served.add(estate.committee_id, estate.id)
        for k, position in enumerate(COMMITTEE_POSITIONS):
            since = _joined(city, rng)
            user = _user(city, rng, f"city.committee.{e + 1}.{k + 1}", since)
            _member(city, user, "committee_member", since, position=position, organisation=estate.committee_id)
            # Committee members are owners in the estate they serve.
            unit = estate.units[rng.randrange(len(estate.units))]
            home = unit[3] + rng.randrange(unit[4])
            _member(city, user, "resident", since, is_owner=True, household=home)
            estate.committee.append(user)
            estate.residents.append(user)
            estate.resident_homes.append((home, user))
            if city.household_owner[home - city.first_household_id] == 0:
                city.household_owner[home - city.first_household_id] = user
        estate.director = estate.committee[0]

    for c, community in enumerate(city.communities):
        for k in range(STAFF_PER_COMMUNITY):
            since = _joined(city, rng)
            user = _user(city, rng, f"city.staff.{c + 1}.{k + 1}", since)
            _member(city, user, "community_staff", since, position="主任" if k == 0 else "社工", community=community.id)
            community.staff.append(user)
        community.mediation_id = organisation.add(
            "mediation_team", f"{community.name}居民纠纷化解队", "", "", founded, community.id
        )
        for e in community.estates:
            served.add(community.mediation_id, city.estates[e].id)
        for k in range(MEDIATORS_PER_COMMUNITY):
            since = _joined(city, rng)
            user = _user(city, rng, f"city.mediator.{c + 1}.{k + 1}", since)
            _member(city, user, "mediator", since, position="调解员", organisation=community.mediation_id)
            community.mediators.append(user)
    for s, (street_id, _street_name) in enumerate(city.streets):
        firsts = [community for community in city.communities if community.street == s]
        name = f"{_numbered(CONTRACTOR_WORDS, s)}建设工程有限公司"
        contractor = organisation.add("contractor", name, "", "", founded, firsts[0].id)
        for community in firsts:
            community.contractor_id, community.contractor_name = contractor, name
        since = _joined(city, rng)
        _member(city, _user(city, rng, f"city.street.{s + 1}", since), "street_admin", since, street=street_id)
    for d, district_id in enumerate(district_ids):
        since = _joined(city, rng)
        _member(city, _user(city, rng, f"city.district.{d + 1}", since), "district_admin", since, district=district_id)
