"""The demo's renovation projects: what the Yangquan report tells of its three estates (DESIGN §1, §5).

蕴园小区: the lift of 3号楼3单元 (in service June 2021) and the lifts of 1号楼 (start of 2024), road
widening, parking bays, greening, security and a fitness square. 体委小区: parking from 20 to 60 bays,
Bluetooth barriers paid for by the car owners, EV chargers (still being built) and pipe maintenance.
佳融花园小区: the sewage repair after the seepage of 30 January 2025 (money from residents, shops and the
developer), the road resurfaced after a vote, parking lines, dead trees removed, four solar street
lights and a drinking-water machine in September 2025. One project is invented so that the demo has a
vote open: 2号楼1单元加装电梯 in 蕴园小区, where the `committee` login owns a flat and has not voted yet.

Amounts, dates within the months the report gives, contractors' descriptions and the owners of the
lifts' households are invented. Every change goes through `renovations.services`, acting as the
estate's community staff, so that guards, ledger and timeline are the real ones. The services stamp
each timeline entry, ballot and progress update with the moment they run; the demo then moves those
stamps to the day each step happened, because the story happened before the portal existed (the
ledger keeps its `recorded_at`: its rows are append-only, and `occurred_on` carries the day).

Projects are keyed by (estate, title): one that exists is left alone, so loading twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import IO, Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from estates import services as estates_services
from estates.errors import Conflict
from estates.models import Building, Community, Estate, Household, Membership, Organisation, Unit, User

from . import services
from .models import Ballot, InspectionRecord, LedgerEntry, ProgressUpdate, Project, ProjectEvent

Status = Project.Status
Source = LedgerEntry.Source
RECEIPT = LedgerEntry.Kind.RECEIPT
PLEDGE = LedgerEntry.Kind.PLEDGE
EXPENSE = LedgerEntry.Kind.EXPENSE

# ---------------------------------------------------------------- the story's steps


@dataclass(frozen=True)
class Move:
    """A status transition on a day; `override` starts construction before all the money is in."""

    to: str
    on: date
    note: str = ""
    override: str = ""


@dataclass(frozen=True)
class Money:
    """A ledger entry; `party` is the payer of a pledge or receipt, the payee of an expense."""

    kind: str
    on: date
    amount: str
    source: str = ""
    party: str = ""
    note: str = ""


@dataclass(frozen=True)
class Update:
    on: date
    percent: int
    text: str


@dataclass(frozen=True)
class Inspect:
    on: date
    inspectors: str
    note: str = ""


@dataclass(frozen=True)
class Vote:
    """Paper ballots, recorded by staff over `days` days from `on`, for every household of the
    consent scope: `agree` unless listed; `absent` cast nothing; `online` are cast by the
    household's owner instead. Households are named by label, e.g. 3号楼3单元101."""

    on: date
    days: int
    reference: str
    disagree: tuple[str, ...] = ()
    abstain: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    online: tuple[str, ...] = ()


@dataclass(frozen=True)
class CostShares:
    """The households' lift cost shares received, one receipt per household (or per unit),
    a few days apart from `on`."""

    on: date
    per_unit: bool = False


@dataclass(frozen=True)
class Correction:
    """A mistyped receipt found today: reversed, and the right amount recorded. Happens now, so it
    is a project's last step."""

    wrong_amount: str
    note: str
    right: Money


Step = Move | Money | Update | Inspect | Vote | CostShares | Correction


@dataclass(frozen=True)
class ProjectData:
    estate: str
    title: str
    kind: str
    proposed_on: date
    description: str
    budget: str
    steps: tuple[Step, ...]
    planned: tuple[date, date] | None = None
    buildings: tuple[str, ...] = ()
    units: tuple[str, ...] = ()  # "3号楼3单元"
    consent_rule: str = Project.ConsentRule.NONE
    consent_scope: str = Project.ConsentScope.ESTATE
    shared_cost: str | None = None
    contractor: str = ""


# Ground floor pays nothing; each floor up pays more (加装电梯分摊), weighed by floor area.
LIFT_COEFFICIENTS = {"1": "0", "2": "0.2", "3": "0.4", "4": "0.6", "5": "0.8", "6": "1.0"}

YUNYUAN = "蕴园小区"
TIWEI = "体委小区"
JIARONG = "佳融花园小区"
DEVELOPER = "阳泉市万通天鸿房地产开发有限公司"
ROAD_CONTRACTOR = "阳泉市路通市政工程施工队"
DISTRICT_FUND = "城区老旧小区改造专项资金"
HOUSING_BUREAU = "城区住房和城乡建设局"
LIFT_SUPPLIER = "电梯设备供货及安装单位"
STEELWORK = "土建及钢结构施工队"
PIPEWORK = "燃气及给水管线迁改施工队"
SUPERVISION = "工程监理及检测单位"
SIGN_OFF = "社区、业委会、物业公司代表"
D = date
HOUSEHOLD_ORDER = ("unit__building__name", "unit__name", "floor", "room")


def _rooms(units: tuple[str, ...], floors: tuple[int, ...], flats: tuple[int, ...] = (1, 2)) -> tuple[str, ...]:
    return tuple(f"{unit}{floor}{flat:02d}" for unit in units for floor in floors for flat in flats)


JIARONG_UNITS = tuple(f"{b}号楼{u}单元" for b in range(1, 6) for u in (1, 2))

