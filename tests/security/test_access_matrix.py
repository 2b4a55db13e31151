"""Who gets what: every API operation and every page, as every persona, on an object inside the
persona's scope (蕴园小区) and on its twin outside it (体委小区, the outsider's estate).

The tables below (API, PAGES) are the expected answers, read from DESIGN.md §2 and §6 and the
permission modules (estates/permissions.py, governance/permissions/, renovations/permissions.py).
An answer is a status code, or, for a list, IN (200 and the object is listed) or OUT (200 and it
is not). The world is tests/security/conftest.py's `matrix_world`; its estate pays for requests by
the committee's majority, so that the committee persona (a 委员, not the 主任) may approve.

`outside` is what the personas of 蕴园小区 (INSIDERS) get on the twin of 体委小区: 404 for a
private object, the public answer (200 to read, 403 to change) for a public one. The public gets
on the twin what it gets on the object, and a list it reads shows the twin as `outside` says.
The superuser sees both worlds and the outsider owns the twin, so neither is asked about it.

Bodies are valid for the persona allowed to act, so that a 400 cannot stand in for a missing
permission check. Where a body names an object the persona may not see (someone else's household,
a meeting they do not take part in), the serializer's scoped field answers 400 before the
service's 403; those cells are commented.

The page rows run in test_access_pages.py. The meta-tests fail when an operation of the OpenAPI
schema or a URL pattern of the three apps has no row, or a row names one that does not exist.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from estates.models import User
from estates.privacy import PRIVACY_NOTICE_VERSION
from tests.governance.conftest import photo_file
from tests.security.conftest import ROLES, MatrixWorld, Side, scores

IN = "listed"
OUT = "not listed"
Answer = int | str
Refs = SimpleNamespace
Body = Callable[[Refs], dict[str, Any]]

# The roles of 蕴园小区 asked about the twin object of 体委小区 (the public is asked too, see below).
INSIDERS = ("resident", "neighbour", "committee", "property_staff", "mediator", "staff", "street_admin")
APPS_WITH_PAGES = ("estates", "renovations", "governance")


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # as the schema or the URL pattern spells it, with {placeholders}
    target: str | None  # the object the placeholders (and list membership) refer to
    expect: dict[str, Answer]
    outside: Answer | None = None
    body: Body | None = None
    query: Body | None = None
    multipart: bool = False
    page: bool = False

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}" + (f" [{self.target}]" if self.target else "")


def R(default: Answer, **answers: Answer) -> dict[str, Answer]:
    """The answer of every role: `default`, except the roles named."""
    unknown = set(answers) - set(ROLES)
    assert not unknown, unknown
    return {role: answers.get(role, default) for role in ROLES}


def staffs(answer: Answer) -> dict[str, Answer]:
    """The estate's community staff and the admins above them (street admin, superuser)."""
    return {"staff": answer, "street_admin": answer, "superuser": answer}


def api(method: str, path: str, target: str | None, expect: dict[str, Answer], **extra: Any) -> Row:
    return Row(method, "/api/v1" + path, target, expect, **extra)


def page(path: str, target: str | None, expect: dict[str, Answer], **extra: Any) -> Row:
    return Row("GET", path, target, expect, page=True, **extra)


def _username(pk: int) -> str:
    return User.objects.get(pk=pk).username


def _households_csv() -> SimpleUploadedFile:
    text = "楼栋,单元,房号,楼层,建筑面积\r\n3号楼,3单元,602,6,66.00\r\n"
    return SimpleUploadedFile("households.csv", text.encode(), content_type="text/csv")


# A private object's writes: the public must sign in; those who see it but may not act get 403.
SIGN_IN = {"anonymous": 401}

