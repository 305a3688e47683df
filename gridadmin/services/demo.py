"""Demo data: a realistic (fictional) district, or a whole city's worth of them.

``seed()`` fills an empty database: the grid tree (区县 → 街道/镇 → 社区/村 →
网格 → 微网格) with division codes that extend their parent's, grid workers,
the party organisation tree and its members, volunteer teams with their
service records, deliberation meetings (议事会) and their items, the lookup
tables, the workday calendar (法定节假日 and 调休) of the years covered, and
tickets (工单) spread over the two years before ``today``.

Tickets go through the closed loop as ``services.workflow`` would have taken
them: every ticket has its ``TicketEvent`` history (report, accept, dispatch,
start, handle, verify, rate, and the side paths: reject, merge, return,
extension requests, close on the spot, reopen), its timestamps and
``version`` agree with that history, its due time is the category's limit
counted in working time from the dispatch (``services.deadlines``' rules,
replayed here in memory), and every close books the ``PointEntry`` rows
``services.points`` would have booked. Meeting items run the meeting loop;
those turned into tickets link a ticket whose state fits the item's.

Events are not tied to user accounts (``user`` is NULL): ``username`` holds
who acted, as the timeline shows it: a grid worker's name, a department's
name, "<street>指挥中心" for the command centre, "<community>书记<name>"
for the community secretary.

It refuses a database that already holds grids, workers or tickets: demo
rows mixed into real ones could not be told apart and taken out again.
Lookup tables that already have rows are reused by name (an administrator's
values are kept, and the seeded tickets follow them); missing rows are
added. Calendar days already entered are kept as they are.

Written for scale: ids are allocated here, so paths, depths and references
are computed in memory and written with multi-row INSERTs in batches inside
transactions, never one ORM save per row.

Deterministic: every value is drawn from one ``random.Random(seed)``; the
same seed on the same ``today`` (and the same calendar) gives the same rows.
"""

import heapq
import json
import math
import random
import time as _time
from bisect import bisect
from datetime import date, datetime, time, timedelta
from itertools import accumulate

from peewee import PostgresqlDatabase, SqliteDatabase, fn

from ..models import (
    CalendarDay,
    Category,
    Department,
    Grid,
    Meeting,
    MeetingItem,
    PartyMember,
    PartyOrg,
    PointEntry,
    ServiceRecord,
    Source,
    Ticket,
    TicketEvent,
    Volunteer,
    VolunteerTeam,
    Worker,
    db,
)
from . import clock, deadlines, planner
from .errors import RuleError

TZ = "Asia/Shanghai"
YEARS_OF_TICKETS = 2
GRIDS_PER_COMMUNITY = 8
COMMUNITIES_PER_STREET = 10
STREETS_PER_DISTRICT = 10
DEFAULT_GRIDS = STREETS_PER_DISTRICT * COMMUNITIES_PER_STREET * GRIDS_PER_COMMUNITY
TICKETS_PER_TRANSACTION = 50_000
ROWS_PER_FLUSH = 20_000

# --- lookup tables -----------------------------------------------------------

# code, name, time limit: hours, working days (None: the hours), round the
# clock; closable on the spot; points: for reporting, on the spot, verifying,
# taken for handling late. Hours run on workdays only unless round the clock.
CATEGORIES = (
    ("HJWS", "环境卫生", 24, None, False, True, 2, 2, 1, 1),
    ("SZSS", "市政设施", 72, 3, False, False, 3, 1, 1, 2),
    ("ZAYH", "治安隐患", 24, None, True, False, 3, 1, 2, 2),
    ("XFAQ", "消防安全", 2, None, True, False, 4, 1, 2, 3),
    ("MDJF", "矛盾纠纷", 120, 5, False, False, 5, 1, 2, 2),
    ("WZDJ", "违章搭建", 120, 5, False, False, 4, 1, 2, 2),
    ("ZDJY", "占道经营", 24, None, False, True, 2, 2, 1, 1),
    ("ZYRM", "噪音扰民", 12, None, True, False, 2, 1, 1, 1),
    ("WYGL", "物业管理", 72, 3, False, False, 2, 1, 1, 1),
    ("SCJG", "市场监管", 72, 3, False, False, 3, 1, 1, 2),
    ("TCGL", "停车管理", 48, None, False, True, 1, 1, 1, 1),
    ("YQGL", "养犬管理", 48, None, False, True, 1, 1, 1, 1),
    ("RQAQ", "燃气安全", 2, None, True, False, 5, 1, 2, 3),
    ("MSFW", "民生服务", 120, 5, False, False, 2, 1, 1, 1),
    ("BWMXW", "不文明行为", 24, None, False, True, 1, 2, 1, 1),
    ("XGG", "小广告", 24, None, False, True, 1, 2, 1, 1),
)
SOURCES = (
    ("PATROL", "网格员巡查"),
    ("HOTLINE", "12345热线"),
    ("RESIDENT", "居民上报"),
    ("LEADER", "领导交办"),
    ("TRANSFER", "部门移交"),
    ("MINIAPP", "随手拍小程序"),
    ("MEETING", "议事会转办"),
)
# Tickets from meetings (议事会转办) come from meeting items only.
SOURCE_WEIGHTS = (46, 20, 16, 3, 5, 8, 0)
DEPARTMENTS = (
    ("CGJ", "城管局", "12319"),
    ("ZJJ", "住建局", "025-83550001"),
    ("PCS", "公安派出所", "110"),
    ("SCJGS", "市场监管所", "12315"),
    ("XFZ", "消防救援站", "119"),
    ("SWGS", "水务公司", "025-96889"),
    ("GDGS", "供电公司", "95598"),
    ("RQGS", "燃气公司", "025-96567"),
    ("STHJ", "生态环境分局", "12369"),
    ("SFS", "司法所", "025-83550012"),
    ("JTJ", "交警大队", "122"),
    ("SQSW", "街道社会事务办", "025-83550020"),
)
CATEGORY_DEPARTMENTS = {
    "环境卫生": ("城管局", "生态环境分局"),
    "市政设施": ("住建局", "水务公司", "供电公司"),
    "治安隐患": ("公安派出所",),
    "消防安全": ("消防救援站",),
    "矛盾纠纷": ("司法所", "公安派出所"),
    "违章搭建": ("城管局", "住建局"),
    "占道经营": ("城管局",),
    "噪音扰民": ("公安派出所", "生态环境分局", "城管局"),
    "物业管理": ("住建局",),
    "市场监管": ("市场监管所",),
    "停车管理": ("交警大队", "城管局"),
    "养犬管理": ("公安派出所",),
    "燃气安全": ("燃气公司", "消防救援站"),
    "民生服务": ("街道社会事务办",),
    "不文明行为": ("城管局", "街道社会事务办"),
    "小广告": ("城管局",),
}