PROJECTS: tuple[ProjectData, ...] = (
    # ------------------------------------------------------------ 蕴园小区
    ProjectData(
        YUNYUAN,
        "3号楼3单元加装电梯",
        Project.Kind.LIFT,
        D(2020, 4, 20),
        "社区组织党员代表、业委会代表和物业公司负责人多次入户走访调研，听取居民意见后确定加装方案："
        "电梯间两侧采用轻质墙体，降低室内外温差、减少后期维护成本、保护住户隐私；两侧增设外悬挑窗，"
        "兼顾通风与采光，并设置防护栏杆。政府补贴 ¥240,000.00，其余 ¥440,000.00 由本单元2至6层住户"
        "按楼层系数和建筑面积分摊，1层住户不分摊。",
        "680000.00",
        planned=(D(2021, 3, 1), D(2021, 6, 30)),
        buildings=("3号楼",),
        units=("3号楼3单元",),
        consent_rule=Project.ConsentRule.MAJOR,
        consent_scope=Project.ConsentScope.UNIT,
        shared_cost="440000.00",
        steps=(
            Move(Status.SURVEYED, D(2020, 6, 15), "三轮入户走访完成，加装方案和分摊办法在单元门口公示。"),
            Move(Status.CONSENT, D(2020, 7, 1), "按《民法典》第二百七十八条征求本单元业主意见，纸质表决票入户发放。"),
            Vote(
                D(2020, 7, 2),
                10,
                "YY-3-3",
                disagree=("3号楼3单元101",),
                abstain=("3号楼3单元102",),
                absent=("3号楼3单元201",),
            ),
            Move(Status.FUNDING, D(2020, 7, 20), "表决通过，开始筹集资金。"),
            Money(
                PLEDGE,
                D(2020, 8, 5),
                "240000.00",
                Source.GOVERNMENT_SUBSIDY,
                HOUSING_BUREAU,
                "加装电梯政府补贴，竣工验收后拨付",
            ),
            CostShares(D(2020, 9, 7)),
            Move(
                Status.CONSTRUCTION,
                D(2021, 3, 8),
                "开工：电梯井道基础开挖。",
                override="政府补贴已批复，按规定在竣工验收后拨付；住户分摊款已全部到位。",
            ),
            Money(EXPENSE, D(2021, 3, 10), "125400.00", party=LIFT_SUPPLIER, note="电梯设备预付款（30%）"),
            Update(D(2021, 3, 22), 10, "电梯井道基础开挖及浇筑完成。"),
            Money(EXPENSE, D(2021, 4, 12), "196500.00", party=STEELWORK, note="井道钢结构及土建工程款"),
            Update(D(2021, 4, 15), 45, "井道钢结构吊装完成，开始砌筑两侧轻质墙体。"),
            Update(D(2021, 5, 18), 80, "电梯设备安装中；外悬挑窗和防护栏杆施工完成。"),
            Money(EXPENSE, D(2021, 5, 20), "32400.00", party=PIPEWORK, note="燃气、给水管线迁改"),
            Update(D(2021, 6, 4), 100, "电梯调试完毕，等待验收。"),
            Move(Status.INSPECTION, D(2021, 6, 5), "申请特种设备监督检验和竣工验收。"),
            Inspect(D(2021, 6, 10), "特种设备检验机构、" + SIGN_OFF, "电梯监督检验合格，土建工程验收合格。"),
            Move(Status.IN_SERVICE, D(2021, 6, 18), "蕴园小区第一部加装电梯启用。"),
            Money(
                RECEIPT, D(2021, 7, 20), "240000.00", Source.GOVERNMENT_SUBSIDY, HOUSING_BUREAU, "加装电梯政府补贴拨付"
            ),
            Money(EXPENSE, D(2021, 7, 26), "292600.00", party=LIFT_SUPPLIER, note="电梯设备及安装尾款"),
            Money(EXPENSE, D(2021, 7, 28), "18600.00", party=SUPERVISION, note="工程监理及检测费"),
        ),
    ),
    ProjectData(
        YUNYUAN,
        "1号楼加装电梯",
        Project.Kind.LIFT,
        D(2022, 3, 15),
        "3号楼3单元的电梯运行良好，1号楼住户随之申请加装：三个单元各加装电梯一部，沿用轻质墙体、"
        "外悬挑窗和防护栏杆的做法。政府补贴每部 ¥240,000.00，共 ¥720,000.00；其余 ¥1,260,000.00 "
        "由全楼2至6层住户按楼层系数和建筑面积分摊。",
        "1980000.00",
        planned=(D(2023, 4, 1), D(2023, 12, 31)),
        buildings=("1号楼",),
        consent_rule=Project.ConsentRule.MAJOR,
        consent_scope=Project.ConsentScope.BUILDING,
        shared_cost="1260000.00",
        steps=(
            Move(Status.SURVEYED, D(2022, 5, 20), "入户走访调研完成，三个单元的方案和分摊表公示。"),
            Move(Status.CONSENT, D(2022, 6, 10), "全楼业主表决。"),
            Vote(
                D(2022, 6, 11),
                14,
                "YY-1",
                disagree=("1号楼1单元101", "1号楼2单元101", "1号楼3单元102"),
                abstain=("1号楼2单元102", "1号楼3单元201"),
                absent=("1号楼1单元102", "1号楼3单元101", "1号楼2单元601"),
            ),
            Move(Status.FUNDING, D(2022, 7, 5), "表决通过，开始筹集资金。"),
            Money(PLEDGE, D(2022, 7, 20), "720000.00", Source.GOVERNMENT_SUBSIDY, HOUSING_BUREAU, "三部电梯的政府补贴"),
            CostShares(D(2022, 9, 1), per_unit=True),
            Money(
                RECEIPT, D(2023, 3, 20), "720000.00", Source.GOVERNMENT_SUBSIDY, HOUSING_BUREAU, "加装电梯政府补贴拨付"
            ),
            Move(Status.CONSTRUCTION, D(2023, 4, 10), "三个单元同步开工。"),
            Money(EXPENSE, D(2023, 4, 15), "370800.00", party=LIFT_SUPPLIER, note="电梯设备预付款（30%）"),
            Update(D(2023, 5, 10), 20, "三个单元的井道基础完成。"),
            Money(EXPENSE, D(2023, 6, 30), "588000.00", party=STEELWORK, note="井道钢结构及土建工程款"),
            Update(D(2023, 7, 15), 50, "井道钢结构吊装完成，轻质墙体砌筑中。"),
            Money(EXPENSE, D(2023, 8, 10), "86500.00", party=PIPEWORK, note="燃气、给水及弱电管线迁改"),
            Update(D(2023, 10, 20), 85, "三部电梯设备安装完成，进入调试。"),
            Update(D(2023, 12, 15), 100, "调试完毕，等待验收。"),
            Move(Status.INSPECTION, D(2023, 12, 18), "申请特种设备监督检验和竣工验收。"),
            Inspect(D(2023, 12, 26), "特种设备检验机构、" + SIGN_OFF, "三部电梯监督检验合格。"),
            Move(Status.IN_SERVICE, D(2024, 1, 8), "1号楼三部电梯启用。"),
            Money(EXPENSE, D(2024, 1, 20), "865200.00", party=LIFT_SUPPLIER, note="电梯设备及安装尾款"),
            Money(EXPENSE, D(2024, 1, 25), "41200.00", party=SUPERVISION, note="工程监理及检测费"),
        ),
    ),
    ProjectData(
        YUNYUAN,
        "道路拓宽",
        Project.Kind.ROAD,
        D(2021, 3, 1),
        "拓宽小区主干道，拆除两侧违章搭建，重新铺设沥青路面和排水边沟。",
        "286000.00",
        planned=(D(2021, 5, 1), D(2021, 8, 31)),
        steps=(
            Move(Status.SURVEYED, D(2021, 4, 6), "测量完成，主干道两侧违章搭建清单公示。"),
            Move(Status.FUNDING, D(2021, 4, 20)),
            Money(RECEIPT, D(2021, 4, 28), "286000.00", Source.GOVERNMENT_SUBSIDY, DISTRICT_FUND),
            Move(Status.CONSTRUCTION, D(2021, 5, 10)),
            Update(D(2021, 6, 10), 35, "违章搭建拆除完毕，路基拓宽施工中。"),
            Money(EXPENSE, D(2021, 6, 15), "113500.00", party="道路施工队", note="工程进度款"),
            Update(D(2021, 7, 20), 75, "沥青路面摊铺完成。"),
            Update(D(2021, 8, 20), 100, "排水边沟和路缘石完工。"),
            Move(Status.INSPECTION, D(2021, 8, 23)),
            Inspect(D(2021, 8, 25), SIGN_OFF, "路面平整，排水通畅。"),
            Move(Status.IN_SERVICE, D(2021, 9, 1)),
            Money(EXPENSE, D(2021, 9, 10), "170240.00", party="道路施工队", note="工程尾款"),
        ),
    ),
    ProjectData(
        YUNYUAN,
        "规划停车位",
        Project.Kind.PARKING,
        D(2021, 9, 6),
        "利用拓宽后的道路重新规划停车位，施划车位线，设置车位编号和导向标识。",
        "68000.00",
        planned=(D(2021, 10, 8), D(2021, 11, 10)),
        steps=(
            Move(Status.SURVEYED, D(2021, 9, 20), "停车位规划方案公示。"),
            Move(Status.FUNDING, D(2021, 9, 27)),
            Money(RECEIPT, D(2021, 9, 30), "48000.00", Source.GOVERNMENT_SUBSIDY, DISTRICT_FUND),
            Money(RECEIPT, D(2021, 10, 8), "20000.00", Source.PROPERTY_RIGHTS_UNIT, "蕴园小区产权单位"),
            Move(Status.CONSTRUCTION, D(2021, 10, 11)),
            Update(D(2021, 10, 25), 60, "车位线施划过半。"),
            Update(D(2021, 11, 8), 100, "车位线、编号和导向标识全部完成。"),
            Move(Status.INSPECTION, D(2021, 11, 9)),
            Inspect(D(2021, 11, 10), SIGN_OFF),
            Move(Status.IN_SERVICE, D(2021, 11, 15)),
            Money(EXPENSE, D(2021, 11, 20), "66850.00", party="交通设施施工队", note="车位施划及标识"),
        ),
    ),
    ProjectData(
        YUNYUAN,
        "绿化提升",
        Project.Kind.GREENING,
        D(2022, 3, 1),
        "补种乔木和绿篱，清理裸露土地，绿化带里种植花草。",
        "125000.00",
        planned=(D(2022, 4, 1), D(2022, 6, 30)),
        steps=(
            Move(Status.SURVEYED, D(2022, 3, 10)),
            Move(Status.FUNDING, D(2022, 3, 15)),
            Money(RECEIPT, D(2022, 3, 25), "125000.00", Source.GOVERNMENT_SUBSIDY, DISTRICT_FUND),
            Move(Status.CONSTRUCTION, D(2022, 4, 6)),
            Update(D(2022, 5, 10), 50, "补种乔木和绿篱，清理裸露土地。"),
            Money(EXPENSE, D(2022, 5, 12), "61800.00", party="园林绿化施工队", note="苗木款"),
            Update(D(2022, 6, 20), 100, "花草种植完成，进入养护期。"),
            Move(Status.INSPECTION, D(2022, 6, 22)),
            Inspect(D(2022, 6, 24), SIGN_OFF, "苗木成活，养护责任移交物业公司。"),
            Move(Status.IN_SERVICE, D(2022, 6, 30)),
            Money(EXPENSE, D(2022, 7, 8), "61800.00", party="园林绿化施工队", note="施工及养护款"),
        ),
    ),
    ProjectData(
        YUNYUAN,
        "安防设施升级",
        Project.Kind.SECURITY,
        D(2022, 8, 1),
        "更换小区监控摄像头，主要出入口安装门禁，监控画面接入物业值班室。",
        "158000.00",
        planned=(D(2022, 9, 1), D(2022, 11, 15)),
        steps=(
            Move(Status.SURVEYED, D(2022, 8, 12), "监控点位和门禁方案公示。"),
            Move(Status.FUNDING, D(2022, 8, 22)),
            Money(RECEIPT, D(2022, 8, 30), "100000.00", Source.GOVERNMENT_SUBSIDY, DISTRICT_FUND),
            Money(RECEIPT, D(2022, 9, 5), "58000.00", Source.PROPERTY_COMPANY, "阳泉市恒安物业服务有限公司"),
            Move(Status.CONSTRUCTION, D(2022, 9, 13)),
            Update(D(2022, 10, 15), 55, "监控点位布线完成，摄像头安装中。"),
            Update(D(2022, 11, 12), 100, "监控和门禁系统联调完成。"),
            Move(Status.INSPECTION, D(2022, 11, 14)),
            Inspect(D(2022, 11, 16), SIGN_OFF),
            Move(Status.IN_SERVICE, D(2022, 11, 20)),
            Money(EXPENSE, D(2022, 11, 25), "156420.00", party="安防设备供货及安装单位", note="设备及安装款"),
        ),
    ),
    ProjectData(
        YUNYUAN,
        "健身广场",
        Project.Kind.FITNESS,
        D(2023, 3, 6),
        "将闲置空地改造为健身广场，铺设塑胶地面，安装健身器材和休息座椅。",
        "96000.00",
        planned=(D(2023, 5, 1), D(2023, 7, 15)),
        steps=(
            Move(Status.SURVEYED, D(2023, 3, 20)),
            Move(Status.FUNDING, D(2023, 4, 3)),
            Money(RECEIPT, D(2023, 4, 12), "60000.00", Source.GOVERNMENT_SUBSIDY, DISTRICT_FUND),
            Money(
                RECEIPT,
                D(2023, 4, 18),
                "36000.00",
                Source.RESIDENTS,
                "蕴园小区业主委员会",
                "小区公共收益：居民点单、物业接单、业委会买单",
            ),
            Move(Status.CONSTRUCTION, D(2023, 5, 8)),
            Update(D(2023, 6, 5), 50, "塑胶地面铺设完成。"),
            Update(D(2023, 7, 5), 100, "健身器材和座椅安装完成。"),
            Move(Status.INSPECTION, D(2023, 7, 10)),
            Inspect(D(2023, 7, 12), SIGN_OFF, "器材安装牢固，地面平整。"),
            Move(Status.IN_SERVICE, D(2023, 7, 15)),
            Money(EXPENSE, D(2023, 7, 20), "94380.00", party="健身器材供货及施工单位", note="器材及施工款"),
        ),
    ),
    ProjectData(
        YUNYUAN,
        "2号楼1单元加装电梯",
        Project.Kind.LIFT,
        D(2026, 3, 10),
        "（演示虚构）继3号楼3单元和1号楼之后，2号楼1单元住户申请加装电梯。方案与3号楼3单元相同；"
        "政府补贴 ¥240,000.00，其余 ¥450,000.00 由本单元2至6层住户按楼层系数和建筑面积分摊。业主表决进行中。",
        "690000.00",
        planned=(D(2027, 3, 1), D(2027, 6, 30)),
        buildings=("2号楼",),
        units=("2号楼1单元",),
        consent_rule=Project.ConsentRule.MAJOR,
        consent_scope=Project.ConsentScope.UNIT,
        shared_cost="450000.00",
        steps=(
            Move(Status.SURVEYED, D(2026, 5, 20), "入户走访调研完成，方案和分摊表在单元门口公示。"),
            Move(Status.CONSENT, D(2026, 9, 1), "业主表决开始：可在线投票，也可交纸质表决票。"),
            Update(D(2026, 9, 1), 0, "方案和分摊表公示，征求业主意见。"),
            Vote(
                D(2026, 9, 2),
                20,
                "YY-2-1",
                disagree=("2号楼1单元502",),
                absent=("2号楼1单元101", "2号楼1单元102", "2号楼1单元401", "2号楼1单元402", "2号楼1单元602"),
                online=("2号楼1单元201", "2号楼1单元301"),
            ),
        ),
    ),
    # ------------------------------------------------------------ 体委小区
    ProjectData(
        TIWEI,
        "停车位扩建（20个增至60个）",
        Project.Kind.PARKING,
        D(2018, 6, 5),
        "居民物管会成立后先从大家关心的停车管理入手：清理楼院杂物、硬化边角空地、重新施划车位，"
        "停车位由原先的20个扩展到60个。",
        "45000.00",
        planned=(D(2018, 9, 1), D(2019, 4, 30)),
        steps=(
            Move(Status.SURVEYED, D(2018, 6, 20), "议事协商：物管会、社区和居民代表商定车位规划。"),
            Move(Status.FUNDING, D(2018, 7, 2)),
            Money(RECEIPT, D(2018, 7, 16), "30000.00", Source.PROPERTY_RIGHTS_UNIT, "阳泉市体育运动学校"),
            Money(RECEIPT, D(2018, 8, 10), "15000.00", Source.RESIDENTS, "体委小区居民", "居民自筹"),
            Move(Status.CONSTRUCTION, D(2018, 9, 3)),
            Update(D(2018, 10, 20), 40, "楼院杂物清理完毕，边角空地硬化完成。"),
            Money(EXPENSE, D(2018, 10, 25), "21600.00", party="土建施工队", note="场地清理及硬化"),
            Update(D(2019, 4, 10), 90, "开春后施划新车位，共60个。"),
            Update(D(2019, 4, 26), 100, "车位编号和停车管理公约公示。"),
            Move(Status.INSPECTION, D(2019, 4, 28)),
            Inspect(D(2019, 5, 6), "居民物管会、中心广场社区、市体校代表"),
            Move(Status.IN_SERVICE, D(2019, 5, 10), "停车位由20个增至60个。"),
            Money(EXPENSE, D(2019, 5, 15), "22480.00", party="交通设施施工队", note="车位施划及标识"),
        ),
    ),
    ProjectData(
        TIWEI,
        "蓝牙升降杆",
        Project.Kind.BARRIER_GATE,
        D(2019, 5, 20),
        "停车位扩建后，由车主出资在小区出入口安装蓝牙升降杆，车主凭手机蓝牙通行，外来车辆不再随意停放。",
        "18000.00",
        planned=(D(2019, 7, 1), D(2019, 7, 31)),
        steps=(
            Move(Status.SURVEYED, D(2019, 6, 3), "联动协商：物管会、社区与车主代表商定安装方案和出资办法。"),
            Move(Status.FUNDING, D(2019, 6, 10), "车主出资，每车300元。"),
            Money(RECEIPT, D(2019, 6, 20), "11400.00", Source.RESIDENTS, "车主（第一批38户）", "车主出资"),
            Money(RECEIPT, D(2019, 7, 1), "6600.00", Source.RESIDENTS, "车主（第二批22户）", "车主出资"),
            Move(Status.CONSTRUCTION, D(2019, 7, 8)),
            Update(D(2019, 7, 20), 100, "两处出入口升降杆安装调试完成，60辆车完成登记。"),
            Move(Status.INSPECTION, D(2019, 7, 25)),
            Inspect(D(2019, 7, 28), "居民物管会、车主代表"),
            Move(Status.IN_SERVICE, D(2019, 8, 1)),
            Money(EXPENSE, D(2019, 8, 5), "17560.00", party="升降杆设备供货及安装单位", note="设备及安装款"),
        ),
    ),
    ProjectData(
        TIWEI,
        "管道维护",
        Project.Kind.PIPES,
        D(2024, 4, 8),
        "更换老化的给水和排水立管，疏通楼院排水管道。",
        "58000.00",
        planned=(D(2024, 5, 10), D(2024, 6, 30)),
        steps=(
            Move(Status.SURVEYED, D(2024, 4, 15), "议事协商：物管会、产权单位和居民代表确定维护范围。"),
            Move(Status.FUNDING, D(2024, 4, 22)),
            Money(RECEIPT, D(2024, 4, 28), "30000.00", Source.PROPERTY_RIGHTS_UNIT, "阳泉市体育运动学校"),
            Money(RECEIPT, D(2024, 5, 6), "28000.00", Source.MAINTENANCE_FUND, "住宅专项维修资金"),
            Move(Status.CONSTRUCTION, D(2024, 5, 13)),
            Update(D(2024, 6, 1), 50, "1号楼、2号楼立管更换完成。"),
            Update(D(2024, 6, 18), 100, "全部立管更换完成，楼院排水管道疏通完毕。"),
            Move(Status.INSPECTION, D(2024, 6, 20)),
            Inspect(D(2024, 6, 24), "居民物管会、中心广场社区"),
            Move(Status.IN_SERVICE, D(2024, 6, 28)),
            Money(EXPENSE, D(2024, 6, 30), "57250.00", party="管道维修施工队", note="材料及人工"),
        ),
    ),
    ProjectData(
        TIWEI,
        "电动车充电桩",
        Project.Kind.EV_CHARGING,
        D(2025, 11, 17),
        "在车棚增设电动自行车集中充电桩，解决楼道充电和飞线充电的安全隐患。",
        "36000.00",
        planned=(D(2026, 8, 1), D(2026, 12, 31)),
        steps=(
            Move(Status.SURVEYED, D(2026, 3, 2), "专业协商：请供电和消防专业人员现场勘查选址。"),
            Move(Status.FUNDING, D(2026, 3, 20)),
            Money(RECEIPT, D(2026, 4, 8), "12000.00", Source.PROPERTY_RIGHTS_UNIT, "阳泉市体育运动学校"),
            Money(RECEIPT, D(2026, 4, 20), "12000.00", Source.GOVERNMENT_SUBSIDY, DISTRICT_FUND),
            Money(RECEIPT, D(2026, 5, 6), "12600.00", Source.RESIDENTS, "体委小区居民", "居民集资"),
            Move(Status.CONSTRUCTION, D(2026, 8, 17)),
            Money(EXPENSE, D(2026, 8, 20), "14400.00", party="充电设施供货及安装单位", note="设备预付款（40%）"),
            Update(D(2026, 8, 28), 20, "车棚地面硬化，电缆敷设中。"),
            Update(D(2026, 10, 15), 60, "充电桩安装完成，等待供电接入。"),
            Correction(
                "12600.00",
                "金额录入错误：居民集资实收 ¥12,000.00，冲正后重新登记。",
                Money(RECEIPT, D(2026, 5, 6), "12000.00", Source.RESIDENTS, "体委小区居民", "居民集资（更正）"),
            ),
        ),
    ),
    # ------------------------------------------------------------ 佳融花园小区
    ProjectData(
        JIARONG,
        "3号楼污水管道抢修",
        Project.Kind.PIPES,
        D(2025, 1, 31),
        "2025年1月30日3号楼出现污水外渗，居民向社区上报后，社区迅速联系专业人员排查、检修，"
        "向居民、商户筹集资金，开发商" + DEVELOPER + "协助支持。更换老旧管道、增设污水井、优化排水系统。",
        "96000.00",
        planned=(D(2025, 2, 15), D(2025, 3, 31)),
        buildings=("3号楼",),
        steps=(
            Move(Status.SURVEYED, D(2025, 2, 3), "专业人员排查：3号楼污水管道老化破损，需更换并增设污水井。"),
            Move(Status.FUNDING, D(2025, 2, 5), "向居民、商户筹集资金。"),
            Money(RECEIPT, D(2025, 2, 8), "21600.00", Source.RESIDENTS, "3号楼居民", "居民集资"),
            Money(RECEIPT, D(2025, 2, 10), "16800.00", Source.RESIDENTS, "其他楼栋热心居民", "居民捐款"),
            Money(RECEIPT, D(2025, 2, 11), "17600.00", Source.SHOPS, "小区沿街商户", "商户集资"),
            Money(RECEIPT, D(2025, 2, 13), "40000.00", Source.DEVELOPER, DEVELOPER, "开发商协助检修管道"),
            Move(Status.CONSTRUCTION, D(2025, 2, 17)),
            Update(D(2025, 2, 25), 40, "老旧污水管道更换中。"),
            Money(EXPENSE, D(2025, 2, 26), "41260.00", party="污水管道检修施工队", note="管材及污水井材料"),
            Update(D(2025, 3, 10), 75, "新增污水井两座。"),
            Money(EXPENSE, D(2025, 3, 12), "38900.00", party="污水管道检修施工队", note="人工及机械费"),
            Update(D(2025, 3, 22), 100, "排水系统优化完成，污水排放通畅。"),
            Move(Status.INSPECTION, D(2025, 3, 24)),
            Inspect(D(2025, 3, 28), "南山南路社区、居民代表、开发商代表", "闭水试验合格。"),
            Move(Status.IN_SERVICE, D(2025, 4, 2)),
            Money(EXPENSE, D(2025, 4, 5), "9850.00", party="污水管道检修施工队", note="管道疏通及闭水检测"),
        ),
    ),
    ProjectData(
        JIARONG,
        "路面硬化",
        Project.Kind.ROAD,
        D(2025, 4, 8),
        "污水管道检修后小区路面受损。社区邀请居民代表、在职党员共同商讨，大家一致认为这是硬化路面的好时机；"
        "专业施工队实地勘测后，对小区内的破损路面全面改造。",
        "168000.00",
        planned=(D(2025, 5, 1), D(2025, 6, 30)),
        consent_rule=Project.ConsentRule.ORDINARY,
        consent_scope=Project.ConsentScope.ESTATE,
        contractor=ROAD_CONTRACTOR,
        steps=(
            Move(Status.SURVEYED, D(2025, 4, 15), "施工队实地勘测；居民代表和在职党员商议后提交全体业主表决。"),
            Move(Status.CONSENT, D(2025, 4, 16), "全体业主表决。"),
            Vote(
                D(2025, 4, 17),
                7,
                "JR-LM",
                disagree=("1号楼1单元101", "2号楼1单元101", "3号楼2单元102", "4号楼1单元201", "5号楼2单元101"),
                abstain=("2号楼2单元302", "4号楼2单元402", "5号楼1单元502"),
                absent=_rooms(JIARONG_UNITS, (6,)),
            ),
            Move(Status.FUNDING, D(2025, 4, 28), "表决通过。"),
            Money(RECEIPT, D(2025, 5, 6), "140000.00", Source.GOVERNMENT_SUBSIDY, DISTRICT_FUND),
            Money(RECEIPT, D(2025, 5, 8), "28000.00", Source.DEVELOPER, DEVELOPER),
            Move(Status.CONSTRUCTION, D(2025, 5, 12)),
            Update(D(2025, 5, 30), 45, "破损路面破除，基层处理。"),
            Money(EXPENSE, D(2025, 6, 2), "80000.00", party=ROAD_CONTRACTOR, note="工程进度款"),
            Update(D(2025, 6, 20), 100, "混凝土路面浇筑养护完成。"),
            Move(Status.INSPECTION, D(2025, 6, 23)),
            Inspect(D(2025, 6, 26), "南山南路社区、居民代表", "路面平坦，无积水。"),
            Move(Status.IN_SERVICE, D(2025, 6, 30)),
            Money(EXPENSE, D(2025, 7, 5), "85360.00", party=ROAD_CONTRACTOR, note="工程尾款"),
        ),
    ),
    ProjectData(
        JIARONG,
        "划定停车线",
        Project.Kind.PARKING,
        D(2025, 7, 1),
        "施划停车线和禁停标识，规范停车秩序。",
        "8600.00",
        planned=(D(2025, 7, 10), D(2025, 7, 20)),
        steps=(
            Move(Status.SURVEYED, D(2025, 7, 3)),
            Move(Status.FUNDING, D(2025, 7, 4)),
            Money(RECEIPT, D(2025, 7, 7), "8600.00", Source.PROPERTY_COMPANY, "阳泉市佳和物业服务有限公司"),
            Move(Status.CONSTRUCTION, D(2025, 7, 10)),
            Update(D(2025, 7, 16), 100, "停车线和禁停标识施划完成。"),
            Move(Status.INSPECTION, D(2025, 7, 17)),
            Inspect(D(2025, 7, 18), "南山南路社区、居民代表"),
            Move(Status.IN_SERVICE, D(2025, 7, 20)),
            Money(EXPENSE, D(2025, 7, 22), "8350.00", party="交通设施施工队", note="停车线施划"),
        ),
    ),
    ProjectData(
        JIARONG,
        "清除枯树",
        Project.Kind.TREE_REMOVAL,
        D(2025, 7, 14),
        "清除困扰居民许久的枯树，消除树枝掉落砸中行人和车辆的隐患。",
        "4800.00",
        planned=(D(2025, 7, 28), D(2025, 8, 1)),
        steps=(
            Move(Status.SURVEYED, D(2025, 7, 18), "园林专业人员现场确认需清除的枯树。"),
            Move(Status.FUNDING, D(2025, 7, 21)),
            Money(RECEIPT, D(2025, 7, 23), "4800.00", Source.PROPERTY_COMPANY, "阳泉市佳和物业服务有限公司"),
            Move(Status.CONSTRUCTION, D(2025, 7, 28)),
            Update(D(2025, 7, 30), 100, "枯树清除，树坑回填。"),
            Move(Status.INSPECTION, D(2025, 7, 31)),
            Inspect(D(2025, 8, 1), "南山南路社区、居民代表"),
            Move(Status.IN_SERVICE, D(2025, 8, 2)),
            Money(EXPENSE, D(2025, 8, 4), "4650.00", party="园林绿化施工队", note="枯树清除及清运"),
        ),
    ),
    ProjectData(
        JIARONG,
        "太阳能路灯（4盏）",
        Project.Kind.LIGHTING,
        D(2025, 8, 5),
        "居民反映小区内没有路灯，晚上回家看不清路。在楼体墙面安装4盏太阳能路灯。",
        "9800.00",
        planned=(D(2025, 9, 1), D(2025, 9, 20)),
        steps=(
            Move(Status.SURVEYED, D(2025, 8, 12), "选定4处安装点位。"),
            Move(Status.FUNDING, D(2025, 8, 15)),
            Money(RECEIPT, D(2025, 8, 22), "6000.00", Source.GOVERNMENT_SUBSIDY, DISTRICT_FUND),
            Money(RECEIPT, D(2025, 8, 26), "3800.00", Source.SHOPS, "小区沿街商户"),
            Move(Status.CONSTRUCTION, D(2025, 9, 3)),
            Update(D(2025, 9, 10), 100, "4盏太阳能路灯安装完成。"),
            Move(Status.INSPECTION, D(2025, 9, 12)),
            Inspect(D(2025, 9, 15), "南山南路社区、居民代表", "夜间照明测试合格。"),
            Move(Status.IN_SERVICE, D(2025, 9, 18)),
            Money(EXPENSE, D(2025, 9, 20), "9520.00", party="路灯供货及安装单位", note="4盏太阳能路灯及安装"),
        ),
    ),
    ProjectData(
        JIARONG,
        "直饮水机",
        Project.Kind.DRINKING_WATER,
        D(2025, 8, 5),
        "工作人员走访时居民反映小区没有直饮水机，接水不方便。在小区门口安装直饮水机一台。",
        "12500.00",
        planned=(D(2025, 9, 1), D(2025, 9, 30)),
        steps=(
            Move(Status.SURVEYED, D(2025, 8, 14), "选定小区门口安装点位，接通水电。"),
            Move(Status.FUNDING, D(2025, 8, 18)),
            Money(RECEIPT, D(2025, 8, 25), "6500.00", Source.GOVERNMENT_SUBSIDY, DISTRICT_FUND),
            Money(RECEIPT, D(2025, 8, 28), "6000.00", Source.PROPERTY_COMPANY, "阳泉市佳和物业服务有限公司"),
            Move(Status.CONSTRUCTION, D(2025, 9, 8)),
            Update(D(2025, 9, 20), 100, "直饮水机安装调试完成，水质检测合格。"),
            Move(Status.INSPECTION, D(2025, 9, 22)),
            Inspect(D(2025, 9, 24), "南山南路社区、居民代表"),
            Move(Status.IN_SERVICE, D(2025, 9, 26)),
            Money(EXPENSE, D(2025, 9, 28), "12180.00", party="直饮水设备供货单位", note="设备及安装"),
        ),
    ),
)

