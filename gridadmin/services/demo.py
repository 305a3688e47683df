"""Demo data: a realistic (fictional) district, or a whole city's worth of them.

``seed()`` fills an empty database: the grid tree (区县 → 街道/镇 → 社区/村 →
网格 → 微网格) with division codes that extend their parent's, grid workers,
the party organisation tree and its members, volunteer teams with their
service records, deliberation meetings (议事会) and their items, the lookup
tables, and tickets (工单) spread over the two years before ``today``.

It refuses a database that already holds grids, workers or tickets: demo
rows mixed into real ones could not be told apart and taken out again.
Lookup tables that already have rows are reused by name; missing rows are
added.

Written for scale: ids are allocated here, so paths, depths and references
are computed in memory and written with multi-row INSERTs in batches inside
transactions, never one ORM save per row. A million tickets take a couple of
minutes on SQLite.

Deterministic: every value is drawn from one ``random.Random(seed)``; the
same seed on the same ``today`` gives the same rows (a later ``today`` shifts
every time by whole days and changes nothing else).
"""

import math
import random
import time as _time
from bisect import bisect
from datetime import datetime, time, timedelta
from itertools import accumulate

from peewee import PostgresqlDatabase, SqliteDatabase, fn

from ..models import (
    Category,
    Department,
    Grid,
    Meeting,
    MeetingItem,
    PartyMember,
    PartyOrg,
    ServiceRecord,
    Source,
    Ticket,
    Volunteer,
    VolunteerTeam,
    Worker,
    db,
)
from ..models.meeting import MEETING_ITEM_STATUSES
from ..models.ticket import TICKET_STATUSES
from . import clock
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

