"""The demo: the three estates of the Yangquan report (DESIGN §1, §5) and the demo users (§6).

The places, estates and organisations are the report's (`reference/yangquan-estates-article.txt`);
buildings, households, person names and phone numbers are invented — never the names of the
people in the report. Every row is looked up by its natural key before it is written, so
loading the demo twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple, TypeVar

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import models, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import services
from .errors import Conflict, NotAllowed
from .models import (
    SCOPE_OF_ROLE,
    Building,
    Community,
    District,
    Estate,
    Household,
    Organisation,
    Street,
    Unit,
    User,
)
from .privacy import record_consents

DEMO_PASSWORD = "huanxin-demo"
DEMO_URL = "http://127.0.0.1:8000/"
CITY = "阳泉市"
DISTRICT = "城区"

Mode = Estate.ManagementMode
Kind = Organisation.Kind


@dataclass(frozen=True)
class EstateData:
    """An estate and the grid of its buildings: every building has `units` stairwells of
    `floors` floors with `flats` flats a floor (rooms 101, 102, …)."""

    street: str
    community: str
    name: str
    address: str
    management_mode: str
    description: str
    buildings: int
    units: int
    floors: int
    flats: int
    lift_buildings: tuple[str, ...] = ()


ESTATES: tuple[EstateData, ...] = (
    EstateData(
        street="上站街道",
        community="小阳泉北社区",
        name="蕴园小区",
        address="阳泉市城区上站街道小阳泉北社区",
        management_mode=Mode.PROPERTY_COMPANY,
        description=(
            "蕴园小区位于市中心，曾是典型的“三无”老旧小区；小阳泉北社区党委统筹联动居委会、业委会、"
            "物业公司和产权单位，集中治理居民关注的民生问题。"
            "3号楼3单元加装的第一部电梯于2021年6月启用，1号楼的电梯于2024年初启用，"
            "小区同步拓宽道路、规划停车位、提升绿化和安防设施。"
            "小区按“居民点单、物业接单、业委会买单”的模式服务，由业主代表评定物业服务等次；"
            "居民纠纷化解队会同小区党支部、业委会、物业公司负责人每月召开联席会议。"
        ),
        buildings=6,
        units=3,
        floors=6,
        flats=2,
        # The report: the first lift (3号楼3单元) in June 2021, the second (1号楼) "last year".
        lift_buildings=("1号楼", "3号楼"),
    ),
    EstateData(
        # The report does not name the street of 中心广场社区; 北大街街道 is our assumption.
        street="北大街街道",
        community="中心广场社区",
        name="体委小区",
        address="阳泉市城区城市广场西巷",
        management_mode=Mode.SELF_MANAGED,
        description=(
            "体委小区位于城市广场西巷，产权单位为市体育运动学校，楼院曾由市体校退休干部和居民志愿者义务维护，"
            "后一度处于无人管理状态。"
            "2018年5月，由中心广场社区出面协调、市体校牵头，9名热心居民组成居民物管会，"
            "停车位从20个扩展到60个，车主出资安装了蓝牙升降杆。"
            "小区依托社区“三事四协商”机制（邻里来说事、社区来听事、共同来解事；议事、联动、听证、专业协商）"
            "开展自治，并建立了体委小区党群服务站。"
        ),
        buildings=4,
        units=2,
        floors=5,
        flats=2,
    ),
    EstateData(
        street="南山路街道",
        community="南山南路社区",
        name="佳融花园小区",
        address="阳泉市城区南山路街道，阳泉市第三人民医院附近",
        # The report does not say who manages the estate; a property company is our assumption.
        management_mode=Mode.PROPERTY_COMPANY,
        description=(
            "佳融花园小区地处阳泉市第三人民医院附近，归南山路街道南山南路社区管辖。"
            # "今年" in a report of November 2025 (its "last year" is 2024, DESIGN §1).
            "2025年1月30日3号楼出现污水外渗后，社区在热心居民和开发商阳泉市万通天鸿房地产开发有限公司的支持下"
            "筹集资金，更换老旧管道、增设污水井，并与居民代表商议后硬化了破损路面。"
            "此后小区划定停车线、消除枯树隐患，2025年9月安装了太阳能路灯和直饮水机。"
        ),
        buildings=5,
        units=2,
        floors=6,
        flats=2,
    ),
)


@dataclass(frozen=True)
class OrganisationData:
    estate: str
    kind: str
    name: str
    description: str = ""
    founded_on: date | None = None


INVENTED = "（名称为演示虚构）"

ORGANISATIONS: tuple[OrganisationData, ...] = (
    OrganisationData(
        "蕴园小区",
        Kind.OWNERS_COMMITTEE,
        "蕴园小区业主委员会",
        "与物业公司为居民提供定制化服务，按“居民点单、物业接单、业委会买单”的模式运行。",
    ),
    OrganisationData(
        "蕴园小区", Kind.PROPERTY_COMPANY, "阳泉市恒安物业服务有限公司", "蕴园小区的物业服务企业" + INVENTED + "。"
    ),
    OrganisationData(
        "蕴园小区",
        Kind.PARTY_BRANCH,
        "蕴园小区党支部",
        "会同业委会、物业公司负责人和居民纠纷化解队每月召开联席会议。",
    ),
    OrganisationData(
        "蕴园小区",
        Kind.MEDIATION_TEAM,
        "蕴园小区居民纠纷化解队",
        "由社区干部、小区居民、在职党员组建，每月参加联席会议，听诉求、解心结，化解居民矛盾纠纷。",
    ),
    OrganisationData(
        "蕴园小区", Kind.PROPERTY_RIGHTS_UNIT, "蕴园小区产权单位", "报道未写明产权单位的名称，此处为演示泛称。"
    ),
    OrganisationData(
        "体委小区",
        Kind.MANAGEMENT_COMMITTEE,
        "体委小区居民物管会",
        "2018年5月由中心广场社区出面协调、市体校牵头成立，由9名热心居民组成。",
        # The report gives the month only.
        founded_on=date(2018, 5, 1),
    ),
    OrganisationData(
        "体委小区",
        Kind.PARTY_BRANCH,
        "体委小区党群服务站",
        "由物管会党小组、楼栋党小组和党员中心户共同建立，组织党员在小区开展服务活动。",
    ),
    OrganisationData(
        "体委小区", Kind.PROPERTY_RIGHTS_UNIT, "阳泉市体育运动学校", "体委小区的产权单位，牵头成立居民物管会。"
    ),
    OrganisationData(
        "佳融花园小区",
        Kind.PROPERTY_COMPANY,
        "阳泉市佳和物业服务有限公司",
        "佳融花园小区的物业服务企业" + INVENTED + "。",
    ),
    OrganisationData(
        "佳融花园小区",
        Kind.DEVELOPER,
        "阳泉市万通天鸿房地产开发有限公司",
        "佳融花园小区的开发商，协助社区筹集了污水管道检修资金。",
    ),
    OrganisationData(
        "佳融花园小区",
        Kind.CONTRACTOR,
        "阳泉市路通市政工程施工队",
        "受南山南路社区邀请勘测并改造小区破损路面" + INVENTED + "。",
    ),
)


class Home(NamedTuple):
    estate: str
    building: str
    unit: str
    room: str


@dataclass(frozen=True)
class RoleData:
    """A role to grant: `scope` names a district, a community or an organisation, or is a Home."""

    role: str
    scope: str | Home
    position: str = ""
    is_owner: bool = False


@dataclass(frozen=True)
class Login:
    """What the login table says about a demo account."""

    role_zh: str
    role_en: str
    can: str | Promise


@dataclass(frozen=True)
class PersonData:
    username: str
    full_name: str
    phone: str
    roles: tuple[RoleData, ...]
    login: Login | None = None  # None: the person has no usable password
    is_superuser: bool = False


def _lives(home: Home, *, owner: bool = True) -> RoleData:
    return RoleData("resident", home, is_owner=owner)


YUNYUAN_COMMITTEE = "蕴园小区业主委员会"
TIWEI_COMMITTEE = "体委小区居民物管会"

PEOPLE: tuple[PersonData, ...] = (
    # The logins of DESIGN §6, admin first: the others' roles are granted by it.
    PersonData(
        "admin",
        "韩立诚",
        "13935301268",
        (RoleData("district_admin", DISTRICT),),
        Login(
            "城区管理员", "District admin", gettext_lazy("Everything in every community; the Django admin at /admin/.")
        ),
        is_superuser=True,
    ),
    PersonData(
        "staff",
        "郭晓燕",
        "13935302417",
        (RoleData("community_staff", "小阳泉北社区"),),
        Login(
            "社区工作人员",
            "Community staff",
            gettext_lazy("Runs 小阳泉北社区 and 蕴园小区: registry, households, residents' phone numbers."),
        ),
    ),
    PersonData(
        "staff2",
        "任建平",
        "13935307359",
        (RoleData("community_staff", "中心广场社区"),),
        Login(
            "社区工作人员",
            "Community staff",
            gettext_lazy("Runs 中心广场社区 and 体委小区; sees nothing private of 蕴园小区."),
        ),
    ),
    PersonData(
        "resident",
        "梁秀英",
        "13935301234",
        (_lives(Home("蕴园小区", "3号楼", "3单元", "502")),),
        Login("居民", "Resident", gettext_lazy("Owner of 蕴园小区 3号楼3单元502: sees their own household only.")),
    ),
    PersonData(
        "resident2",
        "贾文斌",
        "13935308862",
        (_lives(Home("佳融花园小区", "3号楼", "1单元", "301")),),
        Login("居民", "Resident", gettext_lazy("Owner of 佳融花园小区 3号楼1单元301: sees their own household only.")),
    ),
    PersonData(
        "committee",
        "杜玉兰",
        "13935304630",
        (
            RoleData("committee_member", YUNYUAN_COMMITTEE, position="委员"),
            _lives(Home("蕴园小区", "2号楼", "1单元", "401")),
        ),
        Login(
            "业委会委员",
            "Owners' committee member",
            gettext_lazy("蕴园小区 owners' committee: sees the estate's households, other people's phones masked."),
        ),
    ),
    PersonData(
        "property",
        "冯磊",
        "13935306195",
        (RoleData("property_staff", "阳泉市恒安物业服务有限公司", position="物业管家"),),
        Login(
            "物业人员",
            "Property-company staff",
            gettext_lazy("蕴园小区's property company: sees the estate's households, phones masked."),
        ),
    ),
    PersonData(
        "mediator",
        "薛桂芳",
        "13935305083",
        (
            RoleData("mediator", "蕴园小区居民纠纷化解队", position="队员"),
            _lives(Home("蕴园小区", "5号楼", "2单元", "201")),
        ),
        Login(
            "纠纷化解队队员",
            "Dispute mediator",
            gettext_lazy("蕴园小区 dispute-mediation team: sees the estate's households, phones masked."),
        ),
    ),
    # People without a login: neighbours and committee members, so that lists are not empty.
    PersonData(
        "demo-wujianguo",
        "武建国",
        "13703531587",
        (
            RoleData("committee_member", YUNYUAN_COMMITTEE, position="主任"),
            _lives(Home("蕴园小区", "1号楼", "1单元", "602")),
        ),
    ),
    PersonData("demo-linxiaodong", "蔺晓东", "15835302746", (_lives(Home("蕴园小区", "3号楼", "3单元", "501")),)),
    PersonData("demo-caoshufen", "曹淑芬", "18635309021", (_lives(Home("蕴园小区", "1号楼", "2单元", "302")),)),
    PersonData(
        "demo-haoyongming",
        "郝永明",
        "13603532218",
        (
            RoleData("committee_member", TIWEI_COMMITTEE, position="主任"),
            _lives(Home("体委小区", "1号楼", "1单元", "101")),
        ),
    ),
    *(
        PersonData(
            username,
            full_name,
            phone,
            (RoleData("committee_member", TIWEI_COMMITTEE, position="委员"), _lives(home)),
        )
        for username, full_name, phone, home in (
            ("demo-duanshuzhen", "段淑珍", "13503534471", Home("体委小区", "1号楼", "2单元", "302")),
            ("demo-tianguoqing", "田国庆", "13835306632", Home("体委小区", "2号楼", "1单元", "201")),
            ("demo-yanchunmei", "阎春梅", "15903531905", Home("体委小区", "2号楼", "2单元", "402")),
            ("demo-jinhongwei", "靳红卫", "13403537780", Home("体委小区", "3号楼", "1单元", "502")),
            ("demo-zhailiping", "翟丽萍", "18735304418", Home("体委小区", "3号楼", "2单元", "102")),
            ("demo-niujianjun", "牛建军", "13753538256", Home("体委小区", "4号楼", "1单元", "301")),
            ("demo-baiyuqin", "白玉琴", "15135300937", Home("体委小区", "4号楼", "2单元", "202")),
            ("demo-houzhigang", "侯志刚", "13994536624", Home("体委小区", "1号楼", "1单元", "401")),
        )
    ),
    PersonData("demo-peidesheng", "裴德胜", "13835351379", (_lives(Home("佳融花园小区", "1号楼", "1单元", "101")),)),
    PersonData(
        "demo-changhuimin",
        "常慧敏",
        "18235302650",
        (_lives(Home("佳融花园小区", "3号楼", "2单元", "502"), owner=False),),
    ),
    # 佳融花园小区's property company takes the estate's requests (governance.demo).
    PersonData(
        "demo-qinhaitao",
        "秦海涛",
        "13835307214",
        (RoleData("property_staff", "阳泉市佳和物业服务有限公司", position="维修主管"),),
    ),
)


@dataclass
class DemoSummary:
    """What `load_demo` left in the database, for the command to print."""

    estates: int = 0
    buildings: int = 0
    households: int = 0
    organisations: int = 0
    people: int = 0
    logins: list[tuple[PersonData, Login]] = field(default_factory=list)


@transaction.atomic
def load_demo(*, force: bool = False) -> DemoSummary:
    """Create or complete the demo: places, estates, buildings, households, organisations,
    people and their roles. Refused while DEBUG is off (the demo password is public) unless forced."""
    if not settings.DEBUG and not force:
        raise NotAllowed(
            _(
                "DEBUG is off, and every demo account has the public password %(password)s: the demo was not "
                "loaded. Pass --force to load it anyway."
            )
            % {"password": DEMO_PASSWORD}
        )
    district = _upsert(District, {"name": DISTRICT}, {"city": CITY})
    estates: dict[str, Estate] = {}
    communities: dict[str, Community] = {}
    households: dict[Home, Household] = {}
    for data in ESTATES:
        street = _upsert(Street, {"district": district, "name": data.street}, {})
        community = _upsert(Community, {"street": street, "name": data.community}, {})
        estate = _upsert(
            Estate,
            {"community": community, "name": data.name},
            {"address": data.address, "management_mode": data.management_mode, "description": data.description},
        )
        communities[data.community] = community
        estates[data.name] = estate
        for (building, unit, room), household in _load_buildings(estate, data).items():
            households[Home(data.name, building, unit, room)] = household

    organisations: dict[str, Organisation] = {}
    for data in ORGANISATIONS:
        estate = estates[data.estate]
        organisation = _upsert(
            Organisation,
            {"community": estate.community, "kind": data.kind, "name": data.name},
            {"description": data.description, "founded_on": data.founded_on},
        )
        organisation.estates.set([estate])
        organisations[data.name] = organisation

    users = _load_people()
    scopes: dict[str, Callable[[Any], Any]] = {
        "district": lambda name: district,
        "community": communities.__getitem__,
        "organisation": organisations.__getitem__,
        "household": households.__getitem__,
    }
    admin = users["admin"]
    for person in PEOPLE:
        for role in person.roles:
            services.add_membership(
                users[person.username],
                by=admin,
                role=role.role,
                scope=scopes[SCOPE_OF_ROLE[role.role]](role.scope),
                position=role.position,
                is_owner=role.is_owner,
            )
    # As if each had agreed to the privacy notice on joining (the page "my personal data" shows it).
    record_consents(users.values())

    return DemoSummary(
        estates=len(estates),
        buildings=Building.objects.filter(estate__in=estates.values()).count(),
        households=len(households),
        organisations=len(organisations),
        people=len(users),
        logins=[(person, person.login) for person in PEOPLE if person.login],
    )


def floor_area(estate_index: int, building: int, unit: int, flat: int) -> Decimal:
    """A flat's floor area, 50.00–110.00 m²: the same for every floor of a stack, as in a walk-up."""
    seed = estate_index * 131 + building * 37 + unit * 53 + flat * 29
    return Decimal(5000 + (seed * 7919) % 6001) / 100