# Who acts for each estate: its community's staff. 南山南路社区 has no demo login, so the demo adds
# a staff member without one (granted by `admin`).
JIARONG_STAFF = ("demo-wenlina", "温丽娜", "13935309517")  # username, name, phone
ACTORS = {YUNYUAN: "staff", TIWEI: "staff2", JIARONG: JIARONG_STAFF[0]}
COMMUNITIES = {YUNYUAN: "小阳泉北社区", TIWEI: "中心广场社区", JIARONG: "南山南路社区"}
# For the usernames of the owners the demo adds: demo-owner-yy-3-3-101.
CODES = {YUNYUAN: "yy", TIWEI: "tw", JIARONG: "jr"}

# Owners of the lifts' households without one: invented names, no login.
SURNAMES = "王刘陈杨赵黄周徐孙胡朱高林何郭罗宋郑谢韩唐冯于董程"
GIVEN_NAMES = (
    *("桂兰", "秀珍", "建华", "志强", "玉梅", "国栋", "丽娟", "宝山", "淑琴", "振华", "凤英", "德明"),
    *("海燕", "永红", "春生", "美玲", "文杰", "素芳", "金山", "月娥", "立新", "翠萍", "长青", "慧敏"),
)


@dataclass
class RenovationsDemoSummary:
    """What the renovations demo left in the database, for `load_demo` to print."""

    projects: int = 0
    created: int = 0
    ledger_entries: int = 0
    ballots: int = 0
    updates: int = 0
    owners_added: int = 0


