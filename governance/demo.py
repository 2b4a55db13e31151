"""The demo's resident requests (居民点单) in the three estates of the Yangquan report (DESIGN §1, §5).

About three months of requests, dated relative to the moment the demo is loaded so that the
queues, due times and escalations look alive whenever it is loaded: something in every status,
one request not taken in time, one past its due time, a neighbour dispute escalated to the joint
meeting, quotes waiting for 蕴园小区's owners' committee (买单), resolved requests waiting for the
residents' confirmation and closed ones with their ratings. The `resident` and `resident2`
logins have three requests each; `property` has a queue; `committee` has a quote to approve.

Every request is filed and moved through `governance.services` by the person who would act:
the residents; community staff, on behalf of elderly residents; the property companies' staff;
for 体委小区, which has no property company, 中心广场社区's staff, to whom its requests are routed
and who handle them with the residents' management committee (居民物管会). The services stamp
each step with the moment they run; **the demo then backdates** the request's timestamps, its
timeline entries, payment votes and photos to the moment the step happened in the story (a
QuerySet.update after each service call). At the end the system's escalation sweep runs, and
what it flags is dated when the sweep would have caught it.

蕴园小区's owners' committee decides payments by majority: its demo members are the 主任 and the
`committee` login, so a quote is approved once both agree, and the login's vote always counts.

Requests are keyed by (estate, resident, description): one that exists is left alone, so loading
twice changes nothing. Person names and every request are invented.

The rest of the estates' governance has a module each beside this one, loaded after the
requests by `load_governance_demo` (below): service ratings (`demo_ratings`), meetings and
disputes (`demo_meetings`), notices (`demo_notices`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from io import BytesIO
from typing import IO, Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw

from estates import services as estates_services
from estates.errors import Conflict
from estates.models import Building, Community, Estate, Household, Membership, Unit, User

from . import services
from .models import (
    ActionItem,
    Dispute,
    EstatePolicy,
    Meeting,
    Notice,
    PaymentVote,
    RatingRound,
    RequestCategory,
    RequestEvent,
    RequestPhoto,
    ResidentRequest,
)

YUNYUAN = "蕴园小区"
TIWEI = "体委小区"
JIARONG = "佳融花园小区"
COMMUNITIES = {YUNYUAN: "小阳泉北社区", TIWEI: "中心广场社区", JIARONG: "南山南路社区"}
# Who takes each estate's requests (接单): its property company's staff; 体委小区 has none.
COMPANY_STAFF = {YUNYUAN: "property", TIWEI: "", JIARONG: "demo-qinhaitao"}
# Who files for elderly residents and handles what is routed to the community.
COMMUNITY_STAFF = {YUNYUAN: "staff", TIWEI: "staff2", JIARONG: "demo-wenlina"}
# 南山南路社区 has no demo login: the same staff member without a login the renovations demo adds.
JIARONG_STAFF = ("demo-wenlina", "温丽娜", "13935309517", "南山南路社区")
DIRECTOR = "demo-wujianguo"  # 主任 of 蕴园小区's owners' committee

HOME = "home"  # the place of a request filed for the resident's own household
PLACE = re.compile(r"(?P<building>\d+号楼)(?P<unit>\d+单元)?")
# How long after a request became late the sweep (every few minutes) flagged it.
SWEEP_LAG = timedelta(minutes=5)


# ---------------------------------------------------------------- the story


@dataclass(frozen=True)
class Ago:
    """A moment `days` before the day the demo is loaded, at `clock` (Yangquan time)."""

    days: int
    clock: str


@dataclass(frozen=True)
class HoursAgo:
    """A moment shortly before the demo is loaded."""

    hours: float


@dataclass(frozen=True)
class Ahead:
    """A moment `days` after the day the demo is loaded, at `clock` (Yangquan time): a meeting
    to come, the end of a notice's publication."""

    days: int
    clock: str


# Every step happens `at` hours after the request was filed; `by` is a username, or empty for
# whoever would act: the company's staff takes, the community's staff routes, whoever took the
# request works on it, the resident answers.


@dataclass(frozen=True)
class Accept:
    at: float
    due_in: float | None = None  # hours after taking it; by default the category's time to resolve
    by: str = ""


@dataclass(frozen=True)
class Route:
    at: float
    note: str = ""
    due_in: float | None = None
    by: str = ""


@dataclass(frozen=True)
class Start:
    at: float
    note: str = ""
    by: str = ""


@dataclass(frozen=True)
class Quote:
    at: float
    amount: str
    note: str
    by: str = ""


@dataclass(frozen=True)
class Vote:
    """A committee member's vote on the quote (买单)."""

    at: float
    by: str
    approve: bool = True
    note: str = ""


@dataclass(frozen=True)
class Resolve:
    at: float
    note: str
    by: str = ""


@dataclass(frozen=True)
class Confirm:
    at: float
    rating: int
    comment: str = ""
    by: str = ""


@dataclass(frozen=True)
class Reopen:
    at: float
    reason: str
    by: str = ""


