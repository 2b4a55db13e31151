"""The demo's meetings and disputes: 蕴园小区's monthly joint meeting (每月联席会议) and 体委小区's
三事四协商 (DESIGN §1), and the neighbours' disputes they hear.

蕴园小区: the party branch, the owners' committee, the property company and the dispute-mediation
team (居民纠纷化解队) meet with 小阳泉北社区's staff every four weeks. Four meetings are held,
with their agenda, attendance, summary, action items and published minutes; the next one is
scheduled within a week, its agenda drawn: the action items still open (one overdue), the
requests escalated to it and the two disputes still open. The mediator `mediator` takes the
estate's disputes on: two settled by agreement, one referred to the city inspectors, one heard
(听事) and one just raised (说事) by the `resident` login.

体委小区 has no property company: 中心广场社区's staff (`staff2`) hold its consultations with the
residents' management committee (居民物管会), the party service station and the property-rights
unit (市体育运动学校) — one of each kind: 议事协商 on the square dancers' music, 听证协商 on the
Bluetooth barrier fees, 专业协商 with pipe engineers on the water risers, 联动协商 with the power
supplier on the EV chargers — and one 议事协商 to come. The community hears its disputes itself
(邻里来说事, 社区来听事, 共同来解事): no mediation team serves the estate.

Everything goes through `governance.services`, in the order it happened, so that each meeting's
agenda is drawn by the system from what was open at the time: a dispute is raised before the
meeting that hears it and settled after; an action item done before the next meeting is not
carried over to it. The services stamp each step with the moment they run; the demo then moves
those stamps (scheduled, started, closed, minutes published, raised, heard, settled, done) to
the story's moments. A past meeting is scheduled directly at its past time (the services accept
a time within a year) and run at once.

Meetings are keyed by (community, title), disputes by (estate, title): one that exists is left
alone, so loading twice changes nothing. Person names, households and every item are invented.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import IO

from django.db.models import Q
from django.utils import timezone

from estates.models import Estate, Household, Organisation, User

from . import services
from .demo import TIWEI, YUNYUAN, Ago, Ahead, moment
from .models import ActionItem, AgendaItem, Dispute, DisputeEvent, DisputeParty, DisputeSession, Meeting, MeetingEvent

Kind = Meeting.Kind
Source = AgendaItem.Source
Outcome = Dispute.Outcome
APPLICANT = DisputeParty.Side.APPLICANT
RESPONDENT = DisputeParty.Side.RESPONDENT

COMMITTEE = "蕴园小区业主委员会"
COMPANY = "阳泉市恒安物业服务有限公司"
BRANCH = "蕴园小区党支部"
TEAM = "蕴园小区居民纠纷化解队"
TIWEI_COMMITTEE = "体委小区居民物管会"
STATION = "体委小区党群服务站"
SCHOOL = "阳泉市体育运动学校"

# ---------------------------------------------------------------- disputes


@dataclass(frozen=True)
class Party:
    """A household (building, unit, room) of the dispute's estate, and who speaks for it."""

    building: str
    unit: str
    room: str
    side: str
    person: str = ""


@dataclass(frozen=True)
class Assign:
    at: Ago
    by: str
    mediators: tuple[str, ...]


@dataclass(frozen=True)
class Session:
    """A mediation session, held and recorded at `at`; the first one means the dispute is heard."""

    at: Ago
    by: str
    place: str
    notes: str


@dataclass(frozen=True)
class Hear:
    at: Ago
    by: str
    note: str


@dataclass(frozen=True)
class Settle:
    at: Ago
    by: str
    outcome: str
    note: str


DisputeStep = Assign | Session | Hear | Settle


@dataclass(frozen=True)
class DisputeData:
    estate: str
    kind: str
    title: str  # shown in published minutes: no names, no room numbers
    description: str
    raised: Ago
    raised_by: str
    parties: tuple[Party, ...]
    steps: tuple[DisputeStep, ...] = ()