# ---------------------------------------------------------------- loading


@transaction.atomic
def load_renovations_demo(*, stdout: IO[str] | None = None) -> RenovationsDemoSummary:
    """Create the demo's renovation projects that do not exist yet, step by step through the
    services (see the module docstring). Needs the estates demo (`estates.demo.load_demo`)."""
    estates = {
        estate.name: estate
        for estate in Estate.objects.filter(name__in=ACTORS, community__name__in=COMMUNITIES.values()).select_related(
            "community"
        )
        if COMMUNITIES[estate.name] == estate.community.name
    }
    users = {user.username: user for user in User.objects.filter(username__in=["admin", *ACTORS.values()])}
    if len(estates) < len(ACTORS) or "admin" not in users:
        raise Conflict(_("Load the estates demo first: the renovation projects belong to its estates."))
    if JIARONG_STAFF[0] not in users:
        users[JIARONG_STAFF[0]] = _staff_without_login(estates[JIARONG].community, by=users["admin"])

    summary = RenovationsDemoSummary()
    since = timezone.now()
    existing = set(Project.objects.filter(estate__in=estates.values()).values_list("estate__name", "title").order_by())
    for data in PROJECTS:
        if (data.estate, data.title) in existing:
            continue
        project, owners_added = _play(data, estates[data.estate], users[ACTORS[data.estate]], since=since)
        summary.created += 1
        summary.owners_added += owners_added
        if stdout is not None:
            stdout.write(f"  {data.estate} · {project.title} · {project.get_status_display()}\n")

    projects = Project.objects.filter(estate__in=estates.values(), title__in=[p.title for p in PROJECTS])
    summary.projects = projects.count()
    summary.ledger_entries = LedgerEntry.objects.filter(project__in=projects).count()
    summary.ballots = Ballot.objects.filter(project__in=projects).count()
    summary.updates = ProgressUpdate.objects.filter(project__in=projects).count()
    return summary