# Ticket titles by category: (title, place). {xq} a residential compound,
# {b} a building, {u} a unit, {road} a road, {shop} a shop. About one
# ticket in twenty is a leak (LEAK_TITLES); no other template says 漏水.
TITLES = {
    "环境卫生": (48, (
        ("{xq}{b}栋楼道堆放杂物", "{xq}{b}栋{u}单元"),
        ("{road}垃圾桶满溢未及时清运", "{road}"),
        ("{xq}绿化带内积存生活垃圾", "{xq}"),
        ("{road}路面油污需要冲洗", "{road}"),
        ("{xq}垃圾分类投放点异味严重", "{xq}"),
        ("{road}建筑垃圾乱倒", "{road}"),
    )),
    "市政设施": (30, (
        ("{road}窨井盖破损", "{road}"),
        ("{road}路灯不亮", "{road}"),
        ("{road}人行道地砖松动", "{road}"),
        ("{xq}{b}栋门前道路坑洼积水", "{xq}{b}栋"),
        ("{road}雨水篦子堵塞", "{road}"),
    )),
    "治安隐患": (18, (
        ("{xq}{b}栋单元门禁损坏", "{xq}{b}栋{u}单元"),
        ("{road}夜间照明不足存在安全隐患", "{road}"),
        ("{xq}出租屋人员信息未登记", "{xq}{b}栋"),
        ("{xq}围墙破损有人翻越", "{xq}"),
    )),
    "消防安全": (20, (
        ("{xq}{b}栋楼道内电动车充电", "{xq}{b}栋{u}单元"),
        ("{xq}消防通道被车辆占用", "{xq}"),
        ("{road}{shop}灭火器过期", "{road}{shop}"),
        ("{xq}{b}栋消火栓无水", "{xq}{b}栋"),
    )),
    "矛盾纠纷": (14, (
        ("{xq}{b}栋邻里因装修产生纠纷", "{xq}{b}栋"),
        ("{xq}业主与物业收费纠纷", "{xq}"),
        ("{road}{shop}拖欠工资纠纷", "{road}{shop}"),
        ("{xq}{b}栋楼上楼下噪音纠纷", "{xq}{b}栋"),
    )),
    "违章搭建": (12, (
        ("{xq}{b}栋楼顶违章搭建", "{xq}{b}栋"),
        ("{xq}一楼住户私搭阳光房", "{xq}{b}栋"),
        ("{road}沿街商铺违建雨棚", "{road}"),
    )),
    "占道经营": (22, (
        ("{road}流动摊贩占道经营", "{road}"),
        ("{road}{shop}店外占道经营", "{road}{shop}"),
        ("{xq}门口早餐摊占道", "{xq}"),
    )),
    "噪音扰民": (20, (
        ("{road}{shop}夜间噪音扰民", "{road}{shop}"),
        ("{xq}{b}栋装修噪音扰民", "{xq}{b}栋"),
        ("{xq}广场舞音响扰民", "{xq}"),
        ("{road}夜间施工噪音扰民", "{road}"),
    )),
    "物业管理": (18, (
        ("{xq}{b}栋电梯故障停运", "{xq}{b}栋"),
        ("{xq}{b}栋单元门损坏无人维修", "{xq}{b}栋{u}单元"),
        ("{xq}小区大门道闸失灵", "{xq}"),
    )),
    "市场监管": (10, (
        ("{road}{shop}无证经营", "{road}{shop}"),
        ("{road}{shop}食品过期", "{road}{shop}"),
        ("{road}{shop}价格未明码标价", "{road}{shop}"),
    )),
    "停车管理": (16, (
        ("{xq}僵尸车长期占用车位", "{xq}"),
        ("{road}机动车乱停放", "{road}"),
        ("{xq}{b}栋门前非机动车乱停", "{xq}{b}栋"),
    )),
    "养犬管理": (8, (
        ("{xq}不文明养犬", "{xq}"),
        ("{xq}{b}栋犬只夜间吠叫扰民", "{xq}{b}栋"),
    )),
    "燃气安全": (6, (
        ("{xq}{b}栋楼道有燃气味", "{xq}{b}栋{u}单元"),
        ("{road}{shop}违规使用液化气罐", "{road}{shop}"),
    )),
    "民生服务": (12, (
        ("{xq}{b}栋独居老人需要帮扶", "{xq}{b}栋"),
        ("{xq}残疾人申请无障碍改造", "{xq}{b}栋"),
        ("{xq}居民咨询医保参保", "{xq}"),
    )),
    "不文明行为": (10, (
        ("{xq}公共区域私拉晾衣绳", "{xq}{b}栋"),
        ("{road}随意丢弃烟头纸屑", "{road}"),
        ("{xq}毁绿种菜", "{xq}"),
        ("{xq}{b}栋楼道内吸烟", "{xq}{b}栋{u}单元"),
    )),
    "小广告": (10, (
        ("{xq}{b}栋楼道张贴小广告", "{xq}{b}栋{u}单元"),
        ("{road}电线杆上乱贴小广告", "{road}"),
        ("{road}{shop}门前散发传单", "{road}{shop}"),
        ("{xq}宣传栏被乱涂乱画", "{xq}"),
    )),
}
LEAK_SHARE = 0.05
LEAK_TITLES = (
    ("市政设施", "{xq}{b}栋管道漏水", "{xq}{b}栋"),
    ("市政设施", "{road}自来水管爆裂漏水", "{road}"),
    ("市政设施", "{xq}{b}栋{u}单元楼顶漏水", "{xq}{b}栋{u}单元"),
    ("物业管理", "{xq}地下车库顶板漏水", "{xq}"),
    ("物业管理", "{xq}{b}栋外墙渗漏水", "{xq}{b}栋"),
)
RESOLUTIONS = (
    "已现场处置完毕，经网格员复核整改到位",
    "已联系物业维修，经复核已整改到位",
    "已协调责任部门处理，现场核查问题已解决",
    "已约谈当事人并督促整改，回访居民无异议",
    "已安排专人清理，网格员拍照留证",
)
ON_SPOT_RESULTS = (
    "网格员现场劝导，当事人当场整改",
    "网格员现场清理完毕，拍照留证",
    "已现场协调解决，居民无异议",
)
REJECTIONS = (
    "经核实不属于受理范围，已向反映人解释说明",
    "经现场核实，反映情况不存在",
    "属于民事纠纷，已引导当事人通过司法途径解决",
)
RETURNS = (
    "现场核查未整改到位，退回重新处置",
    "整改不彻底，居民仍有反映，请继续处理",
    "处置照片与现场不符，请补充处置",
)
EXTENSIONS = (
    "需协调多个部门联合处置，申请延期",
    "维修配件需要采购，申请延期",
    "当事人暂时联系不上，申请延期",
)
VERIFY_NOTES = (None, None, "现场核查，整改到位", "电话回访居民，问题已解决")
REOPENS = (
    "居民反映问题复发，重新处置",
    "回访发现整改不到位，重新派遣",
)
RATING_NOTES = {
    "satisfied": ("居民表示满意，处置及时", "回访居民，对处理结果满意", "居民对网格员的工作表示感谢"),
    "basically": ("居民基本满意，希望后续加强巡查", "问题已解决，但处置时间较长"),
    "dissatisfied": ("居民对处理时效不满意，已做好解释", "居民认为未根本解决，已记录在案"),
}
MERGE_NOTE = "与{number}反映的是同一问题，合并处理"
PRIORITIES = (("normal", 70), ("high", 15), ("low", 10), ("urgent", 5))
SATISFACTION = (("satisfied", 80), ("basically", 15), ("dissatisfied", 5))
# Status mix by the ticket's age in days: recent tickets are still open.
STATUS_BY_AGE = (
    (1, {"reported": 25, "accepted": 18, "rejected": 3, "merged": 2, "dispatched": 20, "in_progress": 17,
         "handled": 10, "closed": 5, "rated": 2}),
    (4, {"reported": 5, "accepted": 8, "rejected": 4, "merged": 2, "dispatched": 15, "in_progress": 20,
         "handled": 18, "closed": 20, "rated": 10}),
    (15, {"reported": 1, "accepted": 2, "rejected": 5, "merged": 2, "dispatched": 5, "in_progress": 8,
          "handled": 9, "closed": 35, "rated": 35}),
    (60, {"reported": 0.2, "accepted": 0.3, "rejected": 5, "merged": 2, "dispatched": 1, "in_progress": 1.5,
          "handled": 1.5, "closed": 40, "rated": 50.5}),
    (None, {"reported": 0.05, "accepted": 0.05, "rejected": 5, "merged": 2, "dispatched": 0.2,
            "in_progress": 0.3, "handled": 0.4, "closed": 39, "rated": 55}),
)
# Side paths, as shares of the tickets that can take them.
ON_SPOT_SHARE = 0.5  # closed tickets of closable categories with a reporting worker
RETURN_SHARE = 0.08  # handled once, returned by the verifier, handled again
EXTENSION_SHARE = 0.08  # an extension asked (and decided) while handling
APPROVE_SHARE = 0.7  # of the decided extension requests
PENDING_SHARE = 0.15  # open tickets with an extension request awaiting a decision
LATE_SHARE = 0.12  # handled after the due time
REOPEN_SHARE = 0.03  # closed, reopened by the centre, and closed again
WORKER_VERIFY_SHARE = 0.6  # verified by a grid worker (else the secretary or the centre)
SECRETARY_SHARE = 0.4  # of steps the community secretary or the centre may take
DEPARTMENT_SHARE = 0.6  # dispatched to a department (else to a grid worker)
# Step delays in seconds (shortest, longest; log-uniform between them) and,
# for steps timed within the handling window, fractions of that window.
DELAYS = {
    "accept": (120, 6 * 3600),
    "reject": (300, 86400),
    "merge": (300, 12 * 3600),
    "dispatch": (120, 4 * 3600),
    "decide": (1800, 8 * 3600),
    "return": (3600, 86400),
    "restart": (600, 8 * 3600),
    "rehandle": (2 * 3600, 4 * 86400),
    "verify": (1800, 2 * 86400),
    "rate": (2 * 3600, 5 * 86400),
    "reopen": (86400, 10 * 86400),
    "on_spot": (300, 3600),
    "to_ticket": (1800, 3 * 86400),
    "evaluate": (86400, 10 * 86400),
}
WINDOWS = {"start": (0.01, 0.2), "request": (0.4, 0.9), "handle": (0.2, 0.95), "late": (1.05, 2.5)}
DEFAULT_WINDOW = 3 * 86400  # seconds, for a category without a time limit
# Pinned among the newest tickets so that every status and side path shows: (status, variant).
FORCED = (
    ("reported", None), ("accepted", None), ("rejected", None), ("merged", None), ("dispatched", "returned"),
    ("in_progress", "pending"), ("in_progress", "overdue"), ("handled", None), ("closed", "on_spot"),
    ("closed", "reopen"), ("closed", "late"), ("rated", "extended"),
)

# Local hour of day a ticket is reported.
HOUR_WEIGHTS = (1, 0.5, 0.3, 0.3, 0.3, 0.5, 2, 5, 10, 12, 12, 10, 6, 7, 10, 11, 10, 9, 7, 6, 6, 5, 3, 2)

# --- people and places ---------------------------------------------------------

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
            "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
MALE_CHARS = "伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林阳建国峰亮成志文德福荣兵海"
FEMALE_CHARS = "芳娜敏静丽艳娟霞秀玲桂英红梅琳莉萍燕雪婷慧颖倩洁佳玉兰凤琴云丹蓉晶月珍淑惠"
PLACE_FIRST = "金银玉桃梅兰竹菊松柳枫荷凤龙鹤燕翠碧紫红青白丰和安康宁福寿春秋朝阳文明新华民东西南北"
PLACE_SECOND = "园苑湖山桥塘井巷坊岗湾庄河台林洲门亭"
DISTRICT_FIRST = "青明安和清新长永兴宁福瑞泰康华定崇怀建德"
DISTRICT_SECOND = "溪湖山阳江川平泉桥林城原州浦"
COMPOUND_SUFFIXES = ("花园", "家园", "新村", "小区", "雅苑", "公寓", "名府", "佳园", "北苑", "南苑")
ROAD_SUFFIXES = ("路", "路", "街", "大道", "巷")
SHOPS = ("便利店", "水果店", "早餐店", "饭店", "烧烤店", "理发店", "五金店", "棋牌室", "快递驿站", "农贸市场",
         "小超市", "干洗店", "药店", "麻辣烫店")
EMPLOYERS = ("区人民医院", "区教育局", "市第一中学", "实验小学", "区税务局", "街道办事处", "区图书馆", "供电公司",
             "区住建局", "区市场监管局", "区人民法院", "区财政局", "市自来水公司", "区妇幼保健院", "区城管局")
MEETING_PLACES = ("睦邻议事角", "居民议事厅", "党群服务中心会议室", "小区凉亭议事点", "楼道议事点", "网格工作站",
                  "社区书记工作室")