DISPUTES: tuple[DisputeData, ...] = (
    # ------------------------------------------------ 蕴园小区: the mediation team takes them on
    DisputeData(
        YUNYUAN,
        Dispute.Kind.PARKING,
        "2号楼前车位长期被占用",
        "2号楼2单元两户居民为楼前一处车位起了争执：一方认为车位是自己早年出钱划的，别人不能停；"
        "另一方认为小区车位先到先停。双方多次在楼下争吵，还互相在对方车上贴条。",
        Ago(118, "19:00"),
        "mediator",
        (Party("2号楼", "2单元", "301", APPLICANT), Party("2号楼", "2单元", "101", RESPONDENT)),
        (
            Assign(Ago(118, "19:30"), "mediator", ("mediator",)),
            Session(
                Ago(116, "19:30"),
                "mediator",
                "2号楼楼下",
                "分别听取了两户的意见。经向业委会核实，楼前车位是2021年道路拓宽时统一规划的公共车位，"
                "不归个人所有。双方同意把车位使用规则提交本月联席会议，由业委会当面说明。",
            ),
            Settle(
                Ago(104, "10:00"),
                "mediator",
                Outcome.AGREEMENT,
                "双方接受联席会议说明的公共车位规则：不固定占用、先到先停，夜间不堵其他车辆；"
                "物业已在车位旁加装提示牌。一周后回访，未再发生争吵。",
            ),
        ),
    ),
    DisputeData(
        YUNYUAN,
        Dispute.Kind.PETS,
        "3号楼3单元楼道养犬扰民",
        "楼下住户家的狗夜里经常叫，出门不牵绳，楼道里时常有狗粪，老人上下楼害怕，上门说过两次没有改善。",
        Ago(84, "20:00"),
        "demo-linxiaodong",
        (
            Party("3号楼", "3单元", "501", APPLICANT, "demo-linxiaodong"),
            Party("3号楼", "3单元", "401", RESPONDENT),
        ),
        (
            Assign(Ago(83, "09:00"), "mediator", ("mediator",)),
            Session(
                Ago(81, "19:00"),
                "mediator",
                "3号楼3单元楼道",
                "上门与犬主沟通。犬主承认狗夜里叫、出门有时没牵绳，表示愿意改正，"
                "也希望邻居有事先当面说。约定提交联席会议，由纠纷化解队起草文明养犬公约。",
            ),
            Settle(
                Ago(75, "18:00"),
                "mediator",
                Outcome.AGREEMENT,
                "犬主承诺出门牵绳、及时清理狗粪、夜里把狗关在室内；一周后回访，邻居表示已明显改善。",
            ),
        ),
    ),
    DisputeData(
        YUNYUAN,
        Dispute.Kind.SHARED_SPACE,
        "6号楼一楼私搭雨棚占用公共通道",
        "6号楼1单元一楼住户在单元门旁私自搭了彩钢雨棚，占用了公共通道，楼上住户反映下雨时噼啪作响、"
        "挡住了窗户采光，多次协商无果。",
        Ago(58, "10:00"),
        "staff",
        (Party("6号楼", "1单元", "202", APPLICANT), Party("6号楼", "1单元", "101", RESPONDENT)),
        (
            Assign(Ago(58, "10:30"), "staff", ("mediator",)),
            Session(
                Ago(55, "15:00"),
                "mediator",
                "6号楼1单元门口",
                "现场查看，雨棚约6平方米，搭在公共通道上，未经任何审批。一楼住户表示雨棚用来放自行车，"
                "不同意拆除。调解未能达成一致。",
            ),
            Settle(
                Ago(49, "09:30"),
                "mediator",
                Outcome.REFERRED,
                "按联席会议决定，已移交城区城管执法部门依法处理；纠纷化解队跟进处理结果。",
            ),
        ),
    ),
    DisputeData(
        YUNYUAN,
        Dispute.Kind.NOISE,
        "1号楼2单元楼上装修噪音",
        "楼上住户装修，早上7点不到就开始打电钻，中午也不停；楼下独居老人血压高，休息不好，"
        "社区协调约定了施工时间后，仍有提前施工的情况。",
        Ago(8, "10:00"),
        "mediator",
        (
            Party("1号楼", "2单元", "302", APPLICANT, "demo-caoshufen"),
            Party("1号楼", "2单元", "402", RESPONDENT),
        ),
        (
            Assign(Ago(8, "10:10"), "staff", ("mediator",)),
            Session(
                Ago(6, "19:00"),
                "mediator",
                "小阳泉北社区调解室",
                "楼上业主和装修队负责人到场。装修队承认有两天早上7点半开工，同意严格按早8点至12点、"
                "下午2点至6点施工，电钻等高噪声作业集中在上午；老人希望装修期间每天提前告知作业内容。"
                "提交本月联席会议，请物业加强装修巡查。",
            ),
        ),
    ),
    DisputeData(
        YUNYUAN,
        Dispute.Kind.LEAK,
        "3号楼3单元楼上渗水损坏顶棚的修复费用",
        "楼上卫生间防水层老化，渗水把我家卫生间顶棚泡坏了，墙皮掉了一大片。物业已经修好了楼上的防水，"
        "但我家顶棚重新刮腻子、刷漆的钱，楼上说应该由物业出，物业说应该由楼上出，想请纠纷化解队帮忙协调。",
        Ago(1, "20:00"),
        "resident",
        (Party("3号楼", "3单元", "502", APPLICANT, "resident"), Party("3号楼", "3单元", "602", RESPONDENT)),
        (Assign(Ago(1, "21:00"), "mediator", ("mediator",)),),
    ),
    # ------------------------------------------------ 体委小区: 中心广场社区 hears them itself
    DisputeData(
        TIWEI,
        Dispute.Kind.PARKING,
        "4号楼车位卡费分摊和临时停车",
        "4号楼1单元住户的亲戚常年用住户的升降杆卡把车停进小区，4号楼2单元住户认为外来车辆占用车位"
        "却不分担升降杆维护费，双方在车场发生争执。",
        Ago(47, "19:00"),
        "demo-baiyuqin",
        (
            Party("4号楼", "2单元", "202", APPLICANT, "demo-baiyuqin"),
            Party("4号楼", "1单元", "301", RESPONDENT, "demo-niujianjun"),
        ),
        (
            Hear(
                Ago(45, "10:00"),
                "staff2",
                "社区来听事：分别听取了双方意见。外来车辆临时停车怎么收费，小区还没有统一规则，"
                "提交物管会听证协商一并确定。",
            ),
            Settle(
                Ago(38, "10:00"),
                "staff2",
                Outcome.AGREEMENT,
                "双方接受听证协商确定的规则：亲属车辆办理临时停车卡，按次交费，收入用于升降杆维护。",
            ),
        ),
    ),
    DisputeData(
        TIWEI,
        Dispute.Kind.SHARED_SPACE,
        "3号楼2单元楼道堆放杂物",
        "楼上住户在楼道里堆了旧家具和纸箱，挡住了半边楼梯，晚上看不清容易绊倒，说了也不挪。",
        Ago(34, "09:00"),
        "demo-zhailiping",
        (
            Party("3号楼", "2单元", "102", APPLICANT, "demo-zhailiping"),
            Party("3号楼", "2单元", "201", RESPONDENT),
        ),
        (
            Session(
                Ago(33, "19:00"),
                "staff2",
                "3号楼2单元楼道",
                "社区和物管会委员上门，向堆放杂物的住户讲明楼道堆物的消防隐患，住户同意三天内清走。",
            ),
            Settle(Ago(31, "10:00"), "staff2", Outcome.WITHDRAWN, "楼道杂物已自行清走，申请人撤回。"),
        ),
    ),
    DisputeData(
        TIWEI,
        Dispute.Kind.SHARED_SPACE,
        "2号楼1单元飞线充电",
        "楼上住户从窗户往下拉电线给楼下的电动车充电，电线从我家窗前垂下来，下雨天更危险，说过几次不听。",
        Ago(20, "20:00"),
        "demo-tianguoqing",
        (
            Party("2号楼", "1单元", "201", APPLICANT, "demo-tianguoqing"),
            Party("2号楼", "1单元", "501", RESPONDENT),
        ),
        (
            Session(
                Ago(18, "19:30"),
                "staff2",
                "体委小区党群服务站",
                "楼上住户说车棚充电桩还没通电，只能从家里拉线。社区讲明飞线充电的火灾风险，"
                "提交充电桩接电的联动协商一并解决。",
            ),
        ),
    ),
)