def _staff_without_login(community: Community, *, by: User) -> User:
    username, full_name, phone = JIARONG_STAFF
    person = User.objects.create(
        username=username, full_name=full_name, phone=phone, is_demo=True, password=make_password(None)
    )
    estates_services.add_membership(person, by=by, role=Membership.Role.COMMUNITY_STAFF, scope=community)
    return person


def _at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _stamp_events(project: Project, when: datetime, since: datetime) -> None:
    """Move the timeline entries the last service call wrote (stamped `since` or later) to `when`."""
    ProjectEvent.objects.filter(project=project, at__gte=since).update(at=when)


def _play(data: ProjectData, estate: Estate, by: User, *, since: datetime) -> tuple[Project, int]:
    """Create one project and take it through its steps; returns it and the owners added."""
    buildings = list(Building.objects.filter(estate=estate, name__in=data.buildings))
    units = [
        unit
        for unit in Unit.objects.filter(building__estate=estate).select_related("building")
        if f"{unit.building.name}{unit.name}" in data.units
    ]
    contractor = (
        Organisation.objects.get(kind=Organisation.Kind.CONTRACTOR, name=data.contractor) if data.contractor else None
    )
    is_lift = data.kind == Project.Kind.LIFT
    project = services.create_project(
        estate,
        by=by,
        kind=data.kind,
        title=data.title,
        description=data.description,
        budget=Decimal(data.budget),
        planned_start=data.planned[0] if data.planned else None,
        planned_end=data.planned[1] if data.planned else None,
        buildings=buildings,
        units=units,
        contractor=contractor,
        responsible=by,
        consent_rule=data.consent_rule,
        consent_scope=data.consent_scope,
        lift_floor_coefficients=LIFT_COEFFICIENTS if is_lift else {},
        shared_cost=Decimal(data.shared_cost) if data.shared_cost is not None else None,
    )
    proposed_at = _at(data.proposed_on)
    Project.objects.filter(pk=project.pk).update(created_at=proposed_at)
    _stamp_events(project, proposed_at, since)
    owners_added = _add_owners(project, by=by, code=CODES[data.estate]) if is_lift else 0

    for number, step in enumerate(data.steps):
        if isinstance(step, Correction):
            if number != len(data.steps) - 1:
                raise ValueError(f"{data.title}: a correction happens today, so it must be the last step.")
            _correct(project, step, by=by)
        else:
            _STEPS[type(step)](project, step, by, since)
    project.refresh_from_db()
    return project, owners_added


