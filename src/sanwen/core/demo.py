"""What every app's demo step shares: the context passed along and the invented names. The steps run
in order from sanwen.desk.demo; the same arguments give the same database."""

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass, field

DEMO_PASSWORD = "sanwen2026"  # noqa: S105 - printed for the demo logins; a real install sets its own
DEMO_SEED = 20250701

SURNAMES = (
    "李王张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏"
    "付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易乔赖文"
)
GIVEN = (
    "建国华军明伟芳秀英丽强磊洋勇艳杰娟涛超霞平刚桂兰红玉梅志文斌辉鹏飞宇海燕春林金凤云龙德福荣昌盛贵发财"
    "新民永光成祥庆宏玲婷静敏瑞凯峰波琴萍松柏晓东立忠诚翠莲雪琳慧海生学良家宝秋菊冬梅振兴国庆水清山"
)
RESERVED_NAMES = {"钟林"}  # the real bureau chief named in the report: never invented


@dataclass
class DemoContext:
    start: datetime.date
    end: datetime.date
    rng: random.Random
    say: Callable[[str], None]
    progress: Callable[[str, int, int], None]
    data: dict = field(default_factory=dict)
    used_names: set = field(default_factory=set)

    def person_name(self) -> str:
        while True:
            given = "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2, 2, 2))))
            name = self.rng.choice(SURNAMES) + given
            if name not in self.used_names and name not in RESERVED_NAMES:
                self.used_names.add(name)
                return name


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Eight months up to today, starting on the first of a month."""
    month = today.month - 8
    year = today.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return datetime.date(year, month, 1), today