@dataclass(frozen=True)
class Withdraw:
    at: float
    note: str = ""
    by: str = ""


@dataclass(frozen=True)
class Reject:
    at: float
    reason: str
    by: str = ""


@dataclass(frozen=True)
class Escalate:
    at: float
    note: str
    by: str = ""


Step = Accept | Route | Start | Quote | Vote | Resolve | Confirm | Reopen | Withdraw | Reject | Escalate


@dataclass(frozen=True)
class Ask:
    """A request (点单): for `resident`, filed by them or by community staff (`filed_by`) for them.
    `place` is HOME, a building (3号楼), a unit (3号楼3单元) or a public place."""

    estate: str
    category: str
    resident: str
    place: str
    description: str
    filed: Ago | HoursAgo
    steps: tuple[Step, ...] = ()
    filed_by: str = ""
    urgency: str = ResidentRequest.Urgency.NORMAL
    photos: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.estate, self.resident, self.description)


URGENT = ResidentRequest.Urgency.URGENT

REQUESTS: tuple[Ask, ...] = (
    # ------------------------------------------------ 蕴园小区: 恒安物业 takes, the committee pays
    Ask(
        YUNYUAN,
        "lift",
        "demo-linxiaodong",
        "3号楼3单元",
        "3号楼3单元的电梯这几天运行的时候有咔咔的异响，到5楼、6楼声音特别大，老人坐着心里发慌，麻烦尽快派人来看看。",
        Ago(48, "08:40"),
        (
            Accept(1.5),
            Start(3, "已通知电梯维保单位到场检查。"),
            Resolve(7, "维保单位调整了轿厢导靴间隙并加注润滑油，试运行正常。"),
            Reopen(40, "修完第二天又开始响，到5楼、6楼的时候咔咔声还是很大。"),
            Resolve(64, "维保单位再次检修，更换了两只磨损的导靴，连续观察一天运行平稳、无异响。"),
            Confirm(90, 4, "第二次修好了，现在坐电梯安静多了，希望以后按时保养。"),
        ),
        urgency=URGENT,
    ),
    Ask(
        YUNYUAN,
        "lighting",
        "resident",
        "3号楼3单元",
        "3单元4楼到6楼的楼道灯都不亮了，晚上上楼黑乎乎的，只能打着手机电筒走，老人很容易摔着。",
        Ago(70, "19:20"),
        (
            Accept(13),
            Start(14.5, "带声控灯泡和感应开关上门检修。"),
            Resolve(16, "更换了4至6楼的3个灯泡和1个损坏的声控开关，已全部点亮。"),
            Confirm(26, 5, "第二天一早就修好了，谢谢物业师傅。"),
        ),
    ),
    Ask(
        YUNYUAN,
        "lighting",
        "demo-linxiaodong",
        "3号楼3单元",
        "我们单元楼道灯坏了好几盏，晚上看不清台阶。",
        Ago(70, "20:05"),
        (Reject(12.5, "与同单元当晚已登记的楼道灯报修重复，已合并处理，维修进度请看那一单。"),),
    ),
    Ask(
        YUNYUAN,
        "repair",
        "resident",
        HOME,
        "卫生间顶上一直往下渗水，墙皮一块一块往下掉，应该是楼上602家的水管或者地漏漏了，"
        "麻烦物业来看看，也帮忙跟楼上说一下。",
        Ago(6, "09:10"),
        (
            Accept(2),
            Start(26, "已入户查看，渗水来自602卫生间地漏周边，防水层老化；已与602业主约好上门维修时间。"),
            Resolve(
                100,
                "已为602卫生间重做地面防水并更换地漏，闭水试验48小时无渗漏；502顶棚已铲除空鼓墙皮，"
                "待干透后刷漆。请业主确认。",
            ),
        ),
        photos=("stain",),
    ),
    Ask(
        YUNYUAN,
        "parking",
        "resident",
        "北门停车场",
        "北门停车场靠墙那辆白色面包车停了快一个月没动过，占着车位，轮胎都瘪了，是不是没人要的车？",
        Ago(20, "08:00"),
        (Accept(3), Withdraw(30, "车主已经把车开走了，不用处理了。")),
    ),
    Ask(
        YUNYUAN,
        "greening",
        "mediator",
        "6号楼南侧",
        "6号楼南边那棵大杨树上有一根粗树枝枯死了，刮风的时候晃得厉害，底下停着车，白天还有老人坐着乘凉，"
        "怕掉下来砸着人。",
        Ago(4, "10:00"),
        (
            Accept(2),
            Start(20, "已到现场查看，枯枝离地约8米，需请园林公司带升降车修剪。"),
            Quote(24, "1800.00", "请园林公司修剪6号楼南侧杨树枯枝（含升降车台班和枝条清运）"),
            Vote(30, DIRECTOR, note="同意，请尽快安排，施工时拉好警戒线。"),
        ),
        urgency=URGENT,
        photos=("branch",),
    ),
    Ask(
        YUNYUAN,
        "repair",
        DIRECTOR,
        "1号楼1单元",
        "1号楼1单元楼顶的防水层起鼓开裂了，这几场雨下来我家卧室顶上渗水发霉，6楼楼道的墙也泡了。",
        Ago(5, "16:30"),
        (
            Accept(1),
            Start(18, "已上屋面查看，防水卷材开裂、起鼓约20平方米，需局部重做防水。"),
            Quote(22, "4600.00", "1号楼1单元屋面局部防水修缮约20平方米（SBS改性沥青卷材，含材料和人工）"),
        ),
    ),
    Ask(
        YUNYUAN,
        "plumbing",
        "committee",
        HOME,
        "供暖以后家里暖气片上面热下面凉，卧室那组基本不热，是不是管子里有空气，麻烦物业来放放气。",
        Ago(3, "07:50"),
        (Accept(1.5, due_in=96), Start(5, "维修师傅已上门放气，仍不够热，需检查单元立管阀门。")),
    ),
    Ask(
        YUNYUAN,
        "repair",
        "committee",
        "2号楼1单元",
        "2号楼1单元的单元门闭门器坏了，门老是关不上，晚上冷风直往楼道里灌。",
        Ago(7, "09:30"),
        (Accept(4),),
    ),
    Ask(
        YUNYUAN,
        "cleaning",
        "demo-linxiaodong",
        "3号楼",
        "3号楼前面的落叶和枯枝堆了好几天没人扫，下过雨又湿又滑，老人出门得扶着墙走。",
        HoursAgo(5),
    ),
    Ask(
        YUNYUAN,
        "suggestion",
        "demo-caoshufen",
        "健身广场",
        "曹阿姨来社区反映：健身广场边上没有能坐的地方，老人锻炼完想歇歇脚只能站着，建议加几把长椅。",
        Ago(3, "15:00"),
        filed_by="staff",
    ),
    Ask(
        YUNYUAN,
        "noise",
        "demo-caoshufen",
        HOME,
        "曹阿姨打电话反映：楼上402家装修，每天早上7点不到就开始打电钻，中午也不停，她血压高，觉都睡不好，"
        "上门说过两次也没用。",
        Ago(12, "10:20"),
        (
            Route(0.5, "邻里纠纷，由社区和居民纠纷化解队出面协调。"),
            Start(3, "已联系402业主和装修队，约定施工时间为早8点至12点、下午2点至6点。"),
            Escalate(80, "协调后仍有早上提前施工的情况，提交本月联席会议，由纠纷化解队继续跟进。"),
        ),
        filed_by="staff",
    ),
    Ask(
        YUNYUAN,
        "parking",
        DIRECTOR,
        "2号楼前消防通道",
        "晚上2号楼前面的消防通道停满了车，上次120救护车都开不进来，物业得管一管。",
        Ago(40, "21:00"),
        (
            Accept(11.5),
            Start(12, "夜间巡查时对占用消防通道的车辆张贴提示，并电话通知车主挪车。"),
            Resolve(60, "已在消防通道施划黄色禁停网格线、安装警示牌，保安每晚巡查两次。"),
            Confirm(100, 3, "比以前好一些，但晚上十点以后还是有车停，希望坚持巡查。"),
        ),
    ),
    Ask(
        YUNYUAN,
        "repair",
        "committee",
        "健身广场",
        "健身广场的漫步机轴承坏了，一走就咯吱咯吱响，旁边那台扭腰器的扶手也松了，容易伤着人。",
        Ago(55, "09:00"),
        (
            Accept(3),
            Start(24, "已到现场查看，漫步机轴承需更换，扭腰器扶手螺栓锈蚀。"),
            Quote(26, "680.00", "更换漫步机轴承2套、扭腰器扶手螺栓并紧固（含配件和人工）"),
            Vote(40, DIRECTOR, note="同意。"),
            Vote(44, "committee", note="同意，健身器材关系到安全，尽快修。"),
            Resolve(70, "已更换漫步机轴承、紧固扭腰器扶手，试用正常。"),
            Confirm(96, 4, "修好了，早上锻炼的老人都说好用。"),
        ),
    ),
    Ask(
        YUNYUAN,
        "plumbing",
        "demo-caoshufen",
        HOME,
        "曹阿姨家厨房水龙头关不严，一直滴水，她一个人住，自己不会换，请物业师傅上门看看。",
        Ago(30, "14:00"),
        (
            Accept(1),
            Start(20, "约好第二天上午上门。"),
            Resolve(21, "已上门更换水龙头阀芯，不再滴水。"),
            Confirm(26, 5, "电话回访曹阿姨，水龙头已修好，很满意。", by="staff"),
        ),
        filed_by="staff",
    ),
    Ask(
        YUNYUAN,
        "greening",
        DIRECTOR,
        "小区中心绿地",
        "中心绿地的草长得太高了，快到膝盖了，晚上蚊子特别多，麻烦修剪一下。",
        Ago(85, "18:00"),
        (
            Accept(15),
            Start(40, "已安排绿化工修剪。"),
            Resolve(60, "中心绿地及两侧绿化带草坪修剪完毕，已喷洒灭蚊药。"),
            Confirm(72, 4, "修得挺整齐，蚊子少多了。"),
        ),
    ),
    Ask(
        YUNYUAN,
        "cleaning",
        "mediator",
        "4号楼",
        "4号楼地下室过道堆满了废纸箱和旧家具，有的还挡着电表箱，有火灾隐患。",
        Ago(5, "11:00"),
        (
            Accept(3),
            Start(24, "已张贴清理通知，限期三天由住户自行搬走。"),
            Resolve(80, "三天期满后清运了无人认领的杂物共两车，地下室过道已畅通。"),
        ),
    ),
    Ask(
        YUNYUAN,
        "cleaning",
        "mediator",
        "5号楼与6号楼之间垃圾桶",
        "5号楼和6号楼之间的垃圾桶好几天没清运了，天热味道很大，招了好多苍蝇。",
        Ago(88, "07:30"),
        (
            Accept(2),
            Start(3, "已通知保洁公司加派清运车。"),
            Resolve(8, "已清运并冲洗垃圾桶，调整为每天早晚各清运一次。"),
            Confirm(30, 5, "处理得很快，现在干净了。"),
        ),
    ),
    # ------------------------------------------------ 体委小区: routed to 中心广场社区, handled with the 物管会
    Ask(
        TIWEI,
        "parking",
        "demo-niujianjun",
        "小区大门蓝牙升降杆",
        "我的蓝牙升降杆卡这两天刷了没反应，杆子不抬，每次都得打电话找人开，麻烦看看是不是卡坏了。",
        Ago(45, "18:40"),
        (
            Route(14, "小区无物业公司，转居民物管会处理。"),
            Start(15, "物管会已联系升降杆厂家上门检测。"),
            Resolve(40, "厂家检测卡片芯片损坏，已为车主补办新卡并重新录入系统。"),
            Confirm(48, 5, "物管会办事靠谱，新卡好用。"),
        ),
    ),
    Ask(
        TIWEI,
        "security",
        "demo-tianguoqing",
        "2号楼北侧车棚",
        "车棚里电动车乱停，还有人从楼上窗户往下拉电线给电动车充电，太危险了，万一着火怎么办。",
        Ago(8, "20:00"),
        (
            Route(13, "转居民物管会，结合充电桩建设统一整治。", due_in=240),
            Start(14, "物管会已在车棚张贴禁止飞线充电的通知，正逐户上门劝导。"),
        ),
        urgency=URGENT,
    ),
    Ask(
        TIWEI,
        "suggestion",
        "demo-houzhigang",
        "健康生活墙旁",
        "建议在健康生活墙旁边装个宣传栏，把物管会每个月的收支明细贴出来，大家看着也放心。",
        Ago(2, "10:00"),
        (Route(3, "提交物管会下次议事协商会讨论。"),),
    ),
    Ask(
        TIWEI,
        "cleaning",
        "demo-zhailiping",
        "3号楼2单元",
        "3号楼2单元楼道里烟头和纸屑又多起来了，一楼墙角还有人堆了垃圾袋。",
        HoursAgo(3),
    ),
    Ask(
        TIWEI,
        "plumbing",
        "demo-duanshuzhen",
        HOME,
        "段阿姨家卫生间下水很慢，反映好几次了，老人腿脚不好，社区代为登记。",
        Ago(25, "09:30"),
        (
            Route(1, "转居民物管会联系管道疏通师傅。"),
            Start(4, "疏通师傅已上门。"),
            Resolve(6, "疏通卫生间下水管，清出毛发杂物，排水已正常。"),
            Confirm(28, 4, "电话回访段阿姨，排水正常，老人说谢谢。", by="staff2"),
        ),
        filed_by="staff2",
    ),
    Ask(
        TIWEI,
        "other",
        "demo-jinhongwei",
        "小区门口",
        "小区门口早上有卖早点的摊子占着路，车进出很困难，地上油污也多。",
        Ago(18, "07:40"),
        (Reject(3, "占道经营属城管执法范围，社区已转交城管部门，也可拨打12319城管热线反映。"),),
    ),
    Ask(
        TIWEI,
        "greening",
        "demo-yanchunmei",
        "健身场地",
        "健身场地边上的冬青长得太高了，把路灯都挡住了，晚上锻炼看不清。",
        Ago(60, "16:00"),
        (
            Route(16),
            Start(40, "物管会组织志愿者修剪。"),
            Resolve(44, "志愿者和保洁员一起修剪了冬青，路灯照明恢复。"),
            Confirm(50, 5, "大家一起动手，修得很好。"),
        ),
    ),
    Ask(
        TIWEI,
        "lighting",
        "demo-haoyongming",
        "1号楼",
        "1号楼门口的路灯不亮好几天了，晚上进出单元门看不清台阶。",
        Ago(4, "19:00"),
        (
            Route(14),
            Start(15, "物管会联系电工检修。"),
            Resolve(30, "更换了1号楼门口路灯的灯头和感应器，已恢复照明。"),
        ),
    ),
    Ask(
        TIWEI,
        "noise",
        "demo-jinhongwei",
        "小区广场",
        "晚上广场舞的音响声音太大，十点了还在跳，孩子写作业、老人睡觉都受影响。",
        Ago(75, "21:30"),
        (
            Route(12.5, "按“三事四协商”，由社区和物管会与广场舞队协商。"),
            Start(36, "社区和物管会召集广场舞队和周边居民议事协商。"),
            Resolve(60, "协商约定：广场舞晚上8点半前结束，音响调低音量并朝向空地一侧。"),
            Confirm(120, 3, "好一些了，偶尔还是会超时。"),
        ),
    ),
    # ------------------------------------------------ 佳融花园小区: 佳和物业 takes, 南山南路社区 files for the elderly
    Ask(
        JIARONG,
        "plumbing",
        "resident2",
        "3号楼前污水井",
        "3号楼前面新修的污水井，井盖缝里往外冒臭味，一到傍晚味道特别大，一楼二楼窗户都不敢开。"
        "污水管道修好以后又有这个问题了。",
        Ago(20, "18:30"),
        (
            Accept(15),
            Start(17, "已开井检查：井内有淤积，井盖密封圈老化。"),
            Resolve(40, "清掏了污水井淤积，更换井盖密封圈并加装防臭井盖，连续观察两天无异味。"),
            Confirm(70, 4, "味道基本没有了，希望定期清掏。"),
        ),
        photos=("well",),
    ),
    Ask(
        JIARONG,
        "lighting",
        "resident2",
        "3号楼西侧太阳能路灯",
        "3号楼西边那盏太阳能路灯这几天晚上都不亮，那一段路黑得很，老人晚上出来遛弯不敢走。",
        Ago(3, "20:10"),
        (Accept(13), Start(38, "已联系路灯供货单位，初步判断是蓄电池故障，配件在路上。")),
    ),
    Ask(
        JIARONG,
        "suggestion",
        "resident2",
        "直饮水机",
        "建议在直饮水机上面搭个遮雨棚，下雨下雪天排队接水浑身都淋湿了。",
        HoursAgo(6),
    ),
    Ask(
        JIARONG,
        "plumbing",
        "demo-peidesheng",
        HOME,
        "裴大爷家住1楼，卫生间地漏往上返水，还有股臭味，老人腿脚不便，社区代为登记。",
        Ago(35, "10:00"),
        (
            Accept(2),
            Start(4, "维修师傅已上门查看。"),
            Resolve(8, "疏通了1号楼1单元排污主管，清理地漏存水弯，已不返水。"),
            Confirm(30, 5, "电话回访裴大爷，卫生间已不返水，老人很满意。", by="demo-wenlina"),
        ),
        filed_by="demo-wenlina",
        urgency=URGENT,
    ),
    Ask(
        JIARONG,
        "repair",
        "demo-changhuimin",
        "3号楼2单元",
        "3号楼2单元5楼楼道的窗户玻璃碎了一块，冷风往里灌，碎玻璃还在窗台上，怕伤着孩子。",
        HoursAgo(30),
        (Accept(4),),
    ),
    Ask(
        JIARONG,
        "parking",
        "demo-peidesheng",
        "小区停车场",
        "新划的停车线有的车不按线停，一辆车占两个车位，晚上下班回来没地方停。",
        Ago(80, "19:00"),
        (
            Accept(14),
            Start(15, "在停车场张贴规范停车提示，逐一联系车主挪车。"),
            Resolve(48, "已对长期压线停放的车辆逐一沟通，压线情况明显减少，保安夜间巡查。"),
            Confirm(96, 3, "有改善，但还得经常管。"),
        ),
    ),
    Ask(
        JIARONG,
        "repair",
        "demo-peidesheng",
        "1号楼1单元",
        "1号楼1单元门口的台阶有块石板松动了，踩上去直晃，老人走路容易崴脚。",
        Ago(4, "09:00"),
        (
            Accept(3),
            Start(26, "已到现场查看，石板下砂浆空鼓。"),
            Resolve(50, "已撬起松动石板，重新铺砂浆固定，养护完成，可正常通行。"),
        ),
    ),
    Ask(
        JIARONG,
        "cleaning",
        "demo-changhuimin",
        "直饮水机旁",
        "直饮水机旁边的地面总是湿的，早上都结冰了，接水的老人容易滑倒。",
        Ago(15, "08:20"),
        (
            Accept(2),
            Start(4, "已查看，排水口堵塞导致积水。"),
            Resolve(8, "疏通了直饮水机排水口，并在地面铺设防滑垫。"),
            Confirm(30, 5, "处理得很及时，谢谢。"),
        ),
    ),
)


