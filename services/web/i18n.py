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
}


def text(lang: Lang, key: str) -> str:
    zh, en = TEXT.get(key, (key, key))
    return zh if lang == "zh" else en


def name_of(lang: Lang, name_zh: str, name_en: str | None) -> str:
    """The name to show first: Chinese on Chinese pages, English where there is one."""
    return name_en if lang == "en" and name_en else name_zh