# ---------------------------------------------------------------- meetings


@dataclass(frozen=True)
class Act:
    """An action item the meeting decided: for a person (`owner`, a username) or an organisation
    (`organisation`, its name), due `due_in` days after the meeting; `done` when it was done."""

    title: str
    due_in: int
    owner: str = ""
    organisation: str = ""
    done: Ago | None = None
    done_by: str = ""
    note: str = ""


@dataclass(frozen=True)
class Item:
    """An agenda item. An appeal or another matter is added by hand; an item drawn by the system
    (`Source.DISPUTE`, `Source.ACTION_ITEM`) is found by its dispute's or action item's title."""

    source: str
    title: str
    description: str = ""
    notes: str = ""
    outcome: str = ""
    resolution: str = ""
    actions: tuple[Act, ...] = ()


@dataclass(frozen=True)
class MeetingData:
    """A meeting of `estate`'s community about that estate. Without a summary it is still to come."""

    estate: str
    kind: str
    title: str
    starts: Ago | Ahead
    minutes: int
    place: str
    organiser: str
    organisations: tuple[str, ...]
    scheduled: Ago
    items: tuple[Item, ...] = ()
    people: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    summary: str = ""


JOINT_PLACE = "小阳泉北社区党群服务中心二楼会议室"
JOINT = (BRANCH, COMMITTEE, COMPANY, TEAM)
TIWEI_PARTIES = (TIWEI_COMMITTEE, STATION)