@dataclass
class RequestsDemoSummary:
    """What the requests demo left in the database, for `load_demo` to print."""

    requests: int = 0
    created: int = 0
    open: int = 0
    escalated: int = 0
    photos: int = 0


# ---------------------------------------------------------------- loading


@transaction.atomic
def load_requests_demo(*, stdout: IO[str] | None = None) -> RequestsDemoSummary:
    """Create the demo's resident requests that do not exist yet, step by step through the
    services, backdated to the story's moments (see the module docstring). Needs the estates
    demo (`estates.demo.load_demo`)."""
    anchor = timezone.now()
    estates = _estates()
    usernames = {"admin", DIRECTOR, *COMPANY_STAFF.values(), *COMMUNITY_STAFF.values()} - {""}
    for ask in REQUESTS:
        usernames |= {ask.resident, ask.filed_by} | {step.by for step in ask.steps}
    usernames.discard("")
    users = {user.username: user for user in User.objects.filter(username__in=usernames)}
    if JIARONG_STAFF[0] not in users and "admin" in users:
        users[JIARONG_STAFF[0]] = _jiarong_staff(users["admin"])
    if len(estates) < len(COMMUNITIES) or usernames - set(users):
        raise Conflict(_("Load the estates demo first: the requests belong to its estates and residents."))
    categories = {
        category.code: category
        for category in RequestCategory.objects.filter(code__in={ask.category for ask in REQUESTS})
    }
    if len(categories) < len({ask.category for ask in REQUESTS}):
        raise Conflict(_("The request categories are missing: run the migrations first."))

    _majority_rule(estates[YUNYUAN])
    descriptions = [ask.description for ask in REQUESTS]
    existing = set(
        ResidentRequest.objects.filter(estate__in=estates.values(), description__in=descriptions)
        .values_list("estate__name", "on_behalf_of__username", "description")
        .order_by()
    )
    summary = RequestsDemoSummary()
    for ask in REQUESTS:
        if ask.key in existing:
            continue
        request = _play(ask, estates[ask.estate], users, categories, anchor=anchor)
        summary.created += 1
        if stdout is not None:
            stdout.write(f"  {ask.estate} · {request.category.name_zh} · {request.get_status_display()}\n")

    demo = ResidentRequest.objects.filter(estate__in=estates.values(), description__in=descriptions)
    _sweep(demo, anchor=anchor)
    summary.requests = demo.count()
    summary.open = demo.open().count()
    summary.escalated = demo.filter(escalated_at__isnull=False).count()
    summary.photos = RequestPhoto.objects.filter(request__in=demo).count()
    return summary