# code, name, time limit (hours), points
CATEGORIES = (
    ("HJWS", "环境卫生", 48, 2),
    ("SZSS", "市政设施", 72, 3),
    ("ZAYH", "治安隐患", 24, 3),
    ("XFAQ", "消防安全", 24, 4),
    ("MDJF", "矛盾纠纷", 120, 5),
    ("WZDJ", "违章搭建", 168, 4),
    ("ZDJY", "占道经营", 24, 2),
    ("ZYRM", "噪音扰民", 24, 2),
    ("WYGL", "物业管理", 72, 2),
    ("SCJG", "市场监管", 72, 3),
    ("TCGL", "停车管理", 48, 1),
    ("YQGL", "养犬管理", 48, 1),
    ("RQAQ", "燃气安全", 12, 4),
    ("MSFW", "民生服务", 72, 2),
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
SOURCE_WEIGHTS = (46, 20, 16, 3, 5, 8, 2)
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
REJECTIONS = (
    "经核实不属于受理范围，已向反映人解释说明",
    "重复上报，已合并至前一工单处理",
    "经现场核实，反映情况不存在",
)
PRIORITIES = (("normal", 70), ("high", 15), ("low", 10), ("urgent", 5))
SATISFACTION = (("satisfied", 80), ("basically", 15), ("dissatisfied", 5))
# Status mix by the ticket's age in days: recent tickets are still open.
STATUS_BY_AGE = (
    (1, {"reported": 25, "accepted": 18, "rejected": 3, "dispatched": 20, "in_progress": 17, "handled": 10,
         "closed": 5, "rated": 2}),
    (4, {"reported": 5, "accepted": 8, "rejected": 4, "dispatched": 15, "in_progress": 20, "handled": 18,
         "closed": 20, "rated": 10}),
    (15, {"reported": 1, "accepted": 2, "rejected": 5, "dispatched": 5, "in_progress": 8, "handled": 9,
          "closed": 35, "rated": 35}),
    (60, {"reported": 0.2, "accepted": 0.3, "rejected": 5, "dispatched": 1, "in_progress": 1.5, "handled": 1.5,
          "closed": 40, "rated": 50.5}),
    (None, {"reported": 0.05, "accepted": 0.05, "rejected": 5, "dispatched": 0.2, "in_progress": 0.3,
            "handled": 0.4, "closed": 39, "rated": 55}),
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
MEETING_TOPICS = (
    ("{xq}{b}栋加装电梯意见征集", "{xq}{b}栋业主"),
    ("{xq}停车难问题协商", "{xq}居民代表"),
    ("{xq}楼道堆物集中清理", "网格员"),
    ("{xq}增设电动自行车充电桩", "{xq}居民代表"),
    ("{xq}老旧小区改造方案", "社区居委会"),
    ("{xq}绿化树木修剪", "{xq}{b}栋住户"),
    ("{xq}垃圾分类投放点选址", "物业公司"),
    ("{xq}广场舞时间和音量约定", "{xq}居民代表"),
    ("{xq}{b}栋外墙瓷砖脱落维修", "{xq}{b}栋业主"),
    ("{road}早市占道经营整治", "网格员"),
    ("{xq}公共维修资金使用", "业委会"),
    ("{xq}独居老人助餐服务", "社区党总支"),
)
MEETING_RESOLUTIONS = (
    "与会代表一致同意，由物业牵头实施，网格员跟踪落实",
    "形成初步方案，公示七天后报街道审批",
    "经协商，由社区协调相关部门联合处置",
    "暂缓实施，下次议事会继续讨论",
)
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
                "status")
TICKET_COLUMNS = ("id", "number", "title", "description", "category_id", "source_id", "grid_id", "place",
                  "reporter_id", "assignee_id", "department_id", "priority", "status", "created_at", "due_at",
                  "closed_at", "resolution", "satisfaction")
FLUSH_ORDER = (Grid, Worker, PartyOrg, PartyMember, VolunteerTeam, Volunteer, ServiceRecord, Meeting, MeetingItem)


class _Seeder:
    def __init__(self, rng, writer, today, tz, echo):
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
        # Per basic grid, for tickets: (grid id, micro ids, worker ids, compounds, roads)
        self.ticket_grids = []

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
                c_totals = self.community(c_code, c_name, street, grid_count, "rural" if village else "urban")
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

    def community(self, code, name, street, grid_count, area_type):
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
        grid_ids = []
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
            workers = [self.worker(grid[0], "leader")[0], self.worker(grid[0], "part" if rural else "full")[0]]
            if rng.random() < 0.5:
                workers.append(self.worker(grid[0], "part")[0])
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
                workers.append(self.worker(micro[0], "micro")[0])
                if not rural and rng.random() < 0.4:
                    workers.append(self.worker(micro[0], "building")[0])
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
            self.ticket_grids.append((grid[0], tuple(micro_ids), tuple(workers), tuple(mine), tuple(roads)))
        c_row[9], c_row[10], c_row[11] = totals[0], totals[1], f"{totals[2]:.2f}"
        self.volunteers(name, community[0], grid_ids, roads)
        self.meetings(name, community[0], grid_ids, secretary, compounds, roads)
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

    def meetings(self, c_name, community_id, grid_ids, secretary, compounds, roads):
        rng = self.rng
        days = sorted(rng.sample(range(1, 365 * YEARS_OF_TICKETS), rng.randint(6, 14)), reverse=True)
        for age in days:
            # The very first community's newest meeting shows every item status.
            pinned = [value for value, _label in MEETING_ITEM_STATUSES] if (
                age == days[-1] and not self.items_pinned) else None
            self.items_pinned = self.items_pinned or bool(pinned)
            held_local = datetime.combine(self.today - timedelta(days=age), time(rng.choice((9, 10, 14, 15, 19))))
            held = clock.to_utc(held_local, self.tz)
            at_grid = rng.random() < 0.5
            grid_id = rng.choice(grid_ids) if at_grid else community_id
            mid = self.w.next_id(Meeting)
            title = f"{c_name}{held_local.year}年{held_local.month}月{'网格' if at_grid else '居民'}议事会"
            self.w.add(Meeting, MEETING_COLUMNS, (
                mid, title, _fmt(held), rng.choice(MEETING_PLACES), grid_id, secretary, self.names.person()[0],
                f"居民代表、物业、网格员等{rng.randint(7, 30)}人", _fmt(held + timedelta(hours=2))))
            for i in range(len(pinned) if pinned else rng.randint(1, 4)):
                status = pinned[i] if pinned else self.item_status(age)
                topic, raised_by = rng.choice(MEETING_TOPICS)
                values = {"xq": rng.choice(compounds), "b": rng.randint(1, 30), "road": rng.choice(roads)}
                discussed = status != "raised"
                acting = status in ("in_action", "evaluated")
                self.w.add(MeetingItem, ITEM_COLUMNS, (
                    self.w.next_id(MeetingItem), mid, topic.format(**values), raised_by.format(**values),
                    "与会人员充分发表意见" if discussed else None,
                    rng.choice(MEETING_RESOLUTIONS) if discussed else None,
                    self.names.person()[0] if acting else None,
                    (held_local.date() + timedelta(days=rng.randint(15, 90))).isoformat() if discussed else None,
                    status))

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
        if total <= 0 or not self.ticket_grids:
            return
        categories, sources, departments = lookups
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
        # Every status at least once: pin one ticket of each among the newest.
        statuses = [value for value, _label in TICKET_STATUSES]
        forced = {}
        if total >= len(statuses):
            window = max(len(statuses), total // 20)
            for position, status in zip(rng.sample(range(total - window, total), len(statuses)), statuses,
                                        strict=True):
                forced[position] = status

        hour_pick = _picker(list(enumerate(HOUR_WEIGHTS)))
        status_picks = [(limit, _picker(list(weights.items()))) for limit, weights in STATUS_BY_AGE]
        cat_pick = _picker([(name, weight) for name, (weight, _t) in TITLES.items()])
        source_pick = _picker(list(zip(sources.values(), SOURCE_WEIGHTS, strict=True)))
        priority_pick = _picker(PRIORITIES)
        satisfaction_pick = _picker(SATISFACTION)
        patrol, resident, app = sources["网格员巡查"], sources["居民上报"], sources["随手拍小程序"]
        source_words = {sid: name for name, sid in sources.items()}
        dept_ids = {name: [departments[d] for d in names] for name, names in CATEGORY_DEPARTMENTS.items()}
        limits = {name: timedelta(hours=categories[name][1]) for name in categories}
        cat_ids = {name: categories[name][0] for name in categories}
        grids = self.ticket_grids
        n_grids = len(grids)
        end = self.end_utc
        random_ = rng.random
        randrange = rng.randrange
        choice = rng.choice

        tid = self.w.next_id(Ticket) - 1
        rows = []
        index = 0
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
                grid_id, micro_ids, worker_ids, compounds, roads = grids[randrange(n_grids)]
                if random_() < LEAK_SHARE:
                    cat_name, title_t, place_t = choice(LEAK_TITLES)
                else:
                    cat_name = cat_pick(rng)
                    title_t, place_t = choice(TITLES[cat_name][1])
                values = {"xq": choice(compounds), "b": randrange(1, 31), "u": randrange(1, 5),
                          "road": choice(roads), "shop": choice(SHOPS)}
                title = title_t.format(**values)
                place = place_t.format(**values)
                source_id = source_pick(rng)
                status = forced.get(index) or status_pick(rng)
                index += 1
                tid += 1
                if micro_ids and random_() < 0.3:
                    grid_id = choice(micro_ids)
                reporter = choice(worker_ids) if (
                    source_id == patrol or (source_id in (resident, app) and random_() < 0.5)) else None
                department = assignee = closed = resolution = satisfaction = None
                if status in ("dispatched", "in_progress", "handled", "closed", "rated"):
                    if random_() < 0.6:
                        department = choice(dept_ids[cat_name])
                        if random_() < 0.3:
                            assignee = choice(worker_ids)
                    else:
                        assignee = choice(worker_ids)
                limit = limits[cat_name]
                if status in ("handled", "closed", "rated"):
                    resolution = choice(RESOLUTIONS)
                if status in ("closed", "rated"):
                    share = random_() * 0.95 + 0.05 if random_() > 0.12 else 1 + random_() * 1.5
                    closed = created + limit * share
                    if closed > end:
                        closed = created + (end - created) * random_()
                    closed = _fmt(closed)
                    if status == "rated":
                        satisfaction = satisfaction_pick(rng)
                elif status == "rejected":
                    resolution = choice(REJECTIONS)
                rows.append((
                    tid, f"{prefix}{seq:04d}", title, f"{source_words[source_id]}：{title}，请及时处理。",
                    cat_ids[cat_name], source_id, grid_id, place, reporter, assignee, department,
                    priority_pick(rng), status, _fmt(created), _fmt(created + limit), closed, resolution,
                    satisfaction,
                ))
            if len(rows) >= TICKETS_PER_TRANSACTION:
                self.write_tickets(rows)
                self.echo(f"  tickets: {index:,} of {total:,} ({_time.monotonic() - started:.0f}s)")
                rows = []
        self.write_tickets(rows)
        self.w.ids[Ticket] = tid

    def write_tickets(self, rows):
        with db.atomic():
            self.w.insert(Ticket, TICKET_COLUMNS, rows)


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

    cats = ensure(Category, CATEGORIES, lambda r: {"time_limit_hours": r[2], "points": r[3]})
    srcs = ensure(Source, SOURCES, lambda r: {})
    depts = ensure(Department, DEPARTMENTS, lambda r: {"phone": r[2]})
    categories = {name: (cats[name].id, cats[name].time_limit_hours or 72) for name, _w in
                  ((n, 0) for _c, n, _l, _p in CATEGORIES)}
    sources = {name: srcs[name].id for _c, name in SOURCES}
    departments = {name: depts[name].id for _c, name, _p in DEPARTMENTS}
    return categories, sources, departments


def _analyze(database):
    """Fresh planner statistics after a bulk load."""
    if isinstance(database, SqliteDatabase):
        database.execute_sql("PRAGMA analysis_limit = 1000")
    database.execute_sql("ANALYZE")


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
    seeder = _Seeder(rng, writer, today, tz, echo)
    sqlite = isinstance(database, SqliteDatabase)
    if sqlite:
        # A bigger page cache for the load: indexes are built row by row.
        old_cache = database.execute_sql("PRAGMA cache_size").fetchone()[0]
        database.execute_sql("PRAGMA cache_size = -262144")
    try:
        with db.atomic():
            lookups = _lookups()
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
        _analyze(database)
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
                         ("tickets", Ticket)):
        summary[label] = writer.counts.get(model, 0)
    summary["categories"] = Category.select().count()
    summary["sources"] = Source.select().count()
    summary["departments"] = Department.select().count()
    summary["demo users"] = len(demo_users())
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