def _load_buildings(estate: Estate, data: EstateData) -> dict[tuple[str, str, str], Household]:
    """The estate's grid of buildings, units and households; bulk writes, only what is missing."""
    estate_index = next(i for i, e in enumerate(ESTATES) if e.name == data.name)
    building_rows = {
        (f"{b}号楼",): {
            "estate_id": estate.pk,
            "name": f"{b}号楼",
            "floors": data.floors,
            "has_lift": f"{b}号楼" in data.lift_buildings,
        }
        for b in range(1, data.buildings + 1)
    }
    buildings = _sync(Building, building_rows, estate.buildings.all(), lambda o: (o.name,))

    unit_rows = {
        (f"{b}号楼", f"{u}单元"): {"building_id": buildings[(f"{b}号楼",)].pk, "name": f"{u}单元"}
        for b in range(1, data.buildings + 1)
        for u in range(1, data.units + 1)
    }
    units = _sync(
        Unit,
        unit_rows,
        Unit.objects.filter(building__estate=estate).select_related("building"),
        lambda o: (o.building.name, o.name),
    )

    household_rows = {
        (f"{b}号楼", f"{u}单元", f"{floor}{flat:02d}"): {
            "unit_id": units[(f"{b}号楼", f"{u}单元")].pk,
            "room": f"{floor}{flat:02d}",
            "floor": floor,
            "floor_area": floor_area(estate_index, b, u, flat),
        }
        for b in range(1, data.buildings + 1)
        for u in range(1, data.units + 1)
        for floor in range(1, data.floors + 1)
        for flat in range(1, data.flats + 1)
    }
    unit_keys = {unit.pk: key for key, unit in units.items()}
    return _sync(
        Household,
        household_rows,
        Household.objects.filter(unit__building__estate=estate),
        lambda o: (*unit_keys[o.unit_id], o.room),
    )


