"""The demo loader: the report's three estates, the demo users of DESIGN §6 and their scopes."""

from __future__ import annotations

import re
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from estates import demo
from estates.auth import HuanxinBackend
from estates.models import Building, Estate, Household, Membership, Organisation, User, phone_validator

LOGINS = ["admin", "staff", "staff2", "resident", "resident2", "committee", "property", "mediator"]


@pytest.fixture
def loaded(db: Any, settings: Any) -> demo.DemoSummary:
    settings.DEBUG = True
    return demo.load_demo()


def _household(estate: str, building: str, unit: str, room: str) -> Household:
    return Household.objects.get(
        unit__building__estate__name=estate, unit__building__name=building, unit__name=unit, room=room
    )


def _load(**options: Any) -> str:
    out = StringIO()
    call_command("load_demo", stdout=out, **options)
    return out.getvalue()


def test_demo_places_the_three_estates_in_their_communities_and_streets(loaded: Any) -> None:
    rows = {
        (
            e.community.street.district.city,
            e.community.street.district.name,
            e.community.street.name,
            e.community.name,
            e.name,
            e.management_mode,
        )
        for e in Estate.objects.select_related("community__street__district")
    }
    assert rows == {
        ("阳泉市", "城区", "上站街道", "小阳泉北社区", "蕴园小区", "property_company"),
        ("阳泉市", "城区", "北大街街道", "中心广场社区", "体委小区", "self_managed"),
        ("阳泉市", "城区", "南山路街道", "南山南路社区", "佳融花园小区", "property_company"),
    }
    assert all(estate.description for estate in Estate.objects.all())


def test_each_organisation_serves_one_estate_of_its_own_community(loaded: Any) -> None:
    organisations = Organisation.objects.select_related("community").prefetch_related("estates__community")
    kinds: dict[str, set[str]] = {}
    for organisation in organisations:
        (estate,) = organisation.estates.all()
        assert estate.community == organisation.community
        kinds.setdefault(estate.name, set()).add(organisation.kind)
    assert kinds == {
        "蕴园小区": {"owners_committee", "property_company", "party_branch", "mediation_team", "property_rights_unit"},
        "体委小区": {"management_committee", "party_branch", "property_rights_unit"},
        "佳融花园小区": {"property_company", "developer", "contractor"},
    }
    assert Organisation.objects.get(kind="developer").name == "阳泉市万通天鸿房地产开发有限公司"
    assert Organisation.objects.get(kind="property_rights_unit", estates__name="体委小区").name == "阳泉市体育运动学校"


def test_tiwei_management_committee_has_a_director_and_eight_members(loaded: Any) -> None:
    positions = sorted(
        Membership.objects.filter(organisation__name="体委小区居民物管会", role="committee_member").values_list(
            "position", flat=True
        )
    )
    assert positions == ["主任"] + ["委员"] * 8


def test_buildings_and_households_follow_each_estates_grid(loaded: Any) -> None:
    counts = {e.name: (e.building_count, e.household_count) for e in Estate.objects.with_counts()}
    assert counts == {"蕴园小区": (6, 216), "体委小区": (4, 80), "佳融花园小区": (5, 120)}
    lifts = set(Building.objects.filter(has_lift=True).values_list("estate__name", "name"))
    assert lifts == {("蕴园小区", "1号楼"), ("蕴园小区", "3号楼")}
    rooms = set(Household.objects.filter(unit__building__estate__name="蕴园小区").values_list("room", flat=True))
    assert rooms == {f"{floor}0{flat}" for floor in range(1, 7) for flat in (1, 2)}
    areas = list(Household.objects.values_list("floor_area", flat=True))
    assert all(Decimal("50") <= area <= Decimal("110") for area in areas)
    assert len(set(areas)) > 20


def test_demo_users_hold_the_roles_of_design_6(loaded: Any) -> None:
    roles = {
        (m.user.username, m.role, str(m.scope_object), m.position)
        for m in Membership.objects.filter(user__username__in=LOGINS).select_related(
            "user", "district", "community", "household__unit__building", "organisation"
        )
    }
    assert roles == {
        ("admin", "district_admin", "城区", ""),
        ("staff", "community_staff", "小阳泉北社区", ""),
        ("staff2", "community_staff", "中心广场社区", ""),
        ("resident", "resident", "3号楼3单元502", ""),
        ("resident2", "resident", "3号楼1单元301", ""),
        ("committee", "committee_member", "蕴园小区业主委员会", "委员"),
        ("committee", "resident", "2号楼1单元401", ""),
        ("property", "property_staff", "阳泉市恒安物业服务有限公司", "物业管家"),
        ("mediator", "mediator", "蕴园小区居民纠纷化解队", "队员"),
        ("mediator", "resident", "5号楼2单元201", ""),
    }
    resident_home = Membership.objects.get(user__username="resident").household
    assert resident_home == _household("蕴园小区", "3号楼", "3单元", "502")
    resident2_home = Membership.objects.get(user__username="resident2").household
    assert resident2_home.unit.building.estate.name == "佳融花园小区"
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert not User.objects.exclude(username="admin").filter(is_staff=True).exists()
    assert [p.username for p, _login in loaded.logins] == LOGINS


def test_every_demo_person_is_a_demo_account_with_an_invented_name_and_a_valid_phone(loaded: Any) -> None:
    people = list(User.objects.all())
    assert len(people) == loaded.people == len(demo.PEOPLE)
    article_names = {"马会福", "闫振杰", "毕朝晖", "仇僚元", "蔡玉清", "李飞", "顾超", "张泽慧", "吴琦"}
    for person in people:
        assert person.is_demo
        assert person.full_name and person.full_name not in article_names
        phone_validator(person.phone)
        assert person.has_usable_password() == (person.username in LOGINS)