# topic, raised by, the category of the ticket it becomes (分类办事)
MEETING_TOPICS = (
    ("{xq}{b}栋加装电梯意见征集", "{xq}{b}栋业主", "物业管理"),
    ("{xq}停车难问题协商", "{xq}居民代表", "停车管理"),
    ("{xq}楼道堆物集中清理", "网格员", "环境卫生"),
    ("{xq}增设电动自行车充电桩", "{xq}居民代表", "市政设施"),
    ("{xq}老旧小区改造方案", "社区居委会", "市政设施"),
    ("{xq}绿化树木修剪", "{xq}{b}栋住户", "环境卫生"),
    ("{xq}垃圾分类投放点选址", "物业公司", "环境卫生"),
    ("{xq}广场舞时间和音量约定", "{xq}居民代表", "噪音扰民"),
    ("{xq}{b}栋外墙瓷砖脱落维修", "{xq}{b}栋业主", "物业管理"),
    ("{road}早市占道经营整治", "网格员", "占道经营"),
    ("{xq}公共维修资金使用", "业委会", "物业管理"),
    ("{xq}独居老人助餐服务", "社区党总支", "民生服务"),
)
MEETING_RESOLUTIONS = (
    "与会代表一致同意，由物业牵头实施，网格员跟踪落实",
    "形成初步方案，公示七天后报街道审批",
    "经协商，由社区协调相关部门联合处置",
    "暂缓实施，下次议事会继续讨论",
)
MEETING_MEASURES = (
    "由网格员牵头，组织楼栋长上门征求意见",
    "物业负责实施，社区每周跟进进度",
    "党员志愿者分片包干，限期完成",
    "社区协调共建单位提供场地和资金",
)
MEETING_EVALUATIONS = {
    "satisfied": ("居民代表对落实情况表示满意", "措施落实到位，群众认可"),
    "basically": ("基本落实，部分居民建议继续跟进",),
    "dissatisfied": ("落实效果不理想，下次议事会再议",),
}
# Every item state, in both modes of action: shown by one meeting of the first community.
PINNED_ITEMS = (("raised", None), ("discussed", None), ("in_action", "community"), ("in_action", "ticket"),
                ("evaluated", "community"), ("evaluated", "ticket"))
ITEM_TICKET_SHARE = 0.5  # of the items in action from grid meetings: turned into a ticket
ITEM_DONE_SHARE = 0.4  # of the items in action within the community: marked done, awaiting evaluation

# Public holidays (off) and 调休 make-up workdays (on) as the State Council's
# yearly notices (国务院办公厅关于部分节假日安排的通知) set them, from memory:
# administrators should check them against the notice (系统管理 → 工作日历)
# and enter later years there when they are published. Years not listed
# here count Saturdays and Sundays as the only days off.
# (first day, last day, name, workday)
CALENDAR = {
    2024: (
        ("2024-01-01", "2024-01-01", "元旦", False),
        ("2024-02-04", "2024-02-04", "春节调休上班", True),
        ("2024-02-10", "2024-02-17", "春节", False),
        ("2024-02-18", "2024-02-18", "春节调休上班", True),
        ("2024-04-04", "2024-04-06", "清明节", False),
        ("2024-04-07", "2024-04-07", "清明节调休上班", True),
        ("2024-04-28", "2024-04-28", "劳动节调休上班", True),
        ("2024-05-01", "2024-05-05", "劳动节", False),
        ("2024-05-11", "2024-05-11", "劳动节调休上班", True),
        ("2024-06-10", "2024-06-10", "端午节", False),
        ("2024-09-14", "2024-09-14", "中秋节调休上班", True),
        ("2024-09-15", "2024-09-17", "中秋节", False),
        ("2024-09-29", "2024-09-29", "国庆节调休上班", True),
        ("2024-10-01", "2024-10-07", "国庆节", False),
        ("2024-10-12", "2024-10-12", "国庆节调休上班", True),
    ),
    2025: (
        ("2025-01-01", "2025-01-01", "元旦", False),
        ("2025-01-26", "2025-01-26", "春节调休上班", True),
        ("2025-01-28", "2025-02-04", "春节", False),
        ("2025-02-08", "2025-02-08", "春节调休上班", True),
        ("2025-04-04", "2025-04-06", "清明节", False),
        ("2025-04-27", "2025-04-27", "劳动节调休上班", True),
        ("2025-05-01", "2025-05-05", "劳动节", False),
        ("2025-05-31", "2025-06-02", "端午节", False),
        ("2025-09-28", "2025-09-28", "国庆节、中秋节调休上班", True),
        ("2025-10-01", "2025-10-08", "国庆节、中秋节", False),
        ("2025-10-11", "2025-10-11", "国庆节、中秋节调休上班", True),
    ),
    2026: (
        ("2026-01-01", "2026-01-03", "元旦", False),
        ("2026-01-04", "2026-01-04", "元旦调休上班", True),
        ("2026-02-14", "2026-02-14", "春节调休上班", True),
        ("2026-02-15", "2026-02-23", "春节", False),
        ("2026-02-28", "2026-02-28", "春节调休上班", True),
        ("2026-04-04", "2026-04-06", "清明节", False),
        ("2026-05-01", "2026-05-05", "劳动节", False),
        ("2026-05-09", "2026-05-09", "劳动节调休上班", True),
        ("2026-06-19", "2026-06-21", "端午节", False),
        ("2026-09-20", "2026-09-20", "国庆节调休上班", True),
        ("2026-09-25", "2026-09-27", "中秋节", False),
        ("2026-10-01", "2026-10-07", "国庆节", False),
        ("2026-10-10", "2026-10-10", "国庆节调休上班", True),
    ),
}
TEAM_KINDS = (
    ("红袖标治安巡逻队", "patrol", ("夜间治安巡逻", "重点部位巡查", "节假日安全巡逻")),
    ("邻里守望志愿服务队", "elderly", ("探访独居老人", "代购生活物资", "陪同老人就医")),
    ("银发生活服务队", "elderly", ("为老人理发", "健康义诊", "助餐送餐")),
    ("绿色环保志愿队", "environment", ("垃圾分类宣传", "清理小广告", "河道保洁")),
    ("文明劝导志愿队", "civility", ("文明交通劝导", "不文明养犬劝导", "文明创建宣传")),
    ("爱心帮扶服务队", "assistance", ("困难家庭走访", "爱心物资发放", "助残服务")),
    ("青少年课堂志愿队", "culture", ("四点半课堂", "暑期托管", "读书分享会")),
)
SERVICE_HOURS = ("0.5", "1.0", "1.5", "2.0", "2.0", "2.5", "3.0", "3.0", "4.0", "6.0", "8.0")