def _load_people() -> dict[str, User]:
    """The demo's people. Demo logins share one password hash: hashing is slow by design,
    and a password printed on screen gains nothing from a salt of its own."""
    usernames = [person.username for person in PEOPLE]
    existing = {user.username: user for user in User.objects.filter(username__in=usernames)}
    for user in existing.values():
        if not user.is_demo:
            raise Conflict(
                _("A user named %(username)s exists and is not a demo account; the demo leaves it alone.")
                % {"username": user.username}
            )
    hashes = {existing[p.username].password for p in PEOPLE if p.login and p.username in existing}
    shared = next(iter(hashes)) if len(hashes) == 1 else ""
    if not (shared and check_password(DEMO_PASSWORD, shared)):
        shared = make_password(DEMO_PASSWORD)

    users: dict[str, User] = {}
    for person in PEOPLE:
        user = existing.get(person.username) or User(username=person.username)
        fields: dict[str, Any] = {
            "full_name": person.full_name,
            "phone": person.phone,
            "is_demo": True,
            "is_staff": person.is_superuser,
            "is_superuser": person.is_superuser,
        }
        if person.login:
            fields["password"] = shared
        elif user.password == "" or user.has_usable_password():
            fields["password"] = make_password(None)
        changed = _apply(user, fields)
        if user.pk is None:
            user.save()
        elif changed:
            user.save(update_fields=changed)
        users[person.username] = user
    return users