# fmt: off
API = [
    # -------------------------------------------------------------------------- action items
    # An action item follows its meeting (staff, participants, members of the participating
    # committee) and is also seen by its owner (here the property company's staff member).
    api("GET", "/action-items/", "action_item",
        R(OUT, resident=IN, committee=IN, property_staff=IN, **staffs(IN)), outside=OUT),
    # The meeting is named in the body: one the persona does not take part in is a 400.
    api("POST", "/action-items/", None,
        R(400, **SIGN_IN, resident=403, committee=403, **staffs(201)), outside=400,
        body=lambda r: {"meeting": r.meeting_running, "title": "清理楼道", "due_on": "2025-03-25",
                        "owner": r.committee}),
    api("GET", "/action-items/{id}/", "action_item",
        R(404, resident=200, committee=200, property_staff=200, **staffs(200)), outside=404),
    api("POST", "/action-items/{id}/complete/", "action_item",
        R(404, **SIGN_IN, resident=403, committee=403, property_staff=200, **staffs(200)), outside=404,
        body=lambda r: {"note": "已修好"}),
    api("POST", "/action-items/{id}/drop/", "action_item",
        R(404, **SIGN_IN, resident=403, committee=403, property_staff=200, **staffs(200)), outside=404,
        body=lambda r: {"note": "不做了"}),
    # -------------------------------------------------------------------------- sign-in
    api("POST", "/auth/token/", None, R(200), body=lambda r: {"username": "resident", "password": "pw-resident"}),
    # Signing up is for the public; a signed-in person is refused.
    api("POST", "/auth/register/", None, R(403, anonymous=201),
        body=lambda r: {"username": "newcomer", "password": "Lift-3-unit-3", "full_name": "黄新人",
                        "phone": "13912345678", "privacy_consent": True, "consent_version": PRIVACY_NOTICE_VERSION}),
    # -------------------------------------------------------------------------- the registry: public to read
    api("GET", "/buildings/", "building", R(IN), outside=IN),
    api("POST", "/buildings/", None, R(403, **SIGN_IN, **staffs(201)), outside=403,
        body=lambda r: {"estate": r.estate, "name": "5号楼", "floors": 6}),
    api("GET", "/buildings/{id}/", "building", R(200), outside=200),
    api("PUT", "/buildings/{id}/", "building", R(403, **SIGN_IN, **staffs(200)), outside=403,
        body=lambda r: {"name": "3号楼", "floors": 7, "has_lift": True}),
    api("PATCH", "/buildings/{id}/", "building", R(403, **SIGN_IN, **staffs(200)), outside=403,
        body=lambda r: {"has_lift": True}),
    api("DELETE", "/buildings/{id}/", "empty_building", R(403, **SIGN_IN, **staffs(204)), outside=403),
    api("GET", "/communities/", "community", R(IN), outside=IN),
    api("GET", "/communities/{id}/", "community", R(200), outside=200),
    api("GET", "/estates/", "estate", R(IN), outside=IN),
    api("POST", "/estates/", None, R(403, **SIGN_IN, **staffs(201)), outside=403,
        body=lambda r: {"name": "新建小区", "community": r.community, "management_mode": "none"}),
    api("GET", "/estates/{id}/", "estate", R(200), outside=200),
    api("PUT", "/estates/{id}/", "estate", R(403, **SIGN_IN, **staffs(200)), outside=403,
        body=lambda r: {"name": "更名小区", "community": r.community, "management_mode": "property_company"}),
    api("PATCH", "/estates/{id}/", "estate", R(403, **SIGN_IN, **staffs(200)), outside=403,
        body=lambda r: {"description": "建于上世纪九十年代。"}),
    # Estates are never deleted: staff get 409, everyone else 403.
    api("DELETE", "/estates/{id}/", "estate", R(403, **SIGN_IN, **staffs(409)), outside=403),
    api("POST", "/estates/{id}/import-households/", "estate", R(403, **SIGN_IN, **staffs(200)), outside=403,
        body=lambda r: {"file": _households_csv(), "dry_run": "true"}, multipart=True),
    # Households are private: the estate's staff and organisations, and the household's residents.
    api("GET", "/households/", "household",
        R(OUT, **SIGN_IN, resident=IN, committee=IN, property_staff=IN, mediator=IN, **staffs(IN)), outside=OUT),
    api("POST", "/households/", None, R(403, **SIGN_IN, **staffs(201)), outside=403,
        body=lambda r: {"unit": r.unit, "room": "602", "floor": 6, "floor_area": "70.00"}),
    api("GET", "/households/{id}/", "household",
        R(404, **SIGN_IN, resident=200, committee=200, property_staff=200, mediator=200, **staffs(200)), outside=404),
    api("PUT", "/households/{id}/", "household",
        R(404, **SIGN_IN, resident=403, committee=403, property_staff=403, mediator=403, **staffs(200)), outside=404,
        body=lambda r: {"unit": r.unit, "room": "501", "floor": 5, "floor_area": "80.00"}),
    api("PATCH", "/households/{id}/", "household",
        R(404, **SIGN_IN, resident=403, committee=403, property_staff=403, mediator=403, **staffs(200)), outside=404,
        body=lambda r: {"floor_area": "80.00"}),
    api("DELETE", "/households/{id}/", "spare_household",
        R(404, **SIGN_IN, committee=403, property_staff=403, mediator=403, **staffs(204)), outside=404),
    # Staff link a registered person (here the committee member) to a household, and end a residence;
    # those who see the household but do not run the registry get 403.
    api("POST", "/households/{id}/residents/", "household",
        R(404, **SIGN_IN, resident=403, committee=403, property_staff=403, mediator=403, **staffs(201)), outside=404,
        body=lambda r: {"username": _username(r.committee), "is_owner": False}),
    api("POST", "/households/{id}/residents/{user_id}/end/", "household_resident",
        R(404, **SIGN_IN, resident=403, committee=403, property_staff=403, mediator=403, **staffs(200)), outside=404),
    api("GET", "/me/", None, R(200, **SIGN_IN)),
    # A person's own personal data (PIPL): only ever their own, so every signed-in persona gets it.
    api("GET", "/me/privacy/", None, R(200, **SIGN_IN)),
    api("GET", "/me/contact-reads/", None, R(200, **SIGN_IN)),
    api("GET", "/me/data/", None, R(200, **SIGN_IN)),
    # The password is checked first: a wrong one is a 400 for everyone, and nobody is erased here.
    api("POST", "/me/erase/", None, R(400, **SIGN_IN),
        body=lambda r: {"password": "not-the-password", "confirm": True}),
    api("GET", "/dashboard/", None, R(200, **SIGN_IN)),
    api("GET", "/organisations/", "organisation", R(IN), outside=IN),
    api("POST", "/organisations/", None, R(403, **SIGN_IN, **staffs(201)), outside=403,
        body=lambda r: {"kind": "party_branch", "name": "党支部", "community": r.community, "estates": [r.estate]}),
    api("GET", "/organisations/{id}/", "organisation", R(200), outside=200),
    api("PUT", "/organisations/{id}/", "organisation", R(403, **SIGN_IN, **staffs(200)), outside=403,
        body=lambda r: {"kind": "owners_committee", "name": "业主委员会（换届）", "estates": [r.estate]}),
    api("PATCH", "/organisations/{id}/", "organisation", R(403, **SIGN_IN, **staffs(200)), outside=403,
        body=lambda r: {"phone": "0353-1234567"}),
    # Organisations are never deleted: staff get 409.
    api("DELETE", "/organisations/{id}/", "organisation", R(403, **SIGN_IN, **staffs(409)), outside=403),
    api("GET", "/units/", "unit", R(IN), outside=IN),
    api("POST", "/units/", None, R(403, **SIGN_IN, **staffs(201)), outside=403,
        body=lambda r: {"building": r.building, "name": "4单元"}),
    api("GET", "/units/{id}/", "unit", R(200), outside=200),
    api("PUT", "/units/{id}/", "unit", R(403, **SIGN_IN, **staffs(200)), outside=403,
        body=lambda r: {"name": "3单元"}),
    api("PATCH", "/units/{id}/", "unit", R(403, **SIGN_IN, **staffs(200)), outside=403,
        body=lambda r: {"name": "3单元"}),
    api("DELETE", "/units/{id}/", "empty_unit", R(403, **SIGN_IN, **staffs(204)), outside=403),
    # -------------------------------------------------------------------------- disputes
    # Seen by the parties (resident, neighbour), the mediators (assigned, and the estate's team)
    # and the estate's staff; the assigned mediator and the staff act on it.
    api("GET", "/disputes/", "dispute",
        R(OUT, **SIGN_IN, resident=IN, neighbour=IN, mediator=IN, **staffs(IN)), outside=OUT),
    # The body names the resident's household, which the neighbour and the outsider may not see (400).
    api("POST", "/disputes/", None,
        R(403, **SIGN_IN, resident=201, neighbour=400, mediator=201, outsider=400, **staffs(201)), outside=400,
        body=lambda r: {"kind": "noise", "title": "装修噪音", "description": "早上七点就开始装修。",
                        "parties": [{"household": r.household, "side": "applicant"}]}),
    api("GET", "/disputes/{id}/", "dispute",
        R(404, **SIGN_IN, resident=200, neighbour=200, mediator=200, **staffs(200)), outside=404),
    # The household to add is not the parties' to see: their refusal is the serializer's 400.
    api("POST", "/disputes/{id}/add-party/", "dispute",
        R(404, **SIGN_IN, resident=400, neighbour=400, mediator=200, **staffs(200)), outside=404,
        body=lambda r: {"household": r.spare_household, "side": "respondent"}),
    api("POST", "/disputes/{id}/assign-mediators/", "dispute",
        R(404, **SIGN_IN, resident=403, neighbour=403, mediator=200, **staffs(200)), outside=404,
        body=lambda r: {"mediators": [r.mediator]}),
    api("POST", "/disputes/{id}/hear/", "dispute",
        R(404, **SIGN_IN, resident=403, neighbour=403, mediator=200, **staffs(200)), outside=404,
        body=lambda r: {"note": "已受理"}),
    api("GET", "/disputes/{id}/sessions/", "dispute",
        R(404, **SIGN_IN, resident=200, neighbour=200, mediator=200, **staffs(200)), outside=404),
    api("POST", "/disputes/{id}/sessions/", "dispute",
        R(404, **SIGN_IN, resident=403, neighbour=403, mediator=201, **staffs(201)), outside=404,
        body=lambda r: {"notes": "双方陈述", "place": "社区调解室"}),
    api("POST", "/disputes/{id}/settle/", "dispute",
        R(404, **SIGN_IN, resident=403, neighbour=403, mediator=200, **staffs(200)), outside=404,
        body=lambda r: {"outcome": "agreement", "note": "双方和解"}),
    api("GET", "/disputes/{id}/timeline/", "dispute",
        R(404, **SIGN_IN, resident=200, neighbour=200, mediator=200, **staffs(200)), outside=404),
    api("GET", "/disputes/mediators/", None, R(404, **SIGN_IN, mediator=200, **staffs(200)), outside=404,
        query=lambda r: {"estate": r.estate}),
    # -------------------------------------------------------------------------- meetings
    # The scheduled meeting invites the owners' committee and the resident: they and the
    # community's staff see it; the staff run it.
    api("GET", "/meetings/", "meeting_scheduled", R(OUT, resident=IN, committee=IN, **staffs(IN)), outside=OUT),
    api("POST", "/meetings/", None, R(403, **SIGN_IN, **staffs(201)), outside=403,
        body=lambda r: {"kind": "joint", "estate": r.estate, "starts_at": "2025-03-20T14:00:00+08:00",
                        "ends_at": "2025-03-20T16:00:00+08:00", "place": "社区活动室"}),
    api("GET", "/meetings/{meeting_pk}/agenda-items/", "agenda_item",
        R(404, resident=IN, committee=IN, **staffs(IN)), outside=404),
    api("POST", "/meetings/{meeting_pk}/agenda-items/", "agenda_item",
        R(404, **SIGN_IN, resident=403, committee=403, **staffs(201)), outside=404,
        body=lambda r: {"title": "楼道堆物", "description": "三楼堆了旧家具。"}),
    api("GET", "/meetings/{meeting_pk}/agenda-items/{id}/", "agenda_item",
        R(404, resident=200, committee=200, **staffs(200)), outside=404),
    api("PATCH", "/meetings/{meeting_pk}/agenda-items/{id}/", "agenda_item",
        R(404, **SIGN_IN, resident=403, committee=403, **staffs(200)), outside=404, body=lambda r: {"notes": "已讨论"}),
    api("POST", "/meetings/{meeting_pk}/agenda-items/draw/", "agenda_item",
        R(404, **SIGN_IN, resident=403, committee=403, **staffs(200)), outside=404),
    api("POST", "/meetings/{meeting_pk}/agenda-items/reorder/", "agenda_item",
        R(404, **SIGN_IN, resident=403, committee=403, **staffs(200)), outside=404,
        body=lambda r: {"order": list(reversed(r.agenda))}),
    api("GET", "/meetings/{id}/", "meeting_scheduled", R(404, resident=200, committee=200, **staffs(200)), outside=404),
    api("PATCH", "/meetings/{id}/", "meeting_scheduled",
        R(404, **SIGN_IN, resident=403, committee=403, **staffs(200)), outside=404,
        body=lambda r: {"place": "3号楼前空地"}),
    api("POST", "/meetings/{id}/attendance/", "meeting_running",
        R(404, **SIGN_IN, resident=403, committee=403, **staffs(200)), outside=404,
        body=lambda r: {"attendance": [{"participant": r.seat, "attended": True}]}),
    api("POST", "/meetings/{id}/cancel/", "meeting_scheduled",
        R(404, **SIGN_IN, resident=403, committee=403, **staffs(200)), outside=404, body=lambda r: {"reason": "改期"}),
    api("POST", "/meetings/{id}/close/", "meeting_running",
        R(404, **SIGN_IN, resident=403, committee=403, **staffs(200)), outside=404),
    api("GET", "/meetings/{id}/ics/", "meeting_scheduled",
        R(404, resident=200, committee=200, **staffs(200)), outside=404),
    # Draft minutes are for those who see the meeting; published minutes are public (next row).
    api("GET", "/meetings/{id}/minutes/", "meeting_scheduled",
        R(404, resident=200, committee=200, **staffs(200)), outside=404),
    api("GET", "/meetings/{id}/minutes/", "meeting_published", R(200)),
    api("GET", "/meetings/{id}/participants/", "meeting_scheduled",
        R(404, resident=200, committee=200, **staffs(200)), outside=404),
    api("POST", "/meetings/{id}/publish-minutes/", "meeting_closed",
        R(404, **SIGN_IN, resident=403, committee=403, **staffs(200)), outside=404),
    api("POST", "/meetings/{id}/start/", "meeting_scheduled",
        R(404, **SIGN_IN, resident=403, committee=403, **staffs(200)), outside=404),
    api("GET", "/meetings/{id}/timeline/", "meeting_scheduled",
        R(404, resident=200, committee=200, **staffs(200)), outside=404),
    api("GET", "/meetings/candidates/", None, R(403, **SIGN_IN, **staffs(200)), outside=403,
        query=lambda r: {"community": r.community}),
    api("GET", "/meetings/feed/", None, R(200, **SIGN_IN)),
    api("POST", "/meetings/feed/", None, R(200, **SIGN_IN)),
    # -------------------------------------------------------------------------- notices
    # Published notices are public; a draft (scheduled for later) is the community staff's.
    api("GET", "/notices/", "notice_draft", R(OUT, **staffs(IN)), outside=OUT),
    api("GET", "/notices/", "notice_published", R(IN), outside=IN),
    api("POST", "/notices/", None, R(403, **SIGN_IN, **staffs(201)), outside=403,
        body=lambda r: {"estate": r.estate, "title": "停水通知", "body": "周六上午停水。"}),
    api("GET", "/notices/{id}/", "notice_draft", R(404, **staffs(200)), outside=404),
    api("PATCH", "/notices/{id}/", "notice_draft", R(404, **SIGN_IN, **staffs(200)), outside=404,
        body=lambda r: {"title": "停水通知（延期）"}),
    api("GET", "/notices/{id}/images/", "notice_draft", R(404, **staffs(200)), outside=404),
    api("POST", "/notices/{id}/images/", "notice_draft", R(404, **SIGN_IN, **staffs(201)), outside=404,
        body=lambda r: {"image": photo_file("notice.png", fmt="PNG"), "caption": "停水范围"}, multipart=True),
    api("POST", "/notices/{id}/pin/", "notice_published", R(403, **SIGN_IN, **staffs(200)), outside=403),
    api("POST", "/notices/{id}/unpin/", "notice_pinned", R(403, **SIGN_IN, **staffs(200)), outside=403),
    api("POST", "/notices/{id}/withdraw/", "notice_published", R(403, **SIGN_IN, **staffs(200)), outside=403),
    # -------------------------------------------------------------------------- notifications: one's own only
    api("GET", "/notifications/", "notification", R(OUT, **SIGN_IN, resident=IN), outside=OUT),
    api("GET", "/notifications/{id}/", "notification", R(404, **SIGN_IN, resident=200), outside=404),
    api("POST", "/notifications/{id}/read/", "notification", R(404, **SIGN_IN, resident=200), outside=404),
    api("GET", "/notifications/preferences/", None, R(200, **SIGN_IN)),
    api("PUT", "/notifications/preferences/", None, R(200, **SIGN_IN), body=lambda r: {"email_enabled": False}),
    api("POST", "/notifications/read-all/", None, R(200, **SIGN_IN)),
    api("GET", "/notifications/unread-count/", None, R(200, **SIGN_IN)),
    # -------------------------------------------------------------------------- projects: public to read
    api("GET", "/projects/", "road", R(IN), outside=IN),
    api("POST", "/projects/", None, R(403, **SIGN_IN, **staffs(201)), outside=403,
        body=lambda r: {"estate": r.estate, "kind": "greening", "title": "绿化提升", "budget": "20000.00"}),
    api("GET", "/projects/{id}/", "road", R(200), outside=200),
    api("PATCH", "/projects/{id}/", "road", R(403, **SIGN_IN, **staffs(200)), outside=403,
        body=lambda r: {"title": "蕴园小区道路拓宽工程"}),
    api("GET", "/projects/{id}/consent/", "lift", R(200), outside=200),
    # A signed-in person sees their own household's share (none, for most); staff see every share.
    api("GET", "/projects/{id}/cost-shares/", "lift", R(200, **SIGN_IN), outside=200),
    api("POST", "/projects/{id}/transition/", "road", R(403, **SIGN_IN, **staffs(200)), outside=403,
        body=lambda r: {"to": "surveyed", "note": "入户调查完成"}),
    # Who voted what: the estate's staff see every ballot, an owner their own households'. The
    # public is asked to sign in.
    api("GET", "/projects/{project_pk}/ballots/", "ballot",
        R(403, **SIGN_IN, resident=OUT, neighbour=IN, **staffs(IN)), outside=403),
    # Owners vote online for their own household; staff only record paper ballots.
    api("POST", "/projects/{project_pk}/ballots/", "ballot", R(403, **SIGN_IN, resident=201), outside=403,
        body=lambda r: {"household": r.household, "choice": "agree"}),
    api("GET", "/projects/{project_pk}/ballots/{id}/", "ballot", R(404, neighbour=200, **staffs(200))),
    api("GET", "/projects/{project_pk}/inspections/", "inspection", R(IN)),
    api("POST", "/projects/{project_pk}/inspections/", "inspection", R(403, **SIGN_IN, **staffs(201)), outside=403,
        body=lambda r: {"inspected_on": "2025-03-02", "inspectors": "质监站 王工", "passed": True}),
    api("GET", "/projects/{project_pk}/inspections/{id}/", "inspection", R(200)),
    api("GET", "/projects/{project_pk}/ledger/", "ledger_entry", R(IN), outside=IN),
    api("POST", "/projects/{project_pk}/ledger/", "ledger_entry", R(403, **SIGN_IN, **staffs(201)), outside=403,
        body=lambda r: {"kind": "receipt", "source": "residents", "amount": "500.00", "occurred_on": "2025-03-01"}),
    api("GET", "/projects/{project_pk}/ledger/{id}/", "ledger_entry", R(200), outside=200),
    api("POST", "/projects/{project_pk}/ledger/{id}/reverse/", "ledger_entry",
        R(403, **SIGN_IN, **staffs(201)), outside=403, body=lambda r: {"note": "录入有误"}),
    api("GET", "/projects/{project_pk}/ledger/totals/", "ledger_entry", R(200), outside=200),
    api("GET", "/projects/{project_pk}/photos/", "photo", R(IN), outside=IN),
    api("POST", "/projects/{project_pk}/photos/", "photo", R(403, **SIGN_IN, **staffs(201)), outside=403,
        body=lambda r: {"image": photo_file(), "stage": "during"}, multipart=True),
    api("GET", "/projects/{project_pk}/photos/{id}/", "photo", R(200), outside=200),
    api("GET", "/projects/{project_pk}/timeline/", "project_event", R(IN), outside=IN),
    api("GET", "/projects/{project_pk}/updates/", "update", R(IN), outside=IN),
    api("POST", "/projects/{project_pk}/updates/", "update", R(403, **SIGN_IN, **staffs(201)), outside=403,
        body=lambda r: {"text": "路面铺设过半", "percent": 50}),
    api("GET", "/projects/{project_pk}/updates/{id}/", "update", R(200), outside=200),
    api("GET", "/projects/money/", None, R(200), query=lambda r: {"estate": r.estate}),
    api("GET", "/projects/stats/", None, R(200), query=lambda r: {"estate": r.estate}),
    # -------------------------------------------------------------------------- rating rounds
    # Published rounds are public; open and closed ones are for the estate's staff, committee and
    # property company. Staff run rounds; committee members score.
    api("GET", "/rating-rounds/", "round_open",
        R(OUT, committee=IN, property_staff=IN, **staffs(IN)), outside=OUT),
    api("GET", "/rating-rounds/", "round_published", R(IN)),
    api("POST", "/rating-rounds/", None, R(403, **SIGN_IN, **staffs(201)), outside=403,
        body=lambda r: {"estate": r.estate, "period_start": "2024-12-01"}),
    api("GET", "/rating-rounds/{id}/", "round_open",
        R(404, committee=200, property_staff=200, **staffs(200)), outside=404),
    api("POST", "/rating-rounds/{id}/close/", "round_open",
        R(404, **SIGN_IN, committee=403, property_staff=403, **staffs(200)), outside=404),
    api("POST", "/rating-rounds/{id}/publish/", "round_closed",
        R(404, **SIGN_IN, committee=403, property_staff=403, **staffs(200)), outside=404),
    api("POST", "/rating-rounds/{id}/reopen/", "round_closed",
        R(404, **SIGN_IN, committee=403, property_staff=403, **staffs(200)), outside=404),
    api("GET", "/rating-rounds/{id}/scores/", "round_open",
        R(404, committee=200, property_staff=200, **staffs(200)), outside=404),
    api("POST", "/rating-rounds/{id}/scores/", "round_open",
        R(404, **SIGN_IN, committee=201, property_staff=403, **staffs(403)), outside=404,
        body=lambda r: {"scores": scores(80), "comment": "良好"}),
    api("PUT", "/rating-rounds/{id}/scores/", "round_open",
        R(404, **SIGN_IN, committee=201, property_staff=403, **staffs(403)), outside=404,
        body=lambda r: {"scores": scores(70), "comment": "一般"}),
    api("GET", "/rating-rounds/criteria/", None, R(200)),
    api("GET", "/rating-rounds/ranking/", None, R(200), query=lambda r: {"street": r.street}),
    api("GET", "/rating-rounds/trend/", None, R(200), query=lambda r: {"estate": r.estate}),
    # -------------------------------------------------------------------------- requests
    # Seen by the resident who asked, the estate's staff, its committee and its property company.
    api("GET", "/requests/", "request_submitted",
        R(OUT, resident=IN, committee=IN, property_staff=IN, **staffs(IN)), outside=OUT),
    # Filed for the resident: by the resident, or by staff on their behalf.
    api("POST", "/requests/", None, R(403, **SIGN_IN, resident=201, **staffs(201)), outside=403,
        body=lambda r: {"estate": r.estate, "category": "plumbing", "place_kind": "public", "public_place": "3号楼前",
                        "description": "路灯不亮了", "on_behalf_of": r.resident}),
    api("GET", "/requests/{id}/", "request_submitted",
        R(404, resident=200, committee=200, property_staff=200, **staffs(200)), outside=404),
    api("POST", "/requests/{id}/accept/", "request_submitted",
        R(404, **SIGN_IN, resident=403, committee=403, property_staff=200, **staffs(403)), outside=404,
        body=lambda r: {"due_at": "2025-03-06T18:00:00+08:00"}),
    api("POST", "/requests/{id}/approve-payment/", "request_awaiting_payment",
        R(404, **SIGN_IN, resident=403, committee=200, property_staff=403, **staffs(403)), outside=404,
        body=lambda r: {"note": "同意"}),
    api("POST", "/requests/{id}/confirm/", "request_resolved",
        R(404, **SIGN_IN, resident=200, committee=403, property_staff=403, **staffs(403)), outside=404,
        body=lambda r: {"rating": 5, "comment": "满意"}),
    # The resident may escalate only a late request (409 now); staff at any time.
    api("POST", "/requests/{id}/escalate/", "request_submitted",
        R(404, **SIGN_IN, resident=409, committee=403, property_staff=403, **staffs(200)), outside=404,
        body=lambda r: {"note": "请社区督办"}),
    api("GET", "/requests/{id}/photos/", "request_submitted",
        R(404, resident=200, committee=200, property_staff=200, **staffs(200)), outside=404),
    api("POST", "/requests/{id}/photos/", "request_submitted",
        R(404, **SIGN_IN, resident=201, committee=403, property_staff=201, **staffs(201)), outside=404,
        body=lambda r: {"image": photo_file()}, multipart=True),
    api("POST", "/requests/{id}/quote/", "request_accepted",
        R(404, **SIGN_IN, resident=403, committee=403, property_staff=200, **staffs(403)), outside=404,
        body=lambda r: {"amount": "350.00", "note": "更换管道"}),
    api("POST", "/requests/{id}/reject/", "request_submitted",
        R(404, **SIGN_IN, resident=403, committee=403, property_staff=200, **staffs(200)), outside=404,
        body=lambda r: {"reason": "重复提交"}),
    api("POST", "/requests/{id}/reject-payment/", "request_awaiting_payment",
        R(404, **SIGN_IN, resident=403, committee=200, property_staff=403, **staffs(403)), outside=404,
        body=lambda r: {"note": "价格偏高"}),
    api("POST", "/requests/{id}/reopen/", "request_resolved",
        R(404, **SIGN_IN, resident=200, committee=403, property_staff=403, **staffs(403)), outside=404,
        body=lambda r: {"reason": "又漏水了"}),
    api("POST", "/requests/{id}/resolve/", "request_in_progress",
        R(404, **SIGN_IN, resident=403, committee=403, property_staff=200, **staffs(403)), outside=404,
        body=lambda r: {"note": "已疏通"}),
    api("POST", "/requests/{id}/route/", "request_submitted",
        R(404, **SIGN_IN, resident=403, committee=403, property_staff=200, **staffs(200)), outside=404,
        body=lambda r: {"note": "需社区协调"}),
    # Once a company took it, only that company works on it (not the community's staff).
    api("POST", "/requests/{id}/start/", "request_accepted",
        R(404, **SIGN_IN, resident=403, committee=403, property_staff=200, **staffs(403)), outside=404,
        body=lambda r: {"note": "上门维修"}),
    api("GET", "/requests/{id}/timeline/", "request_submitted",
        R(404, resident=200, committee=200, property_staff=200, **staffs(200)), outside=404),
    api("POST", "/requests/{id}/withdraw/", "request_submitted",
        R(404, **SIGN_IN, resident=200, committee=403, property_staff=403, **staffs(403)), outside=404,
        body=lambda r: {"note": "已自行解决"}),
    api("GET", "/requests/categories/", None, R(200)),
    # Staff (of any community: they export what they see), property staff and committee members.
    api("GET", "/requests/export/", None,
        R(403, **SIGN_IN, committee=200, property_staff=200, outsider=200, **staffs(200))),
    api("GET", "/requests/figures/", None, R(200), query=lambda r: {"estate": r.estate}),
    api("GET", "/requests/money/", None, R(200), query=lambda r: {"estate": r.estate}),
]

