"""The two page languages: Chinese first (the public's), English for everyone else."""

from __future__ import annotations

from typing import Literal

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

# key -> (zh, en)
TEXT: dict[str, tuple[str, str]] = {
    "site": ("职业技能登记簿", "Skills registry"),
    "tagline": (
        "职业分类、职业技能等级与技能竞赛成绩的公开查询",
        "Public records of occupations, skill ratings and competition results",
    ),
    "home": ("首页", "Home"),
    "occupations": ("职业分类", "Occupations"),
    "releases": ("发布批次", "Releases"),
    "verify": ("证书查询", "Verify a certificate"),
    "competitions": ("技能竞赛", "Competitions"),
    "open_data": ("开放数据", "Open data"),
    "api": ("接口文档", "API"),
    "search": ("搜索", "Search"),
    "search_hint": (
        "职业名称、别名或编码，例如 计算机程序设计员 或 4-04",
        "Name, alias or code, e.g. programmer or 4-04",
    ),
    "level": ("层级", "Level"),
    "all_levels": ("全部层级", "All levels"),
    "level_1": ("大类", "Major group"),
    "level_2": ("中类", "Medium group"),
    "level_3": ("小类", "Minor group"),
    "level_4": ("职业", "Occupation"),
    "tag": ("标识", "Tag"),
    "all_tags": ("全部", "All"),
    "digital": ("数字职业", "Digital"),
    "green": ("绿色职业", "Green"),
    "code": ("编码", "Code"),
    "name": ("名称", "Name"),
    "status": ("状态", "Status"),
    "active": ("有效", "Active"),
    "retired": ("已撤销", "Retired"),
    "next_page": ("下一页", "Next page"),
    "no_results": ("没有找到结果。", "Nothing found."),
    "definition": ("定义", "Definition"),
    "tasks": ("主要工作任务", "Main tasks"),
    "aliases": ("别名", "Aliases"),
    "work_types": ("工种", "Work types"),
    "parents": ("所属类别", "Part of"),
    "children": ("下属类别", "Contains"),
    "history": ("发布历史", "Release history"),
    "introduced_in": ("首次发布", "Introduced in"),
    "updated_in": ("最近更新", "Last changed in"),
    "release": ("批次", "Release"),
    "published_on": ("发布日期", "Published on"),
    "kind": ("类型", "Kind"),
    "items": ("条目", "Items"),
    "change": ("变更", "Change"),
    "stats_title": ("分类概况", "The classification at a glance"),
    "stats_note": (
        "2022 版基线数据来自社区整理版本，职业数少于官方公布的 1639 个。",
        "The 2022 baseline comes from a community compilation that lists fewer occupations "
        "than the official 1,639.",
    ),
    "loaded": ("已收录职业", "Occupations loaded"),
    "official": ("官方公布", "Official figure"),
    "not_available": ("此功能尚未开通。", "This part of the registry is not available yet."),
    "language": ("English", "中文"),
    "not_found": ("没有这条记录。", "No such record."),
    "bad_input": ("输入有误", "Check your input"),
    "downloads": ("下载", "Downloads"),
    "export_latest": ("最新导出", "Latest export"),
    "export_none": ("尚无数据导出。", "No export has been made yet."),
    "file": ("文件", "File"),
    "rows": ("行数", "Rows"),
    "exported_at": ("导出时间", "Exported at"),
    "certificate_number": ("证书编号", "Certificate number"),
    "holder_name": ("持证人姓名（选填）", "Holder's name (optional)"),
    "verify_hint": (
        "输入证书编号查询；填写姓名可核对持证人。结果中姓名已脱敏。",
        "Enter the certificate number; add the holder's name to check it. Names are masked.",
    ),
    "valid": ("有效", "Valid"),
    "revoked": ("已撤销", "Revoked"),
    "not_found_certificate": ("未找到该证书。", "No certificate with this number (and name)."),
    "holder": ("持证人", "Holder"),
    "rating_level": ("等级", "Level"),
    "issued_on": ("发证日期", "Issued on"),
    "issuing_body": ("评价机构", "Issuing body"),
    "revoked_on": ("撤销日期", "Revoked on"),
    "reason": ("原因", "Reason"),
    "medal_table": ("奖牌榜", "Medal table"),
    "rank_by": ("排序", "Rank by"),
    "rank_gold": ("金牌优先", "Gold first"),
    "rank_total": ("奖牌总数", "Total medals"),
    "rank_points": ("奖牌积分", "Medal points"),
    "rank_score_total": ("总分", "Total score"),
    "rank_score_avg": ("平均分", "Average score"),
    "rank_points_per_skill": ("每项目积分", "Points per skill"),
    "rank": ("名次", "Rank"),
    "member": ("参赛方", "Member"),
    "gold": ("金牌", "Gold"),
    "silver": ("银牌", "Silver"),
    "bronze": ("铜牌", "Bronze"),
    "excellence": ("优胜奖", "Excellence"),
    "total": ("合计", "Total"),
    "points": ("积分", "Points"),
    "skills_entered": ("参赛项目", "Skills entered"),
    "score_total": ("总分", "Total score"),
    "score_avg": ("平均分", "Average score"),
    "sector": ("领域", "Sector"),
    "all_sectors": ("全部领域", "All sectors"),
    "awards": ("特别奖项", "Awards"),
    "albert_vidal": ("阿尔伯特·维达尔奖", "Albert Vidal Award"),
    "skill": ("项目", "Skill"),
    "skills": ("比赛项目", "Skills"),
    "mark": ("成绩", "Mark"),
    "competitors": ("选手", "Competitors"),
    "member_history": ("参赛方历史", "Member history"),
    "medals_per_competition": ("各届奖牌", "Medals per competition"),
    "competition": ("赛事", "Competition"),
    "dates": ("日期", "Dates"),
    "host": ("举办地", "Host"),
    "entries": ("参赛数", "Entries"),
    "skill_history": ("项目历史", "Skill history"),
    "skill_hint": ("项目编号或名称，例如 07 或 CNC", "Skill number or name, e.g. 07 or CNC"),
    "winners": ("金牌得主", "Gold winners"),
    "streaks": ("连冠", "Gold streaks"),
    "golds_in_row": ("连续金牌", "Golds in a row"),
    "from_to": ("起止", "From – to"),
    "competitor": ("选手", "Competitor"),
    "position": ("名次", "Position"),
    "medal": ("奖牌", "Medal"),
    "medal_GOLD": ("金牌", "Gold"),
    "medal_SILVER": ("银牌", "Silver"),
    "medal_BRONZE": ("铜牌", "Bronze"),
    "medal_EXCELLENCE": ("优胜奖", "Excellence"),
    "medal_NONE": ("—", "—"),
    "best_of_nation": ("国家最佳", "Best of Nation"),
    "since": ("起始年份", "From year"),
    "until": ("截止年份", "To year"),
    "period": ("按年份筛选", "Show period"),
}


def text(lang: Lang, key: str) -> str:
    zh, en = TEXT.get(key, (key, key))
    return zh if lang == "zh" else en


def name_of(lang: Lang, name_zh: str, name_en: str | None) -> str:
    """The name to show first: Chinese on Chinese pages, English where there is one."""
    return name_en if lang == "en" and name_en else name_zh


# The labour-market pages keep their texts in their own table.
from .labour_text import LABOUR_TEXT  # noqa: E402

TEXT.update(LABOUR_TEXT)