MEETINGS: tuple[MeetingData, ...] = (
    # ------------------------------------------------ 蕴园小区: the monthly joint meeting, every four weeks
    MeetingData(
        YUNYUAN,
        Kind.JOINT,
        "蕴园小区联席会议：车位纠纷和电梯保养",
        Ago(106, "15:00"),
        90,
        JOINT_PLACE,
        "staff",
        JOINT,
        Ago(113, "10:00"),
        (
            Item(
                Source.DISPUTE,
                "2号楼前车位长期被占用",
                notes="纠纷化解队介绍了调解经过；业委会说明楼前车位是2021年道路拓宽时统一规划的公共车位。",
                outcome="双方当场表示接受公共车位规则。",
                resolution="公共车位不得固定占用，先到先停；物业在车位旁加装提示牌。",
                actions=(
                    Act(
                        "在2号楼前车位旁加装“公共车位 请勿长期占用”提示牌",
                        7,
                        organisation=COMPANY,
                        done=Ago(101, "16:00"),
                        done_by="property",
                        note="已加装提示牌两块。",
                    ),
                ),
            ),
            Item(
                Source.APPEAL,
                "居民反映电梯保养时间不固定",
                "3号楼3单元居民反映电梯维保单位上门时间不固定，保养停梯也不提前通知，老人下楼买菜回来才发现电梯停了。",
                notes="物业说明维保合同约定每月保养两次，具体日期一直由维保单位临时安排。",
                outcome="物业承认通知不到位。",
                resolution="物业与维保单位签订月度保养计划，保养前一天在单元门口张贴停梯通知。",
                actions=(
                    Act(
                        "与电梯维保单位签订月度保养计划，并在单元门口公示保养日期",
                        14,
                        organisation=COMPANY,
                        done=Ago(95, "11:00"),
                        done_by="property",
                        note="已签订全年保养计划，3号楼3单元和1号楼单元门口已张贴保养日期。",
                    ),
                ),
            ),
            Item(
                Source.OTHER,
                "物业服务评定情况通报",
                notes="业委会主任通报了上月业主代表对物业服务的评定情况，维修响应扣分较多。",
                resolution="物业对扣分项逐条整改，下次联席会议报告。",
            ),
        ),
        people=("staff",),
        summary=(
            "社区党委主持，小区党支部、业委会、物业公司和居民纠纷化解队参加。会议听取了2号楼前车位纠纷的调解情况，"
            "业委会当面说明了公共车位的使用规则，双方接受；针对居民反映的电梯保养时间不固定，要求物业与维保单位"
            "签订月度保养计划并在单元门口公示；通报了物业服务评定情况，物业对维修响应慢的问题作了说明。"
        ),
    ),
    MeetingData(
        YUNYUAN,
        Kind.JOINT,
        "蕴园小区联席会议：文明养犬和供暖准备",
        Ago(78, "15:00"),
        90,
        JOINT_PLACE,
        "staff",
        JOINT,
        Ago(85, "10:00"),
        (
            Item(
                Source.DISPUTE,
                "3号楼3单元楼道养犬扰民",
                notes="纠纷化解队介绍了上门沟通情况，犬主表示愿意改正。",
                outcome="犬主在会上致歉，承诺改正。",
                resolution="制定小区文明养犬公约，张贴在各单元门口。",
                actions=(
                    Act(
                        "起草并张贴小区文明养犬公约",
                        7,
                        owner="mediator",
                        done=Ago(74, "17:00"),
                        done_by="mediator",
                        note="公约已张贴在全部18个单元门口。",
                    ),
                ),
            ),
            Item(
                Source.OTHER,
                "冬季供暖前管道和阀门检查",
                "往年供暖初期有的单元暖气不热，多是立管阀门锈死或管道里有空气。",
                resolution="物业在供暖前完成各楼单元暖气立管阀门检查，发现问题及时维修。",
                actions=(
                    Act(
                        "供暖前完成各楼单元暖气立管阀门检查",
                        30,
                        organisation=COMPANY,
                        done=Ago(45, "16:30"),
                        done_by="property",
                        note="18个单元立管阀门全部检查完毕，更换锈死阀门3只。",
                    ),
                ),
            ),
            Item(
                Source.APPEAL,
                "居民建议延长健身广场晚间照明时间",
                "不少老人晚饭后到健身广场锻炼，广场照明晚上9点就关了。",
                outcome="各方同意。",
                resolution="健身广场照明延长到晚上10点。",
                actions=(
                    Act(
                        "调整健身广场照明定时器，延长至晚上10点",
                        3,
                        organisation=COMPANY,
                        done=Ago(76, "20:00"),
                        done_by="property",
                        note="定时器已调整。",
                    ),
                ),
            ),
        ),
        people=("staff",),
        summary=(
            "会议听取了3号楼3单元养犬纠纷的调解情况，犬主当场致歉，决定由纠纷化解队起草文明养犬公约并张贴；"
            "部署供暖前的暖气立管阀门检查；同意居民延长健身广场照明时间的建议。上次会议的两项决定均已完成。"
        ),
    ),
    MeetingData(
        YUNYUAN,
        Kind.JOINT,
        "蕴园小区联席会议：违建雨棚和楼道杂物",
        Ago(50, "15:00"),
        120,
        JOINT_PLACE,
        "staff",
        JOINT,
        Ago(57, "10:00"),
        (
            Item(
                Source.ACTION_ITEM,
                "供暖前完成各楼单元暖气立管阀门检查",
                notes="物业：已检查12个单元，其余6个单元本周内完成。",
                outcome="继续跟进，供暖前必须全部完成。",
            ),
            Item(
                Source.DISPUTE,
                "6号楼一楼私搭雨棚占用公共通道",
                notes="纠纷化解队介绍：雨棚占用公共通道且未经审批，一楼住户不同意拆除，调解未能达成一致。",
                outcome="调解无法解决。",
                resolution="属违法搭建，转城管执法部门依法处理，纠纷化解队跟进结果。",
            ),
            Item(
                Source.APPEAL,
                "居民反映楼道和地下室杂物堆放",
                "多名居民反映4号楼、5号楼地下室过道堆满废纸箱和旧家具，有的挡住了电表箱，存在消防隐患。",
                resolution="物业组织全小区楼道和地下室杂物清理：先张贴通知限期自行清理，逾期统一清运。",
                actions=(Act("组织全小区楼道和地下室杂物清理", 20, organisation=COMPANY),),
            ),
            Item(
                Source.OTHER,
                "2号楼1单元加装电梯意见征询进展",
                "2号楼1单元部分业主提出加装电梯，需按民法典第二百七十八条征求本单元业主意见。",
                resolution="业委会整理意见征询情况，在单元门口公示，再组织业主表决。",
                actions=(Act("整理2号楼1单元加装电梯意见征询情况，在单元门口公示", 60, owner="committee"),),
            ),
        ),
        people=("staff",),
        absent=("demo-wujianguo",),
        summary=(
            "业委会主任因事请假。会议听取了暖气阀门检查的进度；6号楼私搭雨棚纠纷调解不成，决定转城管执法部门"
            "依法处理；针对楼道和地下室杂物堆放，要求物业组织全小区清理；业委会报告了2号楼1单元加装电梯的"
            "意见征询进展。"
        ),
    ),
    MeetingData(
        YUNYUAN,
        Kind.JOINT,
        "蕴园小区联席会议：杂物清理进度和收支公示",
        Ago(22, "15:00"),
        90,
        JOINT_PLACE,
        "staff",
        JOINT,
        Ago(29, "10:00"),
        (
            Item(
                Source.ACTION_ITEM,
                "组织全小区楼道和地下室杂物清理",
                notes="物业：3号楼、5号楼已清理完毕，其余楼栋因人手不足推迟。",
                outcome="未按期完成。要求物业加派人手尽快完成，纠纷化解队协助做好住户工作。",
            ),
            Item(
                Source.ACTION_ITEM,
                "整理2号楼1单元加装电梯意见征询情况，在单元门口公示",
                notes="业委会：业主表决正在进行。",
                outcome="表决结束后一并公示结果。",
            ),
            Item(
                Source.APPEAL,
                "居民希望公开公共收益和维修资金收支",
                "有居民问小区广告位、停车位的收入去了哪里，维修资金花了多少。",
                resolution="业委会在公示栏公布今年以来公共收益和维修资金使用明细。",
                actions=(
                    Act(
                        "在公示栏公布今年以来公共收益和维修资金使用明细",
                        14,
                        organisation=COMMITTEE,
                        done=Ago(10, "16:00"),
                        done_by="committee",
                        note="已在小区公示栏和“焕新”平台公布。",
                    ),
                ),
            ),
            Item(
                Source.OTHER,
                "入冬前单元门和楼道窗户检查",
                "入冬后单元门关不严、楼道窗户破损，冷风灌进楼道，水管容易冻。",
                resolution="物业入冬前检查各单元门闭门器和楼道窗户，损坏的及时更换。",
                actions=(Act("入冬前检查各单元门闭门器和楼道窗户，损坏的及时更换", 30, organisation=COMPANY),),
            ),
        ),
        people=("staff",),
        summary=(
            "会议检查了上次会议决定的落实情况：楼道和地下室杂物清理未按期完成，要求物业加派人手；2号楼1单元"
            "加装电梯的业主表决正在进行。决定由业委会公开今年以来公共收益和维修资金使用明细，由物业在入冬前"
            "检查单元门和楼道窗户。"
        ),
    ),
    MeetingData(
        YUNYUAN,
        Kind.JOINT,
        "蕴园小区联席会议：装修噪音和渗水纠纷",
        Ahead(6, "15:00"),
        90,
        JOINT_PLACE,
        "staff",
        JOINT,
        Ago(3, "10:00"),
        (
            Item(
                Source.OTHER,
                "本月物业服务评定",
                "请业委会委员在月底前完成本月物业服务评分。",
            ),
        ),
        people=("staff",),
    ),
    # ------------------------------------------------ 体委小区: 三事四协商, one of each kind
    MeetingData(
        TIWEI,
        Kind.DELIBERATION,
        "体委小区议事协商：广场舞时间和音量",
        Ago(73, "19:00"),
        90,
        "体委小区党群服务站",
        "staff2",
        TIWEI_PARTIES,
        Ago(74, "10:00"),
        (
            Item(
                Source.OTHER,
                "广场舞活动时间和音响音量",
                "邻里来说事：周边居民反映晚上广场舞音响声音大、结束晚，孩子写作业、老人睡觉都受影响。",
                notes="社区来听事：广场舞队代表说队员多是退休职工，白天要带孩子，只有晚上有空；"
                "周边居民代表希望九点前结束、音量调小。",
                outcome="共同来解事：双方各让一步，达成一致。",
                resolution="广场舞晚上8点半前结束，音响调低音量并朝向空地一侧；物管会每周检查一次。",
                actions=(
                    Act(
                        "在广场入口张贴文明健身公约和活动时间",
                        3,
                        organisation=TIWEI_COMMITTEE,
                        done=Ago(71, "10:00"),
                        done_by="demo-haoyongming",
                        note="公约已张贴在广场入口。",
                    ),
                ),
            ),
        ),
        people=("staff2",),
        summary=(
            "按“三事四协商”召开议事协商会，物管会、党群服务站、广场舞队和周边居民代表参加。"
            "约定广场舞晚上8点半前结束，音响调低音量并朝向空地一侧，由物管会每周检查。"
        ),
    ),
    MeetingData(
        TIWEI,
        Kind.HEARING,
        "体委小区听证协商：蓝牙升降杆卡费和临时停车收费",
        Ago(40, "19:00"),
        120,
        "体委小区党群服务站",
        "staff2",
        (*TIWEI_PARTIES, SCHOOL),
        Ago(47, "10:00"),
        (
            Item(
                Source.OTHER,
                "蓝牙升降杆维护费、补卡费和临时停车收费标准",
                "物管会提出方案：升降杆每卡每年维护费60元，补办卡每张30元；外来车辆临时停车1小时内免费，"
                "超过后每次5元，收入用于升降杆维护和车位划线。",
                notes="听证代表由车主、不开车的住户和市体校代表组成。有代表提出低保户和残疾人家庭应予减免；"
                "有代表提出临时停车收费要防止熟人“刷卡代停”。",
                outcome="方案经听证代表表决通过，增加低保户、残疾人家庭免收年度维护费的条款。",
                resolution="自下月起执行新标准；收支每季度在党群服务站公示。",
                actions=(
                    Act(
                        "公示升降杆收费标准和上一年度收支明细",
                        7,
                        organisation=TIWEI_COMMITTEE,
                        done=Ago(36, "10:00"),
                        done_by="demo-haoyongming",
                        note="已在党群服务站和各楼门口公示。",
                    ),
                ),
            ),
            Item(
                Source.DISPUTE,
                "4号楼车位卡费分摊和临时停车",
                notes="社区介绍了听事情况，这起纠纷正是因为外来车辆临时停车没有规则。",
                outcome="双方同意按本次听证确定的临时停车规则执行。",
            ),
        ),
        people=("staff2",),
        absent=("demo-yanchunmei",),
        summary=(
            "就蓝牙升降杆维护费、补卡费和外来车辆临时停车收费召开听证协商会，车主、住户代表和产权单位市体校"
            "代表参加。物管会的收费方案经听证代表表决通过，并增加低保户、残疾人家庭的减免条款；4号楼车位纠纷"
            "双方同意按新规则执行。"
        ),
    ),
    MeetingData(
        TIWEI,
        Kind.EXPERT,
        "体委小区专业协商：老旧供水管道检测和更换",
        Ago(30, "09:30"),
        120,
        "体委小区党群服务站",
        "staff2",
        (TIWEI_COMMITTEE, SCHOOL),
        Ago(36, "10:00"),
        (
            Item(
                Source.OTHER,
                "1号楼、2号楼供水立管锈蚀情况和更换方案",
                "居民反映1号楼、2号楼自来水早上发黄，部分住户水压低。社区邀请供水公司管网所工程师和一位给排水"
                "专业的退休工程师现场查看后参加协商。",
                notes="专家意见：立管为上世纪90年代的镀锌钢管，内壁锈蚀结垢严重；建议先做压力测试和水质检测，"
                "确需更换的改用不锈钢管，分单元施工，每个单元停水不超过一天。",
                outcome="各方同意先检测、后决策。",
                resolution="委托供水公司做压力测试和水质检测；结果出来后再召开议事协商，确定更换方案和费用分担。",
                actions=(
                    Act(
                        "委托供水公司对1号楼、2号楼供水立管做压力测试和水质检测",
                        40,
                        owner="staff2",
                    ),
                ),
            ),
        ),
        people=("staff2",),
        summary=(
            "邀请供水公司管网所工程师和给排水专业退休工程师，就1号楼、2号楼供水立管锈蚀问题召开专业协商会。"
            "专家建议先做压力测试和水质检测，确需更换的改用不锈钢管、分单元施工。决定先委托检测，"
            "再议更换方案和费用分担。"
        ),
    ),
    MeetingData(
        TIWEI,
        Kind.COORDINATION,
        "体委小区联动协商：电动车充电桩接电",
        Ago(16, "15:00"),
        90,
        "体委小区党群服务站",
        "staff2",
        (*TIWEI_PARTIES, SCHOOL),
        Ago(20, "10:00"),
        (
            Item(
                Source.ACTION_ITEM,
                "委托供水公司对1号楼、2号楼供水立管做压力测试和水质检测",
                notes="社区：已与供水公司约定检测时间。",
                outcome="按计划推进。",
            ),
            Item(
                Source.OTHER,
                "充电桩供电接入和电费结算",
                "车棚充电桩已安装完成，等待供电接入。社区邀请供电所客户经理、市体校后勤负责人和物管会共同协商。",
                notes="供电所：需产权单位出具用电报装委托，单独装表计量。市体校同意出具委托并承担表箱费用。",
                outcome="各方同意由物管会统一报装、单独计量，电费按刷卡充电量结算。",
                resolution="社区协调供电所尽快接电并组织验收；接电前车棚严禁飞线充电。",
                actions=(
                    Act("协调供电所完成充电桩接电并组织验收", 25, owner="staff2"),
                    Act(
                        "在车棚张贴禁止飞线充电告示并逐户告知",
                        3,
                        organisation=TIWEI_COMMITTEE,
                        done=Ago(12, "17:00"),
                        done_by="demo-haoyongming",
                        note="已张贴告示，物管会委员逐户上门告知。",
                    ),
                ),
            ),
            Item(
                Source.DISPUTE,
                "2号楼1单元飞线充电",
                notes="社区介绍了听事情况：楼上住户因充电桩还没通电才从家里拉线。",
                outcome="楼上住户承诺在充电桩通电前改到车棚临时插座充电，不再从窗户拉线。",
            ),
        ),
        people=("staff2",),
        summary=(
            "就车棚电动车充电桩接电召开联动协商会，供电所、产权单位市体校、物管会和党群服务站参加。"
            "市体校出具用电报装委托并承担表箱费用，物管会统一报装、单独计量；社区协调供电所尽快接电。"
            "2号楼飞线充电的住户承诺接电前改用车棚临时插座。"
        ),
    ),
    MeetingData(
        TIWEI,
        Kind.DELIBERATION,
        "体委小区议事协商：物管会收支公示栏",
        Ahead(8, "19:00"),
        90,
        "体委小区党群服务站",
        "staff2",
        TIWEI_PARTIES,
        Ago(2, "16:00"),
        (
            Item(
                Source.OTHER,
                "在健康生活墙旁设置物管会收支公示栏",
                "居民建议在健康生活墙旁装一个宣传栏，每月张贴物管会的收支明细。",
            ),
        ),
        people=("staff2",),
    ),
)