# Pages: the public ones answer everyone; a signed-in page sends the public to sign in (302);
# a page the persona has no business on is a 404, as is an object outside their scope.
SIGNED_IN_PAGE = {"anonymous": 302}

PAGES = [
    page("/", None, R(200)),
    page("/estates/", None, R(200)),
    page("/estates/{pk}/", "estate", R(200), outside=200),
    page("/registry/", None, R(404, **SIGNED_IN_PAGE, outsider=200, **staffs(200))),
    page("/registry/estates/{pk}/", "estate", R(404, **SIGNED_IN_PAGE, **staffs(200)), outside=404),
    page("/registry/estates/{pk}/import/", "estate", R(404, **SIGNED_IN_PAGE, **staffs(200)), outside=404),
    page("/projects/", None, R(200)),
    page("/projects/new/", None, R(404, **SIGNED_IN_PAGE, outsider=200, **staffs(200))),
    page("/projects/{pk}/", "road", R(200), outside=200),
    page("/projects/{pk}/edit/", "road", R(404, **SIGNED_IN_PAGE, **staffs(200)), outside=404),
    page("/projects/{pk}/print/", "road", R(200), outside=200),
    page("/requests/", None, R(200, **SIGNED_IN_PAGE)),
    page("/requests/new/", None, R(404, **SIGNED_IN_PAGE, resident=200, neighbour=200, outsider=200, **staffs(200))),
    page("/requests/queue/", None, R(404, **SIGNED_IN_PAGE, property_staff=200)),
    page("/requests/approvals/", None, R(404, **SIGNED_IN_PAGE, committee=200)),
    page("/requests/overview/", None, R(404, **SIGNED_IN_PAGE, outsider=200, **staffs(200))),
    page("/requests/{pk}/", "request_submitted",
         R(404, **SIGNED_IN_PAGE, resident=200, committee=200, property_staff=200, **staffs(200)), outside=404),
    page("/disputes/", None, R(200, **SIGNED_IN_PAGE)),
    page("/disputes/new/", None,
         R(404, **SIGNED_IN_PAGE, resident=200, neighbour=200, mediator=200, outsider=200, **staffs(200))),
    page("/disputes/{pk}/", "dispute",
         R(404, **SIGNED_IN_PAGE, resident=200, neighbour=200, mediator=200, **staffs(200)), outside=404),
    page("/notices/", None, R(200)),
    page("/notices/new/", None, R(404, **SIGNED_IN_PAGE, outsider=200, **staffs(200))),
    page("/notices/{pk}/", "notice_draft", R(404, **staffs(200)), outside=404),
    page("/notices/{pk}/", "notice_published", R(200), outside=200),
    page("/notices/{pk}/edit/", "notice_draft", R(404, **SIGNED_IN_PAGE, **staffs(200)), outside=404),
    # A committee member lands on the scoring page; staff are sent on to run the rounds, everyone
    # else to the public grades.
    page("/ratings/", None, R(302, committee=200)),
    page("/ratings/manage/", None, R(404, **SIGNED_IN_PAGE, outsider=200, **staffs(200))),
    page("/ratings/companies/", None, R(200)),
    page("/meetings/", None, R(200)),
    page("/meetings/new/", None, R(404, **SIGNED_IN_PAGE, outsider=200, **staffs(200))),
    # The personal calendar feed is reached by its secret address alone.
    page("/meetings/feed/{token}.ics", "feed", R(200)),
    page("/meetings/{pk}/", "meeting_scheduled", R(404, resident=200, committee=200, **staffs(200)), outside=404),
    # A meeting with published minutes sends those who do not take part to the minutes.
    page("/meetings/{pk}/", "meeting_published", R(302, resident=200, committee=200, **staffs(200))),
    page("/meetings/{pk}/run/", "meeting_scheduled", R(404, **SIGNED_IN_PAGE, **staffs(200)), outside=404),
    page("/meetings/{pk}/minutes/", "meeting_scheduled",
         R(404, resident=200, committee=200, **staffs(200)), outside=404),
    page("/meetings/{pk}/minutes/", "meeting_published", R(200)),
    page("/notifications/", None, R(200, **SIGNED_IN_PAGE)),
    page("/notifications/preferences/", None, R(200, **SIGNED_IN_PAGE)),
    page("/accounts/privacy/", None, R(200, **SIGNED_IN_PAGE)),
    # Pages of config/urls.py that belong to no app: signing in, and the admin for superusers.
    page("/accounts/login/", None, R(302, anonymous=200)),
    page("/accounts/register/", None, R(302, anonymous=200)),
    page("/privacy/", None, R(200)),
    page("/admin/", None, R(302, superuser=200)),
]
# fmt: on
EXTRA_PAGES = {"/accounts/login/", "/accounts/register/", "/accounts/privacy/", "/privacy/", "/admin/"}