class _Writer:
    """Multi-row INSERTs with ids allocated here. peewee's ``insert_many``
    spends ~40 µs a row turning values into SQL; this spends ~6."""

    def __init__(self, database):
        self.database = database
        self.param = database.param
        self.quote = database.quote[0]
        # SQLite allows 32766 variables a statement, PostgreSQL 65535.
        self.max_params = 32000
        self.ids = {}
        self.buffers = {}
        self.columns = {}
        self.counts = {}

    def q(self, name):
        return f"{self.quote}{name}{self.quote}"

    def next_id(self, model):
        if model not in self.ids:
            current = model.select(model.id).order_by(model.id.desc()).limit(1).scalar()
            self.ids[model] = current or 0
        self.ids[model] += 1
        return self.ids[model]

    def add(self, model, columns, row):
        buffer = self.buffers.get(model)
        if buffer is None:
            buffer = self.buffers[model] = []
            self.columns[model] = columns
        buffer.append(row)

    def insert(self, model, columns, rows):
        if not rows:
            return
        table = self.q(model._meta.table_name)
        cols = ", ".join(self.q(c) for c in columns)
        one = "(" + ", ".join([self.param] * len(columns)) + ")"
        per = max(1, self.max_params // len(columns))
        for start in range(0, len(rows), per):
            chunk = rows[start:start + per]
            sql = f"INSERT INTO {table} ({cols}) VALUES " + ", ".join([one] * len(chunk))
            self.database.execute_sql(sql, [value for row in chunk for value in row])
        self.counts[model] = self.counts.get(model, 0) + len(rows)

    def flush(self, order):
        """Write buffered rows, parents before children."""
        for model in order:
            rows = self.buffers.get(model)
            if rows:
                self.insert(model, self.columns[model], rows)
                rows.clear()

    def pending(self):
        return sum(len(rows) for rows in self.buffers.values())

    def fix_sequences(self):
        """PostgreSQL: move each id sequence past the ids written here."""
        if not isinstance(self.database, PostgresqlDatabase):
            return
        for model in self.ids:
            table = model._meta.table_name
            self.database.execute_sql(
                f"SELECT setval(pg_get_serial_sequence('{self.q(table)}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {self.q(table)}))")


def _fmt(value):
    """A datetime as stored (naive UTC, whole seconds)."""
    return value.isoformat(" ", "seconds")


def _split(total, parts, rng, spread=0.3):
    """``total`` split into ``parts`` positive, slightly uneven integers."""
    parts = max(1, min(parts, total))
    weights = [rng.uniform(1 - spread, 1 + spread) for _ in range(parts)]
    scale = (total - parts) / sum(weights)
    sizes = [1 + int(w * scale) for w in weights]
    for i in range(total - sum(sizes)):
        sizes[i % parts] += 1
    return sizes


def _picker(pairs):
    """A fast weighted choice over (value, weight) pairs."""
    values = [value for value, _weight in pairs]
    cum = list(accumulate(weight for _value, weight in pairs))
    total = cum[-1]

    def pick(rng):
        return values[bisect(cum, rng.random() * total)]
    return pick


def _log_range(low, high):
    """A draw in [0, 1) -> seconds, log-uniform from ``low`` to ``high``."""
    ratio = high / low
    return lambda r: low * ratio ** r


class _Rule:
    """A category's deadline and points rules, read once from its row (with
    its deadline fields under the model's names, for ``deadlines.due_time``)."""

    __slots__ = ("id", "name", "days", "hours", "round_the_clock", "self_closable", "points", "on_spot",
                 "verify", "overdue", "time_limit_days", "time_limit_hours")

    def __init__(self, row):
        self.id, self.name = row.id, row.name
        self.days, self.hours = row.time_limit_days, row.time_limit_hours or 0
        self.time_limit_days, self.time_limit_hours = self.days, self.hours
        self.round_the_clock, self.self_closable = bool(row.round_the_clock), bool(row.self_closable)
        self.points, self.on_spot = row.points or 0, row.points_on_spot or 0
        self.verify, self.overdue = row.points_verify or 0, row.points_overdue or 0


class _WorkTime:
    """``deadlines.due_time`` for the demo's category rules, over the
    calendar rows read once (``deadlines.MemoryCalendar``)."""

    def __init__(self, overrides, tz):
        self.calendar = deadlines.MemoryCalendar(overrides)
        self.tz = tz

    def due(self, rule, start):
        return deadlines.due_time(rule, start, self.tz, calendar=self.calendar)


class _Names:
    """Chinese personal and place names, drawn from one generator."""

    def __init__(self, rng):
        self.rng = rng

    # Hot paths (a million people at scale): index by random() rather than
    # choice(), which costs ten times as much.
    def person(self, gender=None):
        r = self.rng.random
        gender = gender or ("M" if r() < 0.5 else "F")
        chars = MALE_CHARS if gender == "M" else FEMALE_CHARS
        n = len(chars)
        given = chars[int(r() * n)] if r() < 0.35 else chars[int(r() * n)] + chars[int(r() * n)]
        return SURNAMES[int(r() * len(SURNAMES))] + given, gender

    def mobile(self):
        r = self.rng.random
        return f"1{'3456789'[int(r() * 7)]}{int(r() * 10 ** 9):09d}"

    def words(self, count, suffixes, used=None):
        """``count`` distinct two-character names, each with a suffix."""
        rng = self.rng
        used = set() if used is None else used
        out = []
        while len(out) < count:
            word = rng.choice(PLACE_FIRST) + rng.choice(PLACE_SECOND)
            if word[0] == word[1] or word in used:
                if len(used) > 0.8 * len(PLACE_FIRST) * len(PLACE_SECOND):
                    word += rng.choice("一二三四五六七八九")  # many names: widen the space
                else:
                    continue
            if word in used:
                continue
            used.add(word)
            out.append(word + (rng.choice(suffixes) if isinstance(suffixes, tuple) else suffixes))
        return out


GRID_COLUMNS = ("id", "code", "name", "level", "parent_id", "path", "depth", "kind", "area_type", "households",
                "population", "area", "boundary_east", "boundary_west", "boundary_south", "boundary_north",
                "online_group_name", "online_group_members", "active", "created_at")
WORKER_COLUMNS = ("id", "name", "gender", "mobile", "grid_id", "post", "employment", "party_member", "joined_on",
                  "status", "created_at")
ORG_COLUMNS = ("id", "name", "kind", "parent_id", "path", "depth", "grid_id", "secretary", "founded_on",
               "created_at")
MEMBER_COLUMNS = ("id", "name", "gender", "mobile", "org_id", "joined_party_on", "in_service", "employer",
                  "created_at")
TEAM_COLUMNS = ("id", "name", "service_type", "grid_id", "leader", "leader_mobile", "founded_on", "created_at")
VOLUNTEER_COLUMNS = ("id", "name", "mobile", "team_id", "grid_id", "created_at")
RECORD_COLUMNS = ("id", "volunteer_id", "team_id", "served_on", "hours", "activity", "beneficiaries", "note",
                  "created_at")
MEETING_COLUMNS = ("id", "title", "held_at", "place", "grid_id", "convener", "recorder", "participants",
                   "created_at")
ITEM_COLUMNS = ("id", "meeting_id", "topic", "raised_by", "discussion", "resolution", "responsible", "deadline",
                "measures", "status", "action_mode", "ticket_id", "done_at", "satisfaction", "evaluation",
                "evaluated_at")
TICKET_COLUMNS = ("id", "number", "title", "description", "category_id", "source_id", "grid_id", "place",
                  "reporter_id", "assignee_id", "department_id", "priority", "status", "created_at",
                  "dispatched_at", "due_at", "extension_due_at", "handled_at", "closed_at", "resolution",
                  "satisfaction", "rating_note", "duplicate_of_id", "version", "cycle")
EVENT_COLUMNS = ("id", "ticket_id", "at", "username", "action", "from_status", "to_status", "note", "data")
POINT_COLUMNS = ("id", "worker_id", "points", "reason", "ticket_id", "at", "note", "cycle")
CALENDAR_COLUMNS = ("id", "day", "workday", "name")
FLUSH_ORDER = (Grid, Worker, PartyOrg, PartyMember, VolunteerTeam, Volunteer, ServiceRecord, Meeting, MeetingItem)
TICKET_FLUSH_ORDER = (Ticket, TicketEvent, PointEntry, MeetingItem)
# Ticket row positions that the meeting loop reads back.
T_STATUS, T_CLOSED = TICKET_COLUMNS.index("status"), TICKET_COLUMNS.index("closed_at")
# Meeting item row positions filled in when its ticket is made.
I_STATUS, I_TICKET = ITEM_COLUMNS.index("status"), ITEM_COLUMNS.index("ticket_id")
I_SATISFACTION = ITEM_COLUMNS.index("satisfaction")


class _Seeder:
    def __init__(self, rng, writer, today, tz, echo, work):
        self.rng = rng
        self.w = writer
        self.names = _Names(rng)
        self.today = today
        self.tz = tz
        self.echo = echo
        # Everything happens before local midnight of ``today``.
        self.end_utc = clock.to_utc(datetime.combine(today, time.min), tz)
        self.start_day = today - timedelta(days=365 * YEARS_OF_TICKETS)
        self.born = self.end_utc - timedelta(days=365 * YEARS_OF_TICKETS + 60)
        self.used_team_names = set()
        self.items_pinned = False
        self.work = work
        self.delay = {step: _log_range(*bounds) for step, bounds in DELAYS.items()}
        self.satisfaction_pick = _picker(SATISFACTION)
        # Per basic grid, for tickets: (grid id, micro ids, worker ids, worker names, indexes of the
        # grid's own workers that may verify (their names tell them apart), compounds, roads,
        # the command centre's and the secretary's names in the timeline)
        self.ticket_grids = []
        # Meeting items turned into tickets, waiting for their ticket: a heap of
        # (earliest creation time, item id, request).
        self.item_tickets = []

    # --- the grid tree ----------------------------------------------------

    def grid_row(self, code, name, level, parent, kind="general", area_type="urban", households=0,
                 population=0, area=None, bounds=(None, None, None, None), group=None, group_members=0):
        gid = self.w.next_id(Grid)
        path = f"{parent[1] if parent else '/'}{gid}/"
        depth = parent[2] + 1 if parent else 0
        row = [gid, code, name, level, parent[0] if parent else None, path, depth, kind, area_type, households,
               population, area, *bounds, group, group_members, True,
               _fmt(self.born + timedelta(minutes=self.rng.randrange(60 * 24 * 30)))]
        self.w.add(Grid, GRID_COLUMNS, row)
        return row, (gid, path, depth)

    def worker(self, grid_id, post):
        rng = self.rng
        name, gender = self.names.person()
        full = post in ("leader", "full")
        joined = self.today - timedelta(days=rng.randrange(60, 365 * 8))
        wid = self.w.next_id(Worker)
        self.w.add(Worker, WORKER_COLUMNS, (
            wid, name, gender, self.names.mobile(), grid_id, post, "full_time" if full else "part_time",
            rng.random() < (0.8 if post == "leader" else 0.3), joined.isoformat(),
            "active" if rng.random() < 0.96 else "left",
            _fmt(self.born + timedelta(days=rng.randrange(0, 400))),
        ))
        return wid, name

    def org(self, name, kind, parent, grid_id, founded):
        oid = self.w.next_id(PartyOrg)
        path = f"{parent[1] if parent else '/'}{oid}/"
        depth = parent[2] + 1 if parent else 0
        secretary = self.names.person()[0] if kind != "household" else name.removesuffix("党员中心户")
        self.w.add(PartyOrg, ORG_COLUMNS, (
            oid, name, kind, parent[0] if parent else None, path, depth, grid_id, secretary, founded.isoformat(),
            _fmt(self.born),
        ))
        return oid, path, depth, secretary

    def members(self, org_id, count, first=None):
        rng = self.rng
        for i in range(count):
            if i == 0 and first:
                name, gender = first, None
            else:
                name, gender = self.names.person()
            in_service = rng.random() < 0.18
            self.w.add(PartyMember, MEMBER_COLUMNS, (
                self.w.next_id(PartyMember), name, gender or rng.choice("MF"), self.names.mobile(), org_id,
                (self.today - timedelta(days=rng.randrange(365, 365 * 50))).isoformat(), in_service,
                rng.choice(EMPLOYERS) if in_service else None, _fmt(self.born),
            ))

    def district(self, index, code, name, street_sizes):
        """One district: its streets, communities, grids and everything on them."""
        _d_row, district = self.grid_row(code, name, "district", None)
        totals = [0, 0, 0.0]
        n_streets = len(street_sizes)
        n_towns = n_streets // 4 if n_streets >= 4 else 0
        street_words = self.names.words(n_streets, "")
        for s, communities in enumerate(street_sizes):
            town = s >= n_streets - n_towns
            s_code = code + (f"{101 + s - (n_streets - n_towns):03d}" if town else f"{s + 1:03d}")
            s_name = street_words[s] + ("镇" if town else "街道")
            s_row, street = self.grid_row(s_code, s_name, "street", district, area_type="rural" if town else "urban")
            s_totals = [0, 0, 0.0]
            c_words = self.names.words(len(communities), "")
            for c, grid_count in enumerate(communities):
                village = town and c > 0
                c_code = s_code + (f"{201 + c:03d}" if village else f"{c + 1:03d}")
                c_name = c_words[c] + ("村" if village else "社区")
                c_totals = self.community(c_code, c_name, street, grid_count, "rural" if village else "urban",
                                          f"{s_name}指挥中心")
                for i in range(3):
                    s_totals[i] += c_totals[i]
            s_row[9], s_row[10], s_row[11] = s_totals[0], s_totals[1], f"{s_totals[2]:.2f}"
            for i in range(3):
                totals[i] += s_totals[i]
            if self.w.pending() > ROWS_PER_FLUSH:
                self.w.flush(FLUSH_ORDER)
        self.w.flush(FLUSH_ORDER)
        # The district row went out first (its children point at it): total it now.
        Grid.update(households=totals[0], population=totals[1], area=f"{totals[2]:.2f}").where(
            Grid.id == district[0]).execute()

    def community(self, code, name, street, grid_count, area_type, centre):
        rng = self.rng
        rural = area_type == "rural"
        c_row, community = self.grid_row(code, name, "community", street, area_type=area_type)
        roads = self.names.words(rng.randint(3, 6), ROAD_SUFFIXES)
        if rural:
            compounds = [f"{name.removesuffix('村')}{n}组" for n in "一二三四五六七八九十"[:max(2, grid_count)]]
        else:
            compounds = self.names.words(max(2, grid_count + rng.randint(-1, 3)), COMPOUND_SUFFIXES)
        totals = [0, 0, 0.0]
        founded = self.today - timedelta(days=rng.randrange(365 * 5, 365 * 30))
        gb = self.org(f"{name}党总支", "general_branch", None, community[0], founded)
        self.members(gb[0], rng.randint(3, 6), first=gb[3])
        secretary = gb[3]
        labels = (centre, f"{name}书记{secretary}")
        grid_ids = []
        first_index = len(self.ticket_grids)
        for g in range(grid_count):
            households = rng.randint(250, 520) if not rural else rng.randint(120, 300)
            population = int(households * rng.uniform(2.3, 3.0))
            area = rng.uniform(0.05, 0.4) if not rural else rng.uniform(0.8, 4.0)
            g_name = f"{name}第{g + 1}网格"
            mine = [compounds[g % len(compounds)]]
            if len(compounds) > grid_count and rng.random() < 0.4:
                mine.append(compounds[(g + grid_count) % len(compounds)])
            bounds = tuple(rng.choice(roads) for _ in range(4))
            g_row, grid = self.grid_row(
                f"{code}{g + 1:03d}", g_name, "grid", community, area_type=area_type, households=households,
                population=population, area=f"{area:.2f}", bounds=bounds, group=f"{g_name}居民群",
                group_members=int(households * rng.uniform(0.4, 0.9)))
            grid_ids.append(grid[0])
            workers = [self.worker(grid[0], "leader"), self.worker(grid[0], "part" if rural else "full")]
            if rng.random() < 0.5:
                workers.append(self.worker(grid[0], "part"))
            own = [w_name for _wid, w_name in workers]
            verifiers = tuple(i for i, w_name in enumerate(own) if own.count(w_name) == 1)
            branch = self.org(f"{g_name}党支部", "branch", gb, grid[0], founded + timedelta(days=rng.randrange(400)))
            self.members(branch[0], rng.randint(2, 6), first=branch[3])
            micro_ids = []
            n_micro = rng.choice((1, 1, 2)) if rural else rng.choice((1, 2, 2, 3, 3, 4))
            left = households
            for m in range(n_micro):
                share = left if m == n_micro - 1 else left // (n_micro - m)
                left -= share
                m_name = f"{g_name}{m + 1}号微网格"
                _m_row, micro = self.grid_row(
                    f"{code}{g + 1:03d}{m + 1:02d}", m_name, "micro", grid, area_type=area_type,
                    households=share, population=int(share * population / households),
                    area=f"{area / n_micro:.2f}")
                micro_ids.append(micro[0])
                workers.append(self.worker(micro[0], "micro"))
                if not rural and rng.random() < 0.4:
                    workers.append(self.worker(micro[0], "building"))
                if rng.random() < 0.35:
                    building = f"{mine[0]}{rng.randint(1, 30)}栋"
                    group = self.org(f"{building}楼宇党小组", "group", branch, micro[0],
                                     founded + timedelta(days=rng.randrange(400, 2000)))
                    self.members(group[0], rng.randint(2, 4), first=group[3])
                    if rng.random() < 0.5:
                        holder = self.names.person()[0]
                        household = self.org(f"{holder}党员中心户", "household", group, micro[0],
                                             founded + timedelta(days=rng.randrange(800, 2500)))
                        self.members(household[0], rng.randint(1, 2), first=holder)
            totals[0] += households
            totals[1] += population
            totals[2] += area
            self.ticket_grids.append((grid[0], tuple(micro_ids), tuple(wid for wid, _n in workers),
                                      tuple(n for _w, n in workers), verifiers, tuple(mine), tuple(roads), *labels))
        c_row[9], c_row[10], c_row[11] = totals[0], totals[1], f"{totals[2]:.2f}"
        self.volunteers(name, community[0], grid_ids, roads)
        self.meetings(name, community[0], grid_ids, first_index, secretary, compounds, roads)
        return totals

    def volunteers(self, c_name, community_id, grid_ids, roads):
        rng = self.rng
        for team_name, service_type, activities in rng.sample(TEAM_KINDS, rng.randint(1, 3)):
            name = f"{c_name}{team_name}"
            while name in self.used_team_names:
                name = f"{rng.choice(roads)}{name}"
            self.used_team_names.add(name)
            leader, _gender = self.names.person()
            team_id = self.w.next_id(VolunteerTeam)
            founded = self.today - timedelta(days=rng.randrange(400, 3000))
            self.w.add(VolunteerTeam, TEAM_COLUMNS, (
                team_id, name, service_type, community_id, leader, self.names.mobile(), founded.isoformat(),
                _fmt(self.born)))
            for v in range(rng.randint(4, 12)):
                v_name = leader if v == 0 else self.names.person()[0]
                v_id = self.w.next_id(Volunteer)
                self.w.add(Volunteer, VOLUNTEER_COLUMNS, (
                    v_id, v_name, self.names.mobile() if rng.random() < 0.9 else None, team_id,
                    rng.choice(grid_ids), _fmt(self.born + timedelta(days=rng.randrange(60)))))
                for _r in range(rng.choice((0, 1, 1, 2, 2, 3))):
                    served = self.today - timedelta(days=rng.randint(1, 365 * YEARS_OF_TICKETS))
                    self.w.add(ServiceRecord, RECORD_COLUMNS, (
                        self.w.next_id(ServiceRecord), v_id, team_id, served.isoformat(),
                        rng.choice(SERVICE_HOURS), rng.choice(activities), rng.randint(0, 40), None,
                        _fmt(clock.to_utc(datetime.combine(served, time(20)), self.tz))))

    def meetings(self, c_name, community_id, grid_ids, first_index, secretary, compounds, roads):
        rng = self.rng
        days = sorted(rng.sample(range(1, 365 * YEARS_OF_TICKETS), rng.randint(6, 14)), reverse=True)
        # The very first community's newest meeting held at least three weeks ago
        # shows every item state, in both modes of action.
        pin_age = None
        if not self.items_pinned:
            pin_age = min((age for age in days if age >= 21), default=days[0])
            self.items_pinned = True
        for age in days:
            pinned = PINNED_ITEMS if age == pin_age else None
            held_local = datetime.combine(self.today - timedelta(days=age), time(rng.choice((9, 10, 14, 15, 19))))
            held = clock.to_utc(held_local, self.tz)
            # Items of a grid's meeting may become tickets of that grid (to_ticket files them there).
            at_grid = pinned is not None or rng.random() < 0.5
            k = rng.randrange(len(grid_ids))
            grid_id = grid_ids[k] if at_grid else community_id
            mid = self.w.next_id(Meeting)
            title = f"{c_name}{held_local.year}年{held_local.month}月{'网格' if at_grid else '居民'}议事会"
            self.w.add(Meeting, MEETING_COLUMNS, (
                mid, title, _fmt(held), rng.choice(MEETING_PLACES), grid_id, secretary, self.names.person()[0],
                f"居民代表、物业、网格员等{rng.randint(7, 30)}人", _fmt(held + timedelta(hours=2))))
            for i in range(len(pinned) if pinned else rng.randint(1, 4)):
                status, mode = pinned[i] if pinned else (self.item_status(age), None)
                topic, raised_by, category = rng.choice(MEETING_TOPICS)
                values = {"xq": rng.choice(compounds), "b": rng.randint(1, 30), "road": rng.choice(roads)}
                topic = topic.format(**values)
                discussed = status != "raised"
                evaluated = status == "evaluated"
                if status in ("in_action", "evaluated") and mode is None:
                    mode = "ticket" if at_grid and rng.random() < ITEM_TICKET_SHARE else "community"
                row = [self.w.next_id(MeetingItem), mid, topic, raised_by.format(**values),
                       "与会人员充分发表意见" if discussed else None,
                       rng.choice(MEETING_RESOLUTIONS) if discussed else None,
                       None, None, None, status, mode, None, None, None, None, None]
                if mode == "ticket":
                    # Filed as a ticket after the meeting; written with it (tickets()).
                    ready = self.before_end(held + timedelta(hours=2), self.delay["to_ticket"](rng.random()))
                    heapq.heappush(self.item_tickets, (ready, row[0], (
                        row, first_index + k, category, topic, values["xq"], evaluated)))
                    continue
                if mode == "community":
                    deadline = held_local.date() + timedelta(days=rng.randint(15, 90))
                    row[6:9] = self.names.person()[0], deadline.isoformat(), rng.choice(MEETING_MEASURES)
                    if evaluated or rng.random() < ITEM_DONE_SHARE:
                        window = (clock.to_utc(datetime.combine(deadline, time(18)), self.tz) - held).total_seconds()
                        done = self.before_end(held + timedelta(hours=2), window * rng.uniform(0.1, 1.1))
                        row[12] = _fmt(done)
                        if evaluated:
                            self.evaluate(row, done)
                self.w.add(MeetingItem, ITEM_COLUMNS, row)

    def before_end(self, start, seconds):
        """``start`` plus ``seconds``, or, if that is not before the end of the
        demo's time, a time between ``start`` and the end."""
        at = start + timedelta(seconds=int(seconds))
        if at >= self.end_utc:
            at = start + timedelta(seconds=int((self.end_utc - start).total_seconds() * self.rng.uniform(0.2, 0.9)))
        return at

    def evaluate(self, row, after):
        """Fill an evaluated item's satisfaction, evaluation and time (after ``after``)."""
        satisfaction = self.satisfaction_pick(self.rng)
        row[I_SATISFACTION:] = (satisfaction, self.rng.choice(MEETING_EVALUATIONS[satisfaction]),
                                _fmt(self.before_end(after + timedelta(seconds=60),
                                                     self.delay["evaluate"](self.rng.random()))))

    def item_status(self, age):
        r = self.rng.random()
        if age < 20:
            order = (("raised", 0.4), ("discussed", 0.75), ("in_action", 0.95))
        elif age < 120:
            order = (("raised", 0.05), ("discussed", 0.2), ("in_action", 0.6))
        else:
            order = (("raised", 0.01), ("discussed", 0.05), ("in_action", 0.15))
        for status, upto in order:
            if r < upto:
                return status
        return "evaluated"

    # --- tickets ------------------------------------------------------------

    def tickets(self, total, lookups):
        rng = self.rng
        categories, sources, departments = lookups
        if total <= 0 or not self.ticket_grids:
            self.unfiled_items()
            return
        n_days = (self.today - self.start_day).days
        day_weights = []
        for i in range(n_days):
            day = self.start_day + timedelta(days=i)
            weekday = (1.0, 1.0, 1.0, 1.0, 1.0, 0.75, 0.65)[day.weekday()]
            season = 1 + 0.15 * math.sin(2 * math.pi * (day.timetuple().tm_yday - 100) / 365)
            growth = 1 + 0.5 * i / n_days
            day_weights.append(weekday * season * growth * rng.uniform(0.85, 1.15))
        # Systematic sampling: exact total, no day favoured by rounding.
        scale = total / sum(day_weights)
        offset = rng.random()
        counts, before = [], 0
        for cum in accumulate(w * scale for w in day_weights):
            upto = min(total, int(cum + offset))
            counts.append(upto - before)
            before = upto
        counts[-1] += total - before
        # Every status and side path at least once: pinned among the newest tickets.
        forced = {}
        if total >= len(FORCED):
            window = max(len(FORCED), total // 20)
            for position, pinned in zip(rng.sample(range(total - window, total), len(FORCED)), FORCED,
                                        strict=True):
                forced[position] = pinned

        hour_pick = _picker(list(enumerate(HOUR_WEIGHTS)))
        status_picks = [(limit, _picker(list(weights.items()))) for limit, weights in STATUS_BY_AGE]
        cat_pick = _picker([(name, weight) for name, (weight, _t) in TITLES.items()])
        source_pick = _picker(list(zip(sources.values(), SOURCE_WEIGHTS, strict=True)))
        priority_pick = _picker(PRIORITIES)
        patrol, resident, app = sources["网格员巡查"], sources["居民上报"], sources["随手拍小程序"]
        from_meeting = sources["议事会转办"]
        source_words = {sid: name for name, sid in sources.items()}
        dept_ids = {name: [(departments[d], d) for d in names] for name, names in CATEGORY_DEPARTMENTS.items()}
        closable = [name for name in TITLES if categories[name].self_closable]
        # The category with the shortest round-the-clock limit (an open ticket of it soon runs overdue).
        urgent = [rule.name for rule in sorted(categories.values(), key=lambda rule: rule.hours)
                  if rule.round_the_clock and not rule.days and rule.hours > 0 and rule.name in TITLES]
        grids = self.ticket_grids
        n_grids = len(grids)
        random_ = rng.random
        randrange = rng.randrange
        choice = rng.choice
        items = self.item_tickets
        # The newest ticket a duplicate can be merged into, per basic grid and overall.
        targets, last_target = {}, None

        tid = self.w.next_id(Ticket) - 1
        self.eid = self.w.next_id(TicketEvent) - 1
        self.pid = self.w.next_id(PointEntry) - 1
        index = in_batch = 0
        started = _time.monotonic()
        for i, count in enumerate(counts):
            if not count:
                continue
            day = self.start_day + timedelta(days=i)
            age = n_days - i
            status_pick = next(pick for limit, pick in status_picks if limit is None or age <= limit)
            midnight = clock.to_utc(datetime.combine(day, time.min), self.tz)
            seconds = sorted(hour_pick(rng) * 3600 + randrange(3600) for _ in range(count))
            for k in range(1, count):  # strictly increasing, so numbers follow time
                if seconds[k] <= seconds[k - 1]:
                    seconds[k] = seconds[k - 1] + 1
            prefix = day.strftime("%Y%m%d-")
            for seq, second in enumerate(seconds, 1):
                created = midnight + timedelta(seconds=second)
                pinned = forced.get(index)
                index += 1
                tid += 1
                in_batch += 1
                number = f"{prefix}{seq:04d}"
                item = None
                if items and items[0][0] <= created and pinned is None:
                    item = heapq.heappop(items)[2]
                    row, g_index, cat_name, title, place, evaluated = item
                    g = grids[g_index]
                    grid_id = g[0]
                    status = ("rated" if random_() < 0.5 else "closed") if evaluated else status_pick(rng)
                    while status in ("rejected", "merged"):
                        status = status_pick(rng)
                    variant = None
                    source_id, reporter, priority = from_meeting, None, "normal"
                    description = row[5]
                else:
                    g_index = randrange(n_grids)
                    g = grids[g_index]
                    grid_id = g[0]
                    status, variant = pinned or (status_pick(rng), None)
                    if variant == "on_spot" and closable:
                        cat_name = choice(closable)
                        title_t, place_t = choice(TITLES[cat_name][1])
                    elif variant == "overdue" and urgent:
                        cat_name = urgent[0]
                        title_t, place_t = choice(TITLES[cat_name][1])
                    elif random_() < LEAK_SHARE:
                        cat_name, title_t, place_t = choice(LEAK_TITLES)
                    else:
                        cat_name = cat_pick(rng)
                        title_t, place_t = choice(TITLES[cat_name][1])
                    compounds, roads = g[5], g[6]
                    values = {"xq": choice(compounds), "b": randrange(1, 31), "u": randrange(1, 5),
                              "road": choice(roads), "shop": choice(SHOPS)}
                    title = title_t.format(**values)
                    place = place_t.format(**values)
                    source_id = patrol if variant == "on_spot" else source_pick(rng)
                    if g[1] and random_() < 0.3:
                        grid_id = choice(g[1])
                    reporter = randrange(len(g[2])) if (
                        source_id == patrol or (source_id in (resident, app) and random_() < 0.5)) else None
                    priority = priority_pick(rng)
                    description = None
                target = None
                if status == "merged":
                    target = targets.get(g_index) or last_target
                    if target is None:
                        status = "rejected"
                    else:  # the same matter, reported again in the target's grid
                        _t, _n, g_index, grid_id, cat_name, title, place = target
                        g = grids[g_index]
                        if reporter is not None:
                            reporter = randrange(len(g[2]))
                rule = categories[cat_name]
                if description is None:
                    description = f"{source_words[source_id]}：{title}，请及时处理。"
                department = None
                if status not in ("reported", "accepted", "rejected", "merged"):
                    department = choice(dept_ids[cat_name]) if random_() < DEPARTMENT_SHARE else None
                row_out, closed = self.story(tid, number, created, status, variant, rule, g, reporter, department,
                                             source_id == from_meeting, target)
                self.w.add(Ticket, TICKET_COLUMNS, (
                    tid, number, title, description, rule.id, source_id, grid_id, place,
                    g[2][reporter] if reporter is not None else None, *row_out[:2], priority, *row_out[2:]))
                status = row_out[2]
                if status not in ("merged", "rejected"):
                    last_target = targets[g_index] = (tid, number, g_index, grid_id, cat_name, title, place)
                if item is not None:
                    self.file_item(item[0], tid, status, closed)
            if in_batch >= TICKETS_PER_TRANSACTION:
                self.write_tickets()
                self.echo(f"  tickets: {index:,} of {total:,} ({_time.monotonic() - started:.0f}s)")
                in_batch = 0
        self.write_tickets()
        self.w.ids[Ticket] = tid
        self.w.ids[TicketEvent] = self.eid
        self.w.ids[PointEntry] = self.pid
        self.unfiled_items()

    def file_item(self, row, ticket_id, status, closed):
        """A meeting item turned into ticket ``ticket_id``: evaluated only once
        its ticket is closed (else it is still in action)."""
        row[I_TICKET] = ticket_id
        if row[I_STATUS] == "evaluated":
            if status in ("closed", "rated") and closed + timedelta(seconds=120) < self.end_utc:
                self.evaluate(row, closed)
            else:
                row[I_STATUS] = "in_action"
        self.w.add(MeetingItem, ITEM_COLUMNS, row)

    def unfiled_items(self):
        """Items that found no ticket in the demo's time stay as discussed."""
        while self.item_tickets:
            row = heapq.heappop(self.item_tickets)[2][0]
            row[I_STATUS], row[ITEM_COLUMNS.index("action_mode")] = "discussed", None
            self.w.add(MeetingItem, ITEM_COLUMNS, row)
        with db.atomic():
            self.w.flush(TICKET_FLUSH_ORDER)

    def write_tickets(self):
        with db.atomic():
            self.w.flush(TICKET_FLUSH_ORDER)

    # --- one ticket's history ---------------------------------------------------

    def story(self, tid, number, created, status, variant, rule, g, reporter, department, meeting, target):
        """Take one ticket from its report to ``status`` the way the workflow
        would: its events and point entries go to the writer; returns the
        ticket's columns from assignee_id on (less priority) and its close time."""
        rng = self.rng
        random_ = rng.random
        choice = rng.choice
        delay = self.delay
        worker_ids, names = g[2], g[3]
        centre, secretary = g[7], g[8]

        def staff():
            return secretary if random_() < SECRETARY_SHARE else centre

        assignee = None
        if status not in ("reported", "accepted", "rejected", "merged") and department is None:
            assignee = rng.randrange(len(worker_ids))
        on_spot = status in ("closed", "rated") and reporter is not None and rule.self_closable and (
            variant == "on_spot" or random_() < ON_SPOT_SHARE)
        if reporter is not None:
            reported_by = names[reporter]
        else:
            reported_by = secretary if meeting else centre
        # The plan: (action, status after, by, timed by (0: seconds after the step before,
        # 1: a fraction of the handling window from the dispatch), that value, note, particulars)
        plan = []
        step = plan.append
        if status == "rejected":
            step(("reject", "rejected", staff(), 0, delay["reject"](random_()), choice(REJECTIONS), None))
        elif status == "merged":
            if random_() < 0.3:
                step(("accept", "accepted", staff(), 0, delay["accept"](random_()), None, None))
            step(("merge", "merged", staff(), 0, delay["merge"](random_()), MERGE_NOTE.format(number=target[1]),
                  target))
        elif status == "accepted":
            step(("accept", "accepted", staff(), 0, delay["accept"](random_()), None, None))
        elif on_spot:
            step(("close_on_spot", "closed", reported_by, 0, delay["on_spot"](random_()), choice(ON_SPOT_RESULTS),
                  None))
        elif status != "reported":
            handler = department[1] if department is not None else names[assignee]
            verifier = None  # the verifying worker's index, if a worker verifies
            eligible = [i for i in g[4] if i != assignee]
            if eligible and random_() < WORKER_VERIFY_SHARE:
                verifier = choice(eligible)
                checked_by = names[verifier]
            else:
                checked_by = staff()
            step(("accept", "accepted", staff(), 0, delay["accept"](random_()), None, None))
            step(("dispatch", "dispatched", centre, 0, delay["dispatch"](random_()), None, None))
            target_status = "closed" if status == "rated" else status
            reopen = target_status == "closed" and (variant == "reopen" or random_() < REOPEN_SHARE)
            self.handling(step, target_status, variant, rule, handler, verifier, checked_by, centre)
            if reopen:
                step(("reopen", "accepted", centre, 0, delay["reopen"](random_()), choice(REOPENS), None))
                step(("dispatch", "dispatched", centre, 0, delay["dispatch"](random_()), None, None))
                self.handling(step, "closed", "plain", rule, handler, verifier, checked_by, centre)
        if status == "rated":
            satisfaction = self.satisfaction_pick(rng)
            step(("rate", "rated", staff(), 0, delay["rate"](random_()), choice(RATING_NOTES[satisfaction]),
                  satisfaction))

        # Time the plan; squeeze it (keeping its order) if it would run past the demo's end.
        end = self.end_utc
        factor = 1.0
        for _try in range(6):
            times = self.walk(plan, created, rule, factor)
            if not times or times[-1][0] < end:
                break
            factor *= ((end - created).total_seconds() * rng.uniform(0.5, 0.9)
                       / (times[-1][0] - created).total_seconds())
        else:
            times = self.walk(plan, created, rule, 0.0)  # one second apart
            if times[-1][0] >= end:  # reported in the last seconds: nothing more happened yet
                plan, times = [], []

        # Replay it: events, points and the ticket's columns.
        add = self.w.add
        ticket_id = tid
        self.eid += 1
        add(TicketEvent, EVENT_COLUMNS, (self.eid, tid, _fmt(created), reported_by, "report", None, "reported",
                                         None, None))
        current = "reported"
        dispatched = due = extension = handled = closed = resolution = satisfaction = rating_note = duplicate = None
        nets = {}
        cycle = 0  # reopenings so far (Ticket.cycle): each books its points afresh

        def book(worker, points, reason, at, note=None):
            if worker is None or not points:
                return
            self.pid += 1
            add(PointEntry, POINT_COLUMNS, (self.pid, worker, points, reason, ticket_id, _fmt(at),
                                            note[:255] if note else None, cycle))
            nets[worker] = nets.get(worker, 0) + points

        for (action, to, by, _kind, _value, note, extra), (at, due_then) in zip(plan, times, strict=True):
            data = None
            if action == "dispatch":
                dispatched, due, extension, handled = at, due_then, None, None
                data = {"department": department[1]} if department is not None else {"assignee": names[assignee]}
                if due is not None:
                    data["due_at"] = _fmt(due)
            elif action == "handle":
                resolution, handled, extension = note, at, None
            elif action == "close_on_spot":
                resolution, handled, closed = note, at, at
                book(worker_ids[reporter], rule.on_spot, "on_spot", at)
            elif action == "verify":
                closed = at
                book(worker_ids[reporter] if reporter is not None else None, rule.points, "report", at)
                book(worker_ids[extra] if extra is not None else None, rule.verify, "verify", at)
                if handled is not None and due is not None and handled > due and assignee is not None:
                    book(worker_ids[assignee], -rule.overdue, "overdue", at)
            elif action == "return":
                handled = None
            elif action == "request_extension":
                extension = (max(due, at) if due is not None else at) + timedelta(seconds=extra)
                data = {"due_at": _fmt(extension)}
            elif action == "approve_extension":
                data = {"due_at": _fmt(extension), "was": _fmt(due) if due is not None else None}
                due, extension = extension, None
            elif action == "deny_extension":
                data = {"due_at": _fmt(extension)}
                extension = None
            elif action == "rate":
                satisfaction, rating_note = extra, note
                data = {"satisfaction": extra}
            elif action == "merge":
                duplicate, closed = extra[0], at
                data = {"target": extra[1]}
            elif action == "reopen":
                for worker, net in sorted(nets.items()):
                    book(worker, -net, "reversal", at, note)
                cycle += 1
                closed = handled = due = dispatched = extension = satisfaction = rating_note = None
            if data is not None:
                data = json.dumps({k: v for k, v in data.items() if v is not None}, ensure_ascii=False)
            before, current = current, to or current
            self.eid += 1
            add(TicketEvent, EVENT_COLUMNS, (self.eid, tid, _fmt(at), by, action, before, current, note, data))
        dispatched_ever = any(planned[0] == "dispatch" for planned in plan)
        return ((worker_ids[assignee] if assignee is not None and dispatched_ever else None,
                 department[0] if department is not None and dispatched_ever else None,
                 current, _fmt(created), dispatched and _fmt(dispatched), due and _fmt(due),
                 extension and _fmt(extension), handled and _fmt(handled), closed and _fmt(closed), resolution,
                 satisfaction, rating_note, duplicate, len(plan), cycle), closed)

    def handling(self, step, status, variant, rule, handler, verifier, checked_by, centre):
        """The steps from dispatched to ``status`` (dispatched, in_progress,
        handled or closed), with the side paths ``variant`` asks for or chance brings."""
        rng = self.rng
        random_ = rng.random
        delay = self.delay
        plain = variant == "plain"
        returned = not plain and status in ("dispatched", "handled", "closed") and (
            variant == "returned" or random_() < RETURN_SHARE)
        pending = not plain and status in ("dispatched", "in_progress") and (
            variant == "pending" or random_() < PENDING_SHARE)
        decided = None
        if not plain and status != "dispatched" and (variant == "extended" or random_() < EXTENSION_SHARE):
            decided = "approve_extension" if variant == "extended" or random_() < APPROVE_SHARE \
                else "deny_extension"
        late = variant == "late" or (not plain and random_() < LATE_SHARE)

        def window(name):
            low, high = WINDOWS[name]
            return low + (high - low) * random_()

        def extension():
            # How much later the handler asks to be due: hours for urgent matters, else days.
            if rule.round_the_clock and not rule.days:
                return max(3600, int(rule.hours * 3600 * rng.uniform(0.5, 1.5)))
            return rng.randint(1, 5) * 86400

        if status == "dispatched":
            if returned:
                step(("start", "in_progress", handler, 1, window("start"), None, None))
                step(("handle", "handled", handler, 1, window("late" if late else "handle"),
                      rng.choice(RESOLUTIONS), None))
                step(("return", "dispatched", checked_by, 0, delay["return"](random_()), rng.choice(RETURNS),
                      None))
            if pending:
                step(("request_extension", None, handler, 1, window("request"), rng.choice(EXTENSIONS),
                      extension()))
            return
        step(("start", "in_progress", handler, 1, window("start"), None, None))
        if decided:
            step(("request_extension", None, handler, 1, window("request"), rng.choice(EXTENSIONS), extension()))
            step((decided, None, centre, 0, delay["decide"](random_()), None, None))
        if status == "in_progress":
            if pending:
                step(("request_extension", None, handler, 1, window("request"), rng.choice(EXTENSIONS),
                      extension()))
            return
        step(("handle", "handled", handler, 1, window("late" if late else "handle") if not decided
              else rng.uniform(0.85, 1.0), rng.choice(RESOLUTIONS), None))
        if returned:
            step(("return", "dispatched", checked_by, 0, delay["return"](random_()), rng.choice(RETURNS), None))
            if random_() < 0.7:
                step(("start", "in_progress", handler, 0, delay["restart"](random_()), None, None))
            step(("handle", "handled", handler, 0, delay["rehandle"](random_()), rng.choice(RESOLUTIONS), None))
        if status == "closed":
            step(("verify", "closed", checked_by, 0, self.delay["verify"](random_()),
                  rng.choice(VERIFY_NOTES), verifier))

    def walk(self, plan, created, rule, factor):
        """The plan's times, every delay times ``factor``: [(at, due time after the step)]."""
        due_time = self.work.due
        at = created
        dispatched = due = extension = None
        out = []
        second = timedelta(seconds=1)
        for action, _to, _by, kind, value, _note, extra in plan:
            if kind:
                span = (due - dispatched).total_seconds() if due is not None else DEFAULT_WINDOW
                moved = dispatched + timedelta(seconds=int(span * value * factor))
                at = moved if moved > at else at + second
            else:
                at += timedelta(seconds=int(value * factor) or 1)
            if action == "dispatch":
                dispatched, due, extension = at, due_time(rule, at), None
            elif action == "request_extension":
                extension = (max(due, at) if due is not None else at) + timedelta(seconds=extra)
            elif action == "approve_extension":
                due, extension = extension, None
            elif action == "reopen":
                due = None
            out.append((at, due))
        return out


def _shape(grids, rng):
    """How many districts, streets, communities and grids: [[grids per community] per street] per district."""
    n = max(1, grids)
    communities = max(1, round(n / GRIDS_PER_COMMUNITY))
    streets = max(1, round(communities / COMMUNITIES_PER_STREET))
    if communities >= 2:
        streets = max(streets, 2)
    districts = max(1, math.ceil(streets / (STREETS_PER_DISTRICT * 1.5)))
    per_community = iter(_split(n, communities, rng))
    per_street = iter(_split(communities, streets, rng))
    return [[[next(per_community) for _c in range(next(per_street))] for _s in range(street_count)]
            for street_count in _split(streets, districts, rng, spread=0.1)]


def _district_names(count, rng):
    pairs = [a + b for a in DISTRICT_FIRST for b in DISTRICT_SECOND if a != b]
    rng.shuffle(pairs)
    names = []
    for i in range(count):
        base = pairs[i % len(pairs)]
        names.append(f"{base}区" if i < len(pairs) else f"{base}{'东西南北新'[i // len(pairs) % 5]}区")
    return names


def _district_code(i):
    # Fictional codes in one province: 32 + city (01..) + district (02..21).
    city, district = divmod(i, 20)
    if city > 98:
        raise RuleError("Too many grids for the demo's district codes.")
    return f"32{city + 1:02d}{district + 2:02d}"


def _lookups():
    """The lookup rows, reusing any an administrator already entered (by name)."""
    def ensure(model, rows, extra):
        existing = {r.name: r for r in model.select()}
        used_codes = {r.code for r in existing.values()}
        top = max((r.sort_order for r in existing.values()), default=0)
        for i, row in enumerate(rows):
            code, name = row[0], row[1]
            if name in existing:
                continue
            if code in used_codes:
                code = f"DEMO{code}"[:32]
            data = {"code": code, "name": name, "sort_order": top + (i + 1) * 10, **extra(row)}
            existing[name] = model.create(**data)
        return existing

    cats = ensure(Category, CATEGORIES, lambda r: {
        "time_limit_hours": r[2], "time_limit_days": r[3], "round_the_clock": r[4], "self_closable": r[5],
        "points": r[6], "points_on_spot": r[7], "points_verify": r[8], "points_overdue": r[9]})
    srcs = ensure(Source, SOURCES, lambda r: {})
    depts = ensure(Department, DEPARTMENTS, lambda r: {"phone": r[2]})
    categories = {row[1]: _Rule(cats[row[1]]) for row in CATEGORIES}
    sources = {name: srcs[name].id for _c, name in SOURCES}
    departments = {name: depts[name].id for _c, name, _p in DEPARTMENTS}
    return categories, sources, departments


def _calendar(writer, first_year, last_year):
    """The holidays and make-up workdays of the years given (those listed in
    ``CALENDAR``), keeping any day already entered; returns every calendar
    row as {day: workday}."""
    existing = dict(CalendarDay.select(CalendarDay.day, CalendarDay.workday).tuples())
    for year in range(first_year, last_year + 1):
        for first, last, name, workday in CALENDAR.get(year, ()):
            day, last = date.fromisoformat(first), date.fromisoformat(last)
            while day <= last:
                if day not in existing:
                    writer.add(CalendarDay, CALENDAR_COLUMNS,
                               (writer.next_id(CalendarDay), day.isoformat(), workday, name))
                    existing[day] = workday
                day += timedelta(days=1)
    writer.flush((CalendarDay,))
    return existing




def check_empty():
    """Refuse to mix demo rows into real ones."""
    if Grid.select().exists() or Worker.select().exists() or Ticket.select().exists():
        raise RuleError("The database already holds grids, workers or tickets; seed-demo only fills an empty "
                        "database. Point GRIDADMIN_DATABASE_URL at a new database, run init-db, then seed-demo.")


def seed(tickets=5000, grids=None, seed=2026, echo=None, today=None, tz=TZ):
    """Fill an empty database with a demo district; returns {what: rows written}.

    ``grids`` is the number of basic grids (网格; default a district of
    about 10 streets × 10 communities × 8 grids). Each grid also gets
    micro-grids, workers, party organisations, and its community volunteer
    teams and meetings; beyond about 1,500 grids more districts are added.
    """
    echo = echo or (lambda message: None)
    started = _time.monotonic()
    database = db.obj
    rng = random.Random(seed)
    today = today or clock.local_today(tz)
    check_empty()
    writer = _Writer(database)
    sqlite = isinstance(database, SqliteDatabase)
    if sqlite:
        # A bigger page cache for the load: indexes are built row by row.
        old_cache = database.execute_sql("PRAGMA cache_size").fetchone()[0]
        database.execute_sql("PRAGMA cache_size = -262144")
    try:
        with db.atomic():
            lookups = _lookups()
            # The years the tickets span, and the next (their deadlines may reach it).
            calendar = _calendar(writer, today.year - YEARS_OF_TICKETS, today.year + 1)
            seeder = _Seeder(rng, writer, today, tz, echo, _WorkTime(calendar, tz))
            shape = _shape(grids or DEFAULT_GRIDS, rng)
            names = _district_names(len(shape), rng)
            for i, streets in enumerate(shape):
                seeder.district(i, _district_code(i), names[i], streets)
            # Grids and micro-grids are led by their first grid worker.
            first = Worker.alias()
            leader = (first.select(fn.MIN(first.id))
                      .where((first.grid == Grid.id) & first.post.in_(["leader", "micro"])))
            (Grid.update(leader=leader)
             .where(Grid.level.in_(["grid", "micro"]) & Grid.leader.is_null())
             .execute())
        echo(f"  grid tree and people: {writer.counts.get(Grid, 0):,} grids, "
             f"{writer.counts.get(Worker, 0):,} workers ({_time.monotonic() - started:.0f}s)")
        seeder.tickets(tickets, lookups)
        writer.fix_sequences()
        # The tickets were written in bulk, not step by step: their figures
        # come from the tally's rebuild (the same function the steps use).
        from . import tally

        cells = tally.rebuild(tz)
        echo(f"  tally: {cells:,} cells ({_time.monotonic() - started:.0f}s)")
    finally:
        if sqlite:
            database.execute_sql(f"PRAGMA cache_size = {int(old_cache)}")
    echo(f"  done in {_time.monotonic() - started:.0f}s")

    levels = dict(Grid.select(Grid.level, fn.COUNT(Grid.id)).group_by(Grid.level).tuples())
    summary = {
        "districts": levels.get("district", 0),
        "streets": levels.get("street", 0),
        "communities": levels.get("community", 0),
        "grids": levels.get("grid", 0),
        "micro-grids": levels.get("micro", 0),
    }
    for label, model in (("workers", Worker), ("party organisations", PartyOrg), ("party members", PartyMember),
                         ("volunteer teams", VolunteerTeam), ("volunteers", Volunteer),
                         ("service records", ServiceRecord), ("meetings", Meeting), ("meeting items", MeetingItem),
                         ("tickets", Ticket), ("ticket events", TicketEvent), ("point entries", PointEntry)):
        summary[label] = writer.counts.get(model, 0)
    summary["calendar days"] = CalendarDay.select().count()
    summary["categories"] = Category.select().count()
    summary["sources"] = Source.select().count()
    summary["departments"] = Department.select().count()
    summary["demo users"] = len(demo_users())
    # Last, once every table is filled (the demo users too): statistics taken
    # before them said `user` had one row, and the login's join scanned it.
    planner.refresh(database)
    return summary


DEMO_PASSWORD = "demo-2026"


def demo_users(password=DEMO_PASSWORD):
    """One user per role, ``demo_<role>``, bound inside the first street so
    that each sees a different slice of the same records (README lists them)."""
    from .users import create_user

    street = Grid.select().where(Grid.level == "street").order_by(Grid.id).first()
    community = Grid.select().where((Grid.parent == street) & (Grid.level == "community")).order_by(Grid.id).first()
    grid = Grid.select().where((Grid.parent == community) & (Grid.level == "grid")).order_by(Grid.id).first()
    busiest = (Ticket.select(Ticket.department, fn.COUNT(Ticket.id).alias("n"))
               .where(Ticket.department.is_null(False)).group_by(Ticket.department)
               .order_by(fn.COUNT(Ticket.id).desc()).first())
    team = (VolunteerTeam.select().where(VolunteerTeam.grid.in_(
        Grid.select(Grid.id).where(Grid.path.startswith(community.path)))).order_by(VolunteerTeam.id).first())
    bindings = {
        "admin": {},
        "centre": {"grid": street},
        "secretary": {"grid": community},
        "worker": {"grid": grid, "worker": Worker.select().where(Worker.grid == grid).order_by(Worker.id).first()},
        "department": {"department": busiest.department_id if busiest else Department.select().first()},
        "volunteer": {"team": team, "volunteer": team and Volunteer.select().where(Volunteer.team == team)
                      .order_by(Volunteer.id).first()},
        "viewer": {"grid": street.parent},
    }
    names = {"admin": "演示管理员", "centre": "演示指挥中心", "secretary": "演示社区书记", "worker": "演示网格员",
             "department": "演示职能部门", "volunteer": "演示志愿者", "viewer": "演示领导"}
    return [create_user(f"demo_{role}", password, display_name=names[role], role=role, **binding)
            for role, binding in bindings.items()]