# ---------------------------------------------------------------- loading


class _Story:
    """What the loader has made so far, by title, and who is who."""

    def __init__(self, users: dict[str, User], estates: dict[str, Estate], anchor: datetime) -> None:
        self.users = users
        self.estates = estates
        self.anchor = anchor
        self.organisations = {
            organisation.name: organisation
            for organisation in Organisation.objects.filter(
                name__in={name for data in MEETINGS for name in data.organisations}
                | {act.organisation for data in MEETINGS for item in data.items for act in item.actions}
            )
        }
        self.disputes: dict[str, Dispute] = {}
        self.actions: dict[str, ActionItem] = {}


def usernames() -> set[str]:
    """Everyone the meetings and disputes need."""
    names = {data.raised_by for data in DISPUTES} | {party.person for data in DISPUTES for party in data.parties}
    names |= {step.by for data in DISPUTES for step in data.steps}
    names |= {
        mediator for data in DISPUTES for step in data.steps if isinstance(step, Assign) for mediator in step.mediators
    }
    for data in MEETINGS:
        names |= {data.organiser, *data.people, *data.absent}
        names |= {name for item in data.items for act in item.actions for name in (act.owner, act.done_by)}
    return names - {""}


def load_meetings_demo(
    users: dict[str, User], estates: dict[str, Estate], *, anchor: datetime, stdout: IO[str] | None = None
) -> int:
    """Play the disputes and meetings that do not exist yet, in the order their steps happened
    (see the module docstring). Returns how many disputes and meetings were created."""
    existing_disputes = set(
        Dispute.objects.filter(estate__in=estates.values(), title__in=[data.title for data in DISPUTES]).values_list(
            "estate__name", "title"
        )
    )
    communities = {name: estate.community for name, estate in estates.items()}
    existing_meetings = set(
        Meeting.objects.filter(
            community__in=communities.values(), title__in=[data.title for data in MEETINGS]
        ).values_list("community__name", "title")
    )
    story = _Story(users, estates, anchor)
    new_disputes = [data for data in DISPUTES if (data.estate, data.title) not in existing_disputes]
    new_meetings = [data for data in MEETINGS if (communities[data.estate].name, data.title) not in existing_meetings]
    timeline: list[tuple[datetime, int, Callable[[datetime], None]]] = []

    def at(when: Ago | Ahead, run: Callable[[datetime], None]) -> None:
        timeline.append((moment(when, anchor), len(timeline), run))

    for data in new_disputes:
        at(data.raised, lambda when, data=data: _raise(story, data, when))
        for step in data.steps:
            at(step.at, lambda when, data=data, step=step: _dispute_step(story, data.title, step, when))
    for data in new_meetings:
        at(data.starts, lambda when, data=data: _meet(story, data, when))
        for item in data.items:
            for act in item.actions:
                if act.done is not None:
                    at(act.done, lambda when, act=act: _complete(story, act, when))

    for when, _order, run in sorted(timeline, key=lambda entry: entry[:2]):
        run(when)
    if stdout is not None:
        for data in [*new_disputes, *new_meetings]:
            stdout.write(f"  {data.title}\n")
    return len(new_disputes) + len(new_meetings)