TABLE = API + PAGES

# Cells where the code's answer differs from what DESIGN.md implies and the code is not surely
# right: they fail today, on purpose, and are reported. (method, path, role) -> the finding.
FINDINGS: dict[tuple[str, str, str], str] = {}


def cases(rows: list[Row]) -> list[Any]:
    """One test per row and role, the known findings marked as strict xfails."""
    params = []
    for row in rows:
        for role in ROLES:
            finding = FINDINGS.get((row.method, row.path, role))
            marks = [pytest.mark.xfail(strict=True, reason=finding)] if finding else []
            params.append(pytest.param(row, role, id=f"{row.label} as {role}", marks=marks))
    return params


# ------------------------------------------------------------------------------ the requests


def _client(row: Row, role: str, world: MatrixWorld) -> Any:
    if row.page:
        client = Client()
        if role != "anonymous":
            client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
        return client
    user = world.user(role)
    client = APIClient()
    if user is not None:
        client.force_authenticate(user=user)
    return client


def _send(client: Any, row: Row, side: Side) -> Any:
    values = dict(side.targets[row.target]) if row.target else {}
    values.setdefault("pk", values.get("id"))
    path = row.path.format(**values)
    if row.method == "GET":
        return client.get(path, row.query(side.refs) if row.query else None)
    method = getattr(client, row.method.lower())
    if row.page:
        return method(path)
    body = row.body(side.refs) if row.body else {}
    return method(path, body, format="multipart" if row.multipart else "json")