def _estates() -> dict[str, Estate]:
    """The estates of the estates demo, by name, each in its own community."""
    return {
        estate.name: estate
        for estate in Estate.objects.filter(
            name__in=COMMUNITIES, community__name__in=COMMUNITIES.values()
        ).select_related("community")
        if COMMUNITIES[estate.name] == estate.community.name
    }


@dataclass
class GovernanceDemoSummary:
    """What the ratings, meetings, disputes and notices demo left in the database, for `load_demo`."""

    created: int = 0
    rating_rounds: int = 0
    published_rounds: int = 0
    meetings: int = 0
    published_minutes: int = 0
    action_items: int = 0
    disputes: int = 0
    notices: int = 0


@transaction.atomic
def load_governance_demo(*, stdout: IO[str] | None = None) -> GovernanceDemoSummary:
    """Create what is missing of the demo's service ratings (`demo_ratings`), meetings and
    disputes (`demo_meetings`) and notices (`demo_notices`). Needs the estates demo, and the
    requests demo before it: the coming joint meeting's agenda draws the escalated requests."""
    from . import demo_meetings, demo_notices, demo_ratings

    anchor = timezone.now()
    estates = _estates()
    wanted = demo_meetings.usernames() | {data.by for data in demo_notices.NOTICES} | set(COMMUNITY_STAFF.values())
    users = {user.username: user for user in User.objects.filter(username__in=wanted)}
    if len(estates) < len(COMMUNITIES) or wanted - set(users):
        raise Conflict(_("Load the estates and requests demos first: the meetings belong to their estates and people."))

    summary = GovernanceDemoSummary()
    staff = {name: users[COMMUNITY_STAFF[name]] for name in estates}
    summary.created += demo_ratings.load_ratings_demo(staff, anchor=anchor)
    summary.created += demo_meetings.load_meetings_demo(users, estates, anchor=anchor, stdout=stdout)
    communities = {estate.community.name: estate.community for estate in estates.values()}
    summary.created += demo_notices.load_notices_demo(users, communities, estates, anchor=anchor)

    rounds = RatingRound.objects.filter(estate__in=estates.values())
    meetings = Meeting.objects.filter(
        community__in=communities.values(), title__in=[data.title for data in demo_meetings.MEETINGS]
    )
    summary.rating_rounds = rounds.count()
    summary.published_rounds = rounds.published().count()
    summary.meetings = meetings.count()
    summary.published_minutes = meetings.published().count()
    summary.action_items = ActionItem.objects.filter(meeting__in=meetings).count()
    summary.disputes = Dispute.objects.filter(
        estate__in=estates.values(), title__in=[data.title for data in demo_meetings.DISPUTES]
    ).count()
    summary.notices = Notice.objects.filter(
        community__in=communities.values(), title__in=[data.title for data in demo_notices.NOTICES]
    ).count()
    return summary