def _past(when: datetime, story: _Story, what: str) -> None:
    if when >= story.anchor:
        raise ValueError(f"{what}: a step lies in the future.")


# ---------------------------------------------------------------- disputes, step by step


def _raise(story: _Story, data: DisputeData, when: datetime) -> None:
    _past(when, story, data.title)
    estate = story.estates[data.estate]
    parties = [
        {
            "household": Household.objects.get(
                unit__building__estate=estate,
                unit__building__name=party.building,
                unit__name=party.unit,
                room=party.room,
            ),
            "side": party.side,
            "person": story.users[party.person] if party.person else None,
        }
        for party in data.parties
    ]
    dispute = services.raise_dispute(
        estate,
        by=story.users[data.raised_by],
        kind=data.kind,
        title=data.title,
        description=data.description,
        parties=parties,
    )
    story.disputes[data.title] = dispute
    _backdate_dispute(dispute, when, since=story.anchor)


def _dispute_step(story: _Story, title: str, step: DisputeStep, when: datetime) -> None:
    _past(when, story, title)
    dispute, by = story.disputes[title], story.users[step.by]
    match step:
        case Assign():
            services.assign_mediators(dispute, by=by, mediators=[story.users[name] for name in step.mediators])
        case Session():
            services.hold_session(dispute, by=by, notes=step.notes, held_at=when, place=step.place)
        case Hear():
            services.hear_dispute(dispute, by=by, note=step.note)
        case Settle():
            services.settle_dispute(dispute, by=by, outcome=step.outcome, note=step.note)
    _backdate_dispute(dispute, when, since=story.anchor)