def _listed(response: Any) -> set[int]:
    data = response.json()
    rows = data["results"] if isinstance(data, dict) else data
    return {item["id"] for item in rows}


def _check(response: Any, answer: Answer, row: Row, side: Side, where: str) -> None:
    content = b"<stream>" if getattr(response, "streaming", False) else response.content[:300]
    detail = f"{row.label} on the {where} object: {response.status_code} {content!r}"
    if answer in (IN, OUT):
        assert response.status_code == 200, detail
        object_id = side.targets[row.target]["id"]
        assert (object_id in _listed(response)) == (answer == IN), f"expected {answer}: {detail}"
    else:
        assert response.status_code == answer, f"expected {answer}: {detail}"


def _outside_answer(row: Row, role: str) -> Answer | None:
    """What the role gets on the twin object of 体委小区, if it is asked."""
    if row.outside is None:
        return None
    if role in INSIDERS:
        return row.outside
    if role == "anonymous":
        # The public has no scope anywhere: the twin answers as the object does, and a list that
        # the public reads shows the twin as the table's `outside` says.
        inside = row.expect[role]
        return row.outside if inside in (IN, OUT) else inside
    return None


def check_access(row: Row, role: str, world: MatrixWorld) -> None:
    """Ask as the role about the object of 蕴园小区, then (where the table says) its twin of 体委小区."""
    client = _client(row, role, world)
    response = _send(client, row, world.inside)
    _check(response, row.expect[role], row, world.inside, "inside")
    outside = _outside_answer(row, role)
    if outside is not None:
        needs_own_request = "{" in row.path or row.body is not None or row.query is not None
        if needs_own_request:
            response = _send(client, row, world.outside)
        _check(response, outside, row, world.outside, "outside")