def _jiarong_staff(admin: User) -> User:
    """南山南路社区's staff member, as the renovations demo adds her when it runs first."""
    username, full_name, phone, community_name = JIARONG_STAFF
    person = User.objects.create(
        username=username, full_name=full_name, phone=phone, is_demo=True, password=make_password(None)
    )
    community = Community.objects.get(name=community_name)
    estates_services.add_membership(person, by=admin, role=Membership.Role.COMMUNITY_STAFF, scope=community)
    return person


def _majority_rule(estate: Estate) -> None:
    """蕴园小区's committee (the 主任 and the `committee` login) decides payments by majority."""
    policy = EstatePolicy.for_estate(estate)
    if policy.payment_rule != EstatePolicy.PaymentRule.MAJORITY:
        policy.payment_rule = EstatePolicy.PaymentRule.MAJORITY
        policy.save(update_fields=["payment_rule"])


def moment(when: Ago | HoursAgo | Ahead, anchor: datetime) -> datetime:
    """The story's moment, relative to the moment the demo is loaded."""
    if isinstance(when, HoursAgo):
        return anchor - timedelta(hours=when.hours)
    offset = timedelta(days=when.days)
    day = timezone.localdate(anchor) + offset if isinstance(when, Ahead) else timezone.localdate(anchor) - offset
    hour, minute = (int(part) for part in when.clock.split(":"))
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _play(
    ask: Ask,
    estate: Estate,
    users: dict[str, User],
    categories: dict[str, RequestCategory],
    *,
    anchor: datetime,
) -> ResidentRequest:
    """File one request and take it through its steps, each backdated to its moment."""
    filed_at = moment(ask.filed, anchor)
    last = filed_at + timedelta(hours=max((step.at for step in ask.steps), default=0))
    if last >= anchor:
        raise ValueError(f"{ask.description[:20]}: a step lies in the future.")
    resident = users[ask.resident]
    category = categories[ask.category]
    request = services.file_request(
        estate,
        by=users[ask.filed_by] if ask.filed_by else resident,
        on_behalf_of=resident if ask.filed_by else None,
        category=category,
        description=ask.description,
        urgency=ask.urgency,
        photos=[_drawing(name) for name in ask.photos],
        **_place(ask.place, estate, resident),
    )
    _backdate(request, filed_at, since=anchor)
    for step in ask.steps:
        when = filed_at + timedelta(hours=step.at)
        request, due_in = _step(request, step, users)
        _backdate(request, when, since=anchor, due_at=when + timedelta(hours=due_in) if due_in is not None else None)
    return request