def _move(project: Project, step: Move, by: User, since: datetime) -> None:
    was_consent = Project.objects.get(pk=project.pk).status == Status.CONSENT
    services.transition_project(project, by=by, to=step.to, note=step.note, override_reason=step.override, on=step.on)
    when = _at(step.on)
    if was_consent:
        Project.objects.filter(pk=project.pk).update(consent_closed_at=when)
    if step.override:
        Project.objects.filter(pk=project.pk).update(funding_override_at=when)
    _stamp_events(project, when, since)


def _money(project: Project, step: Money, by: User, since: datetime) -> None:
    services.record_ledger_entry(
        project,
        by=by,
        kind=step.kind,
        amount=Decimal(step.amount),
        occurred_on=step.on,
        source=step.source,
        payer_or_payee=step.party,
        note=step.note,
    )
    _stamp_events(project, _at(step.on, 15), since)


def _update(project: Project, step: Update, by: User, since: datetime) -> None:
    update = services.add_progress_update(project, by=by, text=step.text, percent=step.percent)
    when = _at(step.on, 16)
    ProgressUpdate.objects.filter(pk=update.pk).update(created_at=when)
    _stamp_events(project, when, since)


def _inspect(project: Project, step: Inspect, by: User, since: datetime) -> None:
    record = services.record_inspection(
        project, by=by, inspected_on=step.on, inspectors=step.inspectors, passed=True, note=step.note
    )
    when = _at(step.on, 11)
    InspectionRecord.objects.filter(pk=record.pk).update(recorded_at=when)
    _stamp_events(project, when, since)