# The pages' tests are in test_access_pages.py, a file of their own so that pytest-xdist
# (--dist loadfile) runs them beside these.
@pytest.mark.parametrize(("row", "role"), cases(API))
def test_api_access(row: Row, role: str, matrix_world: MatrixWorld, db: None) -> None:
    check_access(row, role, matrix_world)


# ------------------------------------------------------------------------------ the meta-tests


def _schema_operations() -> set[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    methods = {"get", "post", "put", "patch", "delete"}
    return {(method.upper(), path) for path, item in schema["paths"].items() for method in item if method in methods}


def _page_paths() -> set[str]:
    """Every URL pattern of the three apps, as mounted by config/urls.py, with {placeholders}."""
    found: set[str] = set()

    def walk(patterns: list[Any], prefix: str, inside_app: bool) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route, inside_app or pattern.app_name in APPS_WITH_PAGES)
            elif isinstance(pattern, URLPattern) and inside_app:
                found.add("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route))

    walk(get_resolver().url_patterns, "", False)
    return found


def test_every_operation_of_the_schema_has_a_row() -> None:
    operations = _schema_operations()
    rows = {(row.method, row.path) for row in API}
    missing = sorted(operations - rows)
    assert not missing, "operations without a row in the access table:\n" + "\n".join(map(" ".join, missing))
    stale = sorted(rows - operations)
    assert not stale, "rows for operations the schema does not have:\n" + "\n".join(map(" ".join, stale))


def test_every_page_has_a_row() -> None:
    pages = _page_paths()
    assert len(pages) > 30  # the walk found the apps' patterns
    rows = {row.path for row in PAGES}
    missing = sorted(pages - rows)
    assert not missing, "pages without a row in the access table:\n" + "\n".join(missing)
    stale = sorted(rows - pages - EXTRA_PAGES)
    assert not stale, "rows for pages that do not exist:\n" + "\n".join(stale)


def test_every_row_answers_for_every_role_and_names_its_objects() -> None:
    for row in TABLE:
        assert set(row.expect) == set(ROLES), row.label
        lists = {IN, OUT} & {*row.expect.values(), row.outside}
        assert not lists or row.target, f"{row.label}: list membership needs a target"
        assert ("{" not in row.path) or row.target, f"{row.label}: placeholders need a target"