def _place(place: str, estate: Estate, resident: User) -> dict[str, Any]:
    if place == HOME:
        household = Household.objects.get(
            residents__user=resident,
            residents__role=Membership.Role.RESIDENT,
            residents__ended_on__isnull=True,
            unit__building__estate=estate,
        )
        return {"place_kind": ResidentRequest.PlaceKind.HOUSEHOLD, "household": household}
    match = PLACE.fullmatch(place)
    if match is None:
        return {"place_kind": ResidentRequest.PlaceKind.PUBLIC, "public_place": place}
    building = Building.objects.get(estate=estate, name=match["building"])
    if match["unit"] is None:
        return {"place_kind": ResidentRequest.PlaceKind.BUILDING, "building": building}
    unit = Unit.objects.get(building=building, name=match["unit"])
    return {"place_kind": ResidentRequest.PlaceKind.UNIT, "unit": unit}


def _step(request: ResidentRequest, step: Step, users: dict[str, User]) -> tuple[ResidentRequest, float | None]:
    """Take one step through its service; returns the request and, when it was taken or
    routed, the hours it is due in (by default the category's time to resolve)."""
    estate = request.estate.name
    company, community = COMPANY_STAFF[estate], COMMUNITY_STAFF[estate]
    handler = company if request.accepted_by_organisation_id else community
    resident = request.on_behalf_of.username

    def by(default: str) -> User:
        return users[step.by or default]

    match step:
        case Accept():
            return services.accept_request(request, by=by(company)), step.due_in or request.category.resolve_within
        case Route():
            taken = services.route_request(request, by=by(community), note=step.note)
            return taken, step.due_in or request.category.resolve_within
        case Start():
            return services.start_request(request, by=by(handler), note=step.note), None
        case Quote():
            return services.quote_request(request, by=by(handler), amount=Decimal(step.amount), note=step.note), None
        case Vote():
            decide = services.approve_payment if step.approve else services.reject_payment
            return decide(request, by=by(DIRECTOR), note=step.note), None
        case Resolve():
            return services.resolve_request(request, by=by(handler), note=step.note), None
        case Confirm():
            return services.confirm_request(request, by=by(resident), rating=step.rating, comment=step.comment), None
        case Reopen():
            return services.reopen_request(request, by=by(resident), reason=step.reason), None
        case Withdraw():
            return services.withdraw_request(request, by=by(resident), note=step.note), None
        case Reject():
            rejecter = company if company and request.routed_at is None else community
            return services.reject_request(request, by=by(rejecter), reason=step.reason), None
        case Escalate():
            return services.escalate_request(request, by=by(community), note=step.note), None
    raise TypeError(step)


