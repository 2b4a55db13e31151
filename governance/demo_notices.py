"""The demo's notices (公告): a few for each estate and one for each community.

Each estate has a pinned notice, a notice whose publication ends within days (the invitation to
the coming meeting, a repair) and its community's notice for every estate. They are written by
the community's staff through `governance.services.create_notice`, published from a day in the
past (the service accepts that); the demo then dates their writing to that day.

Notices are keyed by (community, title): one that exists is left alone, so loading twice
changes nothing. Every notice is invented.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from estates.models import Community, Estate, User

from . import services
from .demo import JIARONG, TIWEI, YUNYUAN, Ago, Ahead, moment
from .models import Notice


@dataclass(frozen=True)
class NoticeData:
    """A notice of `community`, for `estate` or (None) the whole community. `{until}` in the
    body stands for the last day of its publication, `M月D日`."""

    community: str
    estate: str | None
    by: str
    title: str
    body: str
    published: Ago
    until: Ahead | None = None
    pinned: bool = False


NOTICES: tuple[NoticeData, ...] = (
    # ------------------------------------------------ 小阳泉北社区 · 蕴园小区
    NoticeData(
        "小阳泉北社区",
        YUNYUAN,
        "staff",
        "蕴园小区“居民点单、物业接单、业委会买单”服务指南",
        "居民有维修、保洁、绿化、停车等方面的需求，可以在“焕新”平台“我要点单”里提交，也可以到社区或物业服务中心"
        "登记，行动不便的老人可以打电话请社区代为登记。\n"
        "物业公司接单后会给出办理时限；需要花钱的项目，由物业报价，业委会审核同意后从公共收益中支付。\n"
        "办结以后请给这次服务打分，业主代表每月据此评定物业服务等次，评定结果在平台公布。",
        Ago(60, "09:00"),
        pinned=True,
    ),
    NoticeData(
        "小阳泉北社区",
        YUNYUAN,
        "staff",
        "关于召开蕴园小区本月联席会议的通知",
        "本月联席会议定于{until}下午3点在小阳泉北社区党群服务中心二楼会议室召开，小区党支部、业委会、物业公司"
        "和居民纠纷化解队参加。\n"
        "会议将检查上次会议决定的落实情况，听取装修噪音和楼上渗水两起纠纷的调解情况。居民有诉求的，"
        "可在会前到社区登记，或在“焕新”平台提交。",
        Ago(3, "10:30"),
        until=Ahead(6, "16:30"),
    ),
    NoticeData(
        "小阳泉北社区",
        YUNYUAN,
        "staff",
        "2号楼1单元加装电梯业主表决进行中",
        "2号楼1单元加装电梯的方案和费用分摊表已在单元门口公示。业主表决正在进行，可以在“焕新”平台投票，"
        "也可以到社区领取纸质表决票。按照民法典第二百七十八条，需经参与表决的业主和面积均达到规定比例方可通过。",
        Ago(20, "09:00"),
    ),
    NoticeData(
        "小阳泉北社区",
        None,
        "staff",
        "小阳泉北社区冬季消防安全提示",
        "入冬以后用火用电增多，请各位居民注意：楼道、地下室不要堆放杂物；电动车不要进楼入户，严禁从窗户"
        "拉线给电动车充电；使用燃气后及时关闭阀门；家中有独居老人的，请邻居多关照。",
        Ago(12, "09:00"),
    ),
    # ------------------------------------------------ 中心广场社区 · 体委小区
    NoticeData(
        "中心广场社区",
        TIWEI,
        "staff2",
        "体委小区蓝牙升降杆收费标准公示",
        "经听证协商，体委小区蓝牙升降杆收费标准如下：每卡每年维护费60元，低保户和残疾人家庭免收；"
        "补办卡每张30元；外来车辆临时停车1小时内免费，超过后每次5元。收入用于升降杆维护和车位划线，"
        "收支每季度在党群服务站公示。",
        Ago(36, "10:00"),
        pinned=True,
    ),
    NoticeData(
        "中心广场社区",
        TIWEI,
        "staff2",
        "关于召开物管会收支公示栏议事协商会的通知",
        "有居民建议在健康生活墙旁设置物管会收支公示栏。社区定于{until}晚上7点在体委小区党群服务站召开议事协商会，"
        "欢迎居民参加，也可以提前把意见告诉物管会委员。",
        Ago(2, "17:00"),
        until=Ahead(8, "20:30"),
    ),
    NoticeData(
        "中心广场社区",
        None,
        "staff2",
        "中心广场社区“三事四协商”：有事请来说",
        "邻里来说事，社区来听事，共同来解事。小区里的大事小情，居民可以到社区或党群服务站反映，"
        "也可以在“焕新”平台提交。社区根据事情的性质，组织议事协商、联动协商、听证协商或专业协商，"
        "协商结果和会议纪要在平台公开。",
        Ago(45, "09:00"),
    ),
    # ------------------------------------------------ 南山南路社区 · 佳融花园小区
    NoticeData(
        "南山南路社区",
        JIARONG,
        "demo-wenlina",
        "佳融花园小区直饮水机使用须知",
        "直饮水机每天6:00至22:00供水，请自带干净的容器，接水时不要插队。冬季地面容易结冰，请注意防滑；"
        "机器出现故障请在“焕新”平台报修或联系物业。",
        Ago(50, "09:00"),
        pinned=True,
    ),
    NoticeData(
        "南山南路社区",
        JIARONG,
        "demo-wenlina",
        "3号楼西侧太阳能路灯维修通知",
        "3号楼西侧太阳能路灯因蓄电池故障暂停照明，更换的蓄电池已在运送途中，预计{until}前修复。"
        "维修期间晚上出行请带好照明，注意安全。",
        Ago(1, "18:00"),
        until=Ahead(3, "18:00"),
    ),
    NoticeData(
        "南山南路社区",
        None,
        "demo-wenlina",
        "南山南路社区冬季供暖问题反映渠道",
        "供暖期间家中暖气不热、漏水，可以在“焕新”平台报修，也可以到社区登记，社区将及时转交供热单位和物业处理。",
        Ago(15, "09:00"),
    ),
)


def load_notices_demo(
    users: dict[str, User], communities: dict[str, Community], estates: dict[str, Estate], *, anchor: datetime
) -> int:
    """Write the notices that do not exist yet. Returns how many were written."""
    existing = set(
        Notice.objects.filter(
            community__in=communities.values(), title__in=[data.title for data in NOTICES]
        ).values_list("community__name", "title")
    )
    created = 0
    for data in NOTICES:
        if (data.community, data.title) in existing:
            continue
        published = moment(data.published, anchor)
        until = moment(data.until, anchor) if data.until is not None else None
        day = timezone.localdate(until) if until is not None else None
        notice = services.create_notice(
            communities[data.community],
            by=users[data.by],
            title=data.title,
            body=data.body.format(until=f"{day.month}月{day.day}日") if day is not None else data.body,
            estate=estates[data.estate] if data.estate else None,
            publish_from=published,
            publish_until=until,
            is_pinned=data.pinned,
        )
        Notice.objects.filter(pk=notice.pk).update(created_at=published, updated_at=published)
        created += 1
    return created