def test_staff2_gets_404_for_a_yunyuan_household(loaded: Any, api_as: Any) -> None:
    staff2 = User.objects.get(username="staff2")
    household = _household("蕴园小区", "3号楼", "3单元", "502")
    assert api_as(staff2).get(f"/api/v1/households/{household.pk}/").status_code == 404
    tiwei = _household("体委小区", "1号楼", "1单元", "101")
    assert api_as(staff2).get(f"/api/v1/households/{tiwei.pk}/").status_code == 200


def test_resident_lists_only_their_own_household(loaded: Any, api_as: Any, django_assert_num_queries: Any) -> None:
    resident = User.objects.get(username="resident")
    client = api_as(resident)
    # the resident's memberships (scope); count; the page; its residents (prefetch)
    with django_assert_num_queries(4):
        response = client.get("/api/v1/households/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert [h["label"] for h in body["results"]] == ["3号楼3单元502"]
    assert body["results"][0]["estate_name"] == "蕴园小区"


def test_committee_sees_other_peoples_phone_numbers_masked(loaded: Any, api_as: Any) -> None:
    committee = User.objects.get(username="committee")
    household = _household("蕴园小区", "3号楼", "3单元", "502")
    response = api_as(committee).get(f"/api/v1/households/{household.pk}/")
    assert response.status_code == 200
    (person,) = response.json()["residents"]
    assert person["name"] == "梁秀英"
    assert re.fullmatch(r"139\*{4}1234", person["phone"])


def test_staff_sees_residents_phone_numbers_whole(loaded: Any, api_as: Any) -> None:
    staff = User.objects.get(username="staff")
    household = _household("蕴园小区", "3号楼", "3单元", "502")
    response = api_as(staff).get(f"/api/v1/households/{household.pk}/")
    assert response.json()["residents"][0]["phone"] == "13935301234"


def test_loading_twice_changes_nothing(db: Any, settings: Any) -> None:
    settings.DEBUG = True
    _load()
    models = list(apps.get_app_config("estates").get_models(include_auto_created=True))
    counts = {model.__name__: model._default_manager.count() for model in models}
    passwords = dict(User.objects.values_list("username", "password"))
    updated = {
        model.__name__: list(model.objects.order_by("pk").values_list("updated_at", flat=True))
        for model in (Estate, Household)
    }
    _load()
    assert {model.__name__: model._default_manager.count() for model in models} == counts
    assert dict(User.objects.values_list("username", "password")) == passwords
    assert {
        model.__name__: list(model.objects.order_by("pk").values_list("updated_at", flat=True))
        for model in (Estate, Household)
    } == updated
    assert counts["Household"] == 416
    assert authenticate(request=RequestFactory().post("/"), username="resident", password="huanxin-demo")


def test_loading_repairs_a_changed_demo_password(loaded: Any) -> None:
    staff = User.objects.get(username="staff")
    staff.set_password("something-else")
    staff.save()
    demo.load_demo()
    staff.refresh_from_db()
    assert staff.check_password("huanxin-demo")


def test_load_demo_refuses_while_debug_is_off(db: Any, settings: Any) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        _load()
    assert not Estate.objects.exists()
    assert not User.objects.exists()


def test_load_demo_with_force_loads_while_debug_is_off_and_warns_logins_are_off(db: Any, settings: Any) -> None:
    settings.DEBUG = False
    settings.DEMO_LOGINS_ENABLED = False
    output = _load(force=True)
    assert Estate.objects.count() == 3
    assert "DEMO_LOGINS_ENABLED" in output


def test_load_demo_prints_a_login_for_every_role(db: Any, settings: Any) -> None:
    settings.DEBUG = True
    settings.DEMO_LOGINS_ENABLED = True
    output = _load()
    lines = output.splitlines()
    for username in LOGINS:
        assert len([line for line in lines if re.search(rf"\s{username}\s+huanxin-demo\s", line)]) == 1
    assert "http://127.0.0.1:8000/" in output
    assert "DEMO_LOGINS_ENABLED" not in output
    for role in ("城区管理员", "社区工作人员", "居民", "业委会委员", "物业人员", "纠纷化解队队员"):
        assert role in output


def test_demo_leaves_a_real_account_of_the_same_name_alone(db: Any, settings: Any) -> None:
    settings.DEBUG = True
    real = User.objects.create_user(username="admin", password="real-secret")
    with pytest.raises(CommandError, match="admin"):
        _load()
    real.refresh_from_db()
    assert real.check_password("real-secret")
    assert not real.is_demo
    assert not Estate.objects.exists()


def test_demo_logins_are_refused_while_demo_logins_are_disabled(loaded: Any, settings: Any) -> None:
    settings.DEMO_LOGINS_ENABLED = False
    request = RequestFactory().post("/")
    assert authenticate(request=request, username="staff", password="huanxin-demo") is None
    assert HuanxinBackend().authenticate(request, username="staff", password="huanxin-demo") is None


def test_demo_logins_work_while_demo_logins_are_enabled(loaded: Any, settings: Any) -> None:
    settings.DEMO_LOGINS_ENABLED = True
    request = RequestFactory().post("/")
    for username in LOGINS:
        user = authenticate(request=request, username=username, password="huanxin-demo")
        assert user is not None and user.username == username


def test_loading_the_demo_takes_a_bounded_number_of_queries(
    db: Any, settings: Any, django_assert_max_num_queries: Any
) -> None:
    settings.DEBUG = True
    # About 350: bulk writes for the 416 households; a get_or_create per place, organisation,
    # person and role. A query per household would pass 700.
    with django_assert_max_num_queries(400):
        demo.load_demo()