# The request's moments a service stamps with the time it runs (`due_at` is set apart).
STAMPS = (
    "created_at",
    "updated_at",
    "accepted_at",
    "routed_at",
    "started_at",
    "quoted_at",
    "payment_decided_at",
    "resolved_at",
    "closed_at",
    "confirmed_at",
    "escalated_at",
)


def _backdate(request: ResidentRequest, when: datetime, *, since: datetime, due_at: datetime | None = None) -> None:
    """Move what the last service call stamped (at `since` or later) to `when`."""
    row = ResidentRequest.objects.filter(pk=request.pk).values(*STAMPS).get()
    changes: dict[str, datetime] = {name: when for name, value in row.items() if value is not None and value >= since}
    if due_at is not None:
        changes["due_at"] = due_at
    ResidentRequest.objects.filter(pk=request.pk).update(**changes)
    RequestEvent.objects.filter(request=request, at__gte=since).update(at=when)
    PaymentVote.objects.filter(request=request, at__gte=since).update(at=when)
    RequestPhoto.objects.filter(request=request, uploaded_at__gte=since).update(uploaded_at=when)


def _sweep(demo: QuerySet[ResidentRequest], *, anchor: datetime) -> None:
    """Run the system's escalation sweep, as beat does every few minutes, and date what it flags
    among the demo's requests when it would have caught them: just after the time to take
    them, or their due time, had passed."""
    services.escalate_overdue_requests(now=anchor)
    reasons = ResidentRequest.EscalationReason
    flagged = demo.filter(escalated_at__gte=anchor, escalation_reason__in=[reasons.NOT_TAKEN, reasons.OVERDUE])
    for request in flagged.select_related("category"):
        if request.escalation_reason == reasons.NOT_TAKEN:
            late = request.created_at + timedelta(hours=request.category.take_within)
        else:
            late = request.due_at
        when = min(late + SWEEP_LAG, anchor)
        ResidentRequest.objects.filter(pk=request.pk).update(escalated_at=when, updated_at=when)
        RequestEvent.objects.filter(request=request, action=RequestEvent.Action.ESCALATED, at__gte=anchor).update(
            at=when
        )


