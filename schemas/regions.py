"""Regions: the country and its provincial-level divisions by GB/T 2260 code.

One table every context shares: labour-market publications name their region by it, evaluation
bodies their province, and national contests their province teams (as member codes `CN-XX`,
ISO 3166-2:CN). The 31 mainland provincial-level divisions only: they are what the provincial
human-resources departments under the ministry cover.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

NATIONAL = "national"


class Province(msgspec.Struct, frozen=True, kw_only=True):
    code: str  # GB/T 2260, six digits ending in 0000
    iso: str  # ISO 3166-2:CN, the member code of a province team
    name_zh: str
    name_en: str


def _province(code: str, iso: str, name_zh: str, name_en: str) -> Province:
    return Province(code=code, iso=f"CN-{iso}", name_zh=name_zh, name_en=name_en)


PROVINCES: tuple[Province, ...] = (
    _province("110000", "BJ", "北京市", "Beijing"),
    _province("120000", "TJ", "天津市", "Tianjin"),
    _province("130000", "HE", "河北省", "Hebei"),
    _province("140000", "SX", "山西省", "Shanxi"),
    _province("150000", "NM", "内蒙古自治区", "Inner Mongolia"),
    _province("210000", "LN", "辽宁省", "Liaoning"),
    _province("220000", "JL", "吉林省", "Jilin"),
    _province("230000", "HL", "黑龙江省", "Heilongjiang"),
    _province("310000", "SH", "上海市", "Shanghai"),
    _province("320000", "JS", "江苏省", "Jiangsu"),
    _province("330000", "ZJ", "浙江省", "Zhejiang"),
    _province("340000", "AH", "安徽省", "Anhui"),
    _province("350000", "FJ", "福建省", "Fujian"),
    _province("360000", "JX", "江西省", "Jiangxi"),
    _province("370000", "SD", "山东省", "Shandong"),
    _province("410000", "HA", "河南省", "Henan"),
    _province("420000", "HB", "湖北省", "Hubei"),
    _province("430000", "HN", "湖南省", "Hunan"),
    _province("440000", "GD", "广东省", "Guangdong"),
    _province("450000", "GX", "广西壮族自治区", "Guangxi"),
    _province("460000", "HI", "海南省", "Hainan"),
    _province("500000", "CQ", "重庆市", "Chongqing"),
    _province("510000", "SC", "四川省", "Sichuan"),
    _province("520000", "GZ", "贵州省", "Guizhou"),
    _province("530000", "YN", "云南省", "Yunnan"),
    _province("540000", "XZ", "西藏自治区", "Xizang (Tibet)"),
    _province("610000", "SN", "陕西省", "Shaanxi"),
    _province("620000", "GS", "甘肃省", "Gansu"),
    _province("630000", "QH", "青海省", "Qinghai"),
    _province("640000", "NX", "宁夏回族自治区", "Ningxia"),
    _province("650000", "XJ", "新疆维吾尔自治区", "Xinjiang"),
)
BY_CODE: dict[str, Province] = {p.code: p for p in PROVINCES}
BY_ISO: dict[str, Province] = {p.iso: p for p in PROVINCES}

ProvinceCode = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^(1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5])0000$",
        description="GB/T 2260 code of a provincial-level division, e.g. `440000` (Guangdong).",
        examples=["440000"],
    ),
]
# `national`, or a province by its GB/T 2260 code.
Region = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^(national|(1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5])0000)$",
        description="`national`, or a province by its GB/T 2260 code (`440000`).",
        examples=["national", "440000"],
    ),
]
RegionKind = Literal["national", "province"]


def region_names(region: str | None) -> tuple[str, str]:
    """(zh, en) for `national`, a province code, or None (no province recorded)."""
    if region == NATIONAL:
        return "全国", "National"
    province = BY_CODE.get(region or "")
    if province is None:
        return "未归属省份", "No province"
    return province.name_zh, province.name_en