M = TypeVar("M", bound=models.Model)


def _apply(obj: models.Model, fields: dict[str, Any]) -> list[str]:
    changed = []
    for name, value in fields.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


def _upsert(model: type[M], lookup: dict[str, Any], defaults: dict[str, Any]) -> M:
    """get_or_create, then correct the fields that differ — and save only if one did."""
    obj, created = model._default_manager.get_or_create(**lookup, defaults=defaults)
    if not created:
        changed = _apply(obj, defaults)
        if changed:
            if hasattr(obj, "updated_at"):
                changed.append("updated_at")
            obj.save(update_fields=changed)
    return obj


def _sync(
    model: type[M], rows: dict[tuple[str, ...], dict[str, Any]], existing: Iterable[M], key: Callable[[M], tuple]
) -> dict[tuple[str, ...], M]:
    """Make the rows keyed in `rows` exist with those fields: bulk-create the missing ones,
    bulk-update the ones that differ. Returns every row by its key."""
    found = {key(obj): obj for obj in existing}
    changed_fields: set[str] = set()
    changed = []
    for row_key, obj in found.items():
        if row_key in rows:
            names = _apply(obj, rows[row_key])
            if names:
                changed_fields.update(names)
                changed.append(obj)
    if changed:
        model._default_manager.bulk_update(changed, sorted(changed_fields))
    missing = {row_key: model(**fields) for row_key, fields in rows.items() if row_key not in found}
    model._default_manager.bulk_create(missing.values())
    return {**found, **missing}