# ---------------------------------------------------------------- photos


def _drawing(name: str) -> BytesIO:
    """A small drawing standing in for a resident's phone photo, so the demo needs no image files."""
    width, height = 480, 360
    if name == "stain":  # a ceiling with a water stain and flaking paint
        image = Image.new("RGB", (width, height), (236, 232, 220))
        draw = ImageDraw.Draw(image)
        for ring, colour in enumerate([(214, 200, 170), (196, 176, 140), (170, 146, 108)]):
            inset = ring * 28
            draw.ellipse((90 + inset, 60 + inset, 400 - inset, 300 - inset // 2), fill=colour)
        for flake in range(12):
            x, y, size = 120 + flake * 73 % 240, 90 + flake * 47 % 170, 8 + flake * 5 % 16
            draw.polygon([(x, y), (x + size, y + 4), (x + 6, y + size)], fill=(250, 248, 240))
    elif name == "branch":  # a poplar with a dead branch against the sky
        image = Image.new("RGB", (width, height), (176, 208, 236))
        draw = ImageDraw.Draw(image)
        draw.rectangle((220, 120, 260, height), fill=(112, 96, 80))
        for angle in range(6):
            x = 240 + (angle - 3) * 50
            draw.line((240, 200, x, 60 + angle * 6), fill=(96, 84, 70), width=8)
            draw.ellipse((x - 40, 30 + angle * 6, x + 40, 100 + angle * 6), fill=(86, 140, 70))
        draw.line((250, 160, 420, 90), fill=(120, 110, 100), width=10)
        draw.line((380, 106, 440, 60), fill=(120, 110, 100), width=5)
    else:  # a sewage well's cover in wet pavement
        image = Image.new("RGB", (width, height), (150, 150, 146))
        draw = ImageDraw.Draw(image)
        draw.ellipse((60, 70, 420, 330), fill=(110, 112, 108))
        draw.ellipse((150, 110, 330, 290), fill=(60, 62, 60))
        draw.ellipse((162, 122, 318, 278), fill=(84, 86, 82))
        for line in range(172, 310, 18):
            draw.line((line, 140, line, 260), fill=(60, 62, 60), width=4)
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=85)
    buffer.seek(0)
    buffer.name = f"{name}.jpg"
    return buffer