def _vote(project: Project, step: Vote, by: User, since: datetime) -> None:
    choices = {
        **dict.fromkeys(step.disagree, Ballot.Choice.DISAGREE),
        **dict.fromkeys(step.abstain, Ballot.Choice.ABSTAIN),
    }
    households = list(project.scope_households().select_related("unit__building").order_by(*HOUSEHOLD_ORDER))
    unknown = {*choices, *step.absent, *step.online} - {str(household) for household in households}
    if unknown:
        raise ValueError(f"{project.title}: not in the consent scope: {', '.join(sorted(unknown))}")
    voting = [household for household in households if str(household) not in step.absent]
    owners = _owners(project)
    paper = 0
    per_day: dict[int, int] = {}
    for number, household in enumerate(voting):
        label = str(household)
        choice = choices.get(label, Ballot.Choice.AGREE)
        if label in step.online:
            ballot, _created = services.cast_ballot(
                project, by=owners[household.pk], household=household, choice=choice
            )
        else:
            paper += 1
            ballot, _created = services.cast_ballot(
                project,
                by=by,
                household=household,
                choice=choice,
                is_paper=True,
                paper_reference=f"{step.reference}-{paper:03d}",
            )
        # Spread evenly over the days, in order, from 9:00 every 20 minutes.
        day = number * step.days // len(voting)
        per_day[day] = per_day.get(day, -1) + 1
        when = _at(step.on + timedelta(days=day), 9) + timedelta(minutes=20 * per_day[day])
        Ballot.objects.filter(pk=ballot.pk).update(cast_at=when)
        _stamp_events(project, when, since)