def _backdate_dispute(dispute: Dispute, when: datetime, *, since: datetime) -> None:
    """Move what the last service call stamped (at `since` or later) to `when`."""
    row = Dispute.objects.filter(pk=dispute.pk).values("created_at", "updated_at", "settled_at").get()
    changes = {name: when for name, value in row.items() if value is not None and value >= since}
    Dispute.objects.filter(pk=dispute.pk).update(**changes)
    DisputeEvent.objects.filter(dispute=dispute, at__gte=since).update(at=when)
    DisputeSession.objects.filter(dispute=dispute, recorded_at__gte=since).update(recorded_at=when)


# ---------------------------------------------------------------- meetings


def _meet(story: _Story, data: MeetingData, starts_at: datetime) -> None:
    """Schedule the meeting; if it lies in the past, hold it: start it (which draws the agenda
    from what is open now, in the story's order), write down each item and its action items,
    record attendance, close it, write the summary and publish the minutes."""
    estate = story.estates[data.estate]
    organiser = story.users[data.organiser]
    ends_at = starts_at + timedelta(minutes=data.minutes)
    scheduled_at = moment(data.scheduled, story.anchor)
    _past(scheduled_at, story, data.title)
    meeting = services.schedule_meeting(
        estate.community,
        by=organiser,
        kind=data.kind,
        starts_at=starts_at,
        ends_at=ends_at,
        place=data.place,
        title=data.title,
        estate=estate,
        organisations=[story.organisations[name] for name in data.organisations],
        people=[story.users[name] for name in data.people],
    )
    if not data.summary:  # still to come: its agenda as drawn, and what staff added
        for item in data.items:
            services.add_agenda_item(
                meeting, by=organiser, title=item.title, description=item.description, source=item.source
            )
        Meeting.objects.filter(pk=meeting.pk).update(created_at=scheduled_at, updated_at=scheduled_at)
        MeetingEvent.objects.filter(meeting=meeting).update(at=scheduled_at)
        return

    _past(ends_at, story, data.title)
    services.start_meeting(meeting, by=organiser)
    # The one write around the services: the agenda is drawn from what is escalated *now*, and
    # the requests demo dates its escalations in the last days; a past meeting cannot have
    # drawn a request escalated (or a dispute raised) after it began, so those items go.
    meeting.agenda_items.filter(
        Q(request__escalated_at__gt=starts_at) | Q(dispute__created_at__gt=starts_at),
        notes="",
        outcome="",
        resolution="",
    ).delete()
    drawn = {
        (item.source, item.dispute.title if item.dispute_id else item.action_item.title): item
        for item in meeting.agenda_items.filter(source__in=[Source.DISPUTE, Source.ACTION_ITEM]).select_related(
            "dispute", "action_item"
        )
    }
    for item in data.items:
        if item.source in services.HAND_SOURCES:
            agenda_item = services.add_agenda_item(
                meeting, by=organiser, title=item.title, description=item.description, source=item.source
            )
        elif (item.source, item.title) in drawn:
            agenda_item = drawn[(item.source, item.title)]
        else:
            continue  # a dispute or action item deleted since an earlier loading: not on the agenda
        services.update_agenda_item(
            agenda_item, by=organiser, notes=item.notes, outcome=item.outcome, resolution=item.resolution
        )
        held_on = timezone.localdate(starts_at)
        for act in item.actions:
            story.actions[act.title] = services.add_action_item(
                meeting,
                by=organiser,
                title=act.title,
                due_on=held_on + timedelta(days=act.due_in),
                owner=story.users[act.owner] if act.owner else None,
                owner_organisation=story.organisations[act.organisation] if act.organisation else None,
                agenda_item=agenda_item,
            )
    seats = meeting.participants.select_related("user")
    services.record_attendance(
        meeting, by=organiser, attendance=[(seat.pk, seat.user.username not in data.absent) for seat in seats]
    )
    services.close_meeting(meeting, by=organiser)
    services.update_meeting(meeting, by=organiser, summary=data.summary)
    services.publish_minutes(meeting, by=organiser)

    # Minutes go out the day after the meeting.
    published_at = timezone.make_aware(datetime.combine(timezone.localdate(ends_at) + timedelta(days=1), time(10)))
    _past(published_at, story, data.title)
    Meeting.objects.filter(pk=meeting.pk).update(
        created_at=scheduled_at,
        started_at=starts_at,
        closed_at=ends_at,
        minutes_published_at=published_at,
        updated_at=published_at,
    )
    Action = MeetingEvent.Action
    for action, when in (
        (Action.SCHEDULED, scheduled_at),
        (Action.STARTED, starts_at),
        (Action.CLOSED, ends_at),
        (Action.PUBLISHED, published_at),
    ):
        MeetingEvent.objects.filter(meeting=meeting, action=action).update(at=when)
    ActionItem.objects.filter(meeting=meeting).update(created_at=ends_at)


def _complete(story: _Story, act: Act, when: datetime) -> None:
    _past(when, story, act.title)
    item = story.actions.get(act.title)
    if item is None:
        return  # its agenda item was left out
    if when <= item.meeting.ends_at:
        raise ValueError(f"{act.title}: done before the meeting decided it.")
    services.complete_action_item(item, by=story.users[act.done_by], note=act.note)
    ActionItem.objects.filter(pk=item.pk).update(done_at=when)