def _cost_shares(project: Project, step: CostShares, by: User, since: datetime) -> None:
    """The households' shares as receipts from residents: they add up to the shared cost to the fen."""
    shares = services.lift_cost_shares(project) or {}
    households = project.scope_households().select_related("unit__building").order_by(*HOUSEHOLD_ORDER)
    payers: dict[str, tuple[Decimal, int]] = {}
    for household in households:
        share = shares.get(household.pk, Decimal("0.00"))
        if share <= 0:
            continue
        payer = f"{household.unit.building.name}{household.unit.name}" if step.per_unit else str(household)
        total, count = payers.get(payer, (Decimal("0.00"), 0))
        payers[payer] = (total + share, count + 1)
    for number, (payer, (amount, count)) in enumerate(payers.items()):
        day = step.on + timedelta(days=(7 if step.per_unit else 2) * number)
        note = f"加装电梯分摊款（{count}户）" if step.per_unit else "加装电梯分摊款"
        _money(project, Money(RECEIPT, day, str(amount), Source.RESIDENTS, payer, note), by, since)


def _correct(project: Project, step: Correction, by: User) -> None:
    wrong = LedgerEntry.objects.get(
        project=project, kind=step.right.kind, amount=Decimal(step.wrong_amount), reverses__isnull=True
    )
    services.reverse_ledger_entry(wrong, by=by, note=step.note)
    right = step.right
    services.record_ledger_entry(
        project,
        by=by,
        kind=right.kind,
        amount=Decimal(right.amount),
        occurred_on=right.on,
        source=right.source,
        payer_or_payee=right.party,
        note=right.note,
    )


_STEPS: dict[type, Callable[[Project, Any, User, datetime], None]] = {
    Move: _move,
    Money: _money,
    Update: _update,
    Inspect: _inspect,
    Vote: _vote,
    CostShares: _cost_shares,
}


# ---------------------------------------------------------------- owners of the lifts' households


def _invented_name(number: int) -> str:
    """A name for the `number`th household of an estate, different for each of the first 600."""
    surname, given = number % len(SURNAMES), (number // len(SURNAMES) + number % len(SURNAMES)) % len(GIVEN_NAMES)
    return SURNAMES[surname] + GIVEN_NAMES[given]


def _owners(project: Project) -> dict[int, User]:
    """An owner of each household of the consent scope that has one."""
    memberships = (
        Membership.objects.active()
        .filter(role=Membership.Role.RESIDENT, is_owner=True, household__in=project.scope_households())
        .select_related("user")
        .order_by("household_id", "id")
    )
    owners: dict[int, User] = {}
    for membership in memberships:
        owners.setdefault(membership.household_id, membership.user)
    return owners


def _add_owners(project: Project, *, by: User, code: str) -> int:
    """Give each household of a lift's scope without an owner an invented one (no login), so
    that the owners' headcount and the cost shares have people behind them."""
    owned = set(_owners(project))
    # Names follow each household's place in the estate, so they do not depend on load order.
    order = {
        pk: number
        for number, pk in enumerate(
            Household.objects.filter(unit__building__estate_id=project.estate_id)
            .order_by(*HOUSEHOLD_ORDER)
            .values_list("pk", flat=True)
        )
    }
    added = 0
    for household in project.scope_households().select_related("unit__building").order_by("pk"):
        if household.pk in owned:
            continue
        number = order[household.pk]
        building = household.unit.building.name.removesuffix("号楼")
        unit = household.unit.name.removesuffix("单元")
        username = f"demo-owner-{code}-{building}-{unit}-{household.room}"
        person = User.objects.filter(username=username).first()
        if person is None:
            person = User.objects.create(
                username=username,
                full_name=_invented_name(number),
                phone=f"159353{number:05d}",
                is_demo=True,
                password=make_password(None),
            )
            added += 1
        elif not person.is_demo:
            raise Conflict(
                _("A user named %(username)s exists and is not a demo account; the demo leaves it alone.")
                % {"username": username}
            )
        estates_services.add_membership(person, by=by, role=Membership.Role.RESIDENT, scope=household, is_owner=True)
    return added
