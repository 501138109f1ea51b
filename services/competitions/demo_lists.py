"""The lists the demo competitions are built from: WorldSkills' skills of Lyon 2024 with their
sectors and Chinese names, the 66 members, and the honours published for earlier editions.

Sources are named in `worldskills-facts.md` (shared reference data) and in each competition's
note; what is not there is labelled invented where it is used.
"""

from __future__ import annotations

from typing import NamedTuple

from schemas.competitions import Medal

SECTORS = {
    "CON": "construction_building_technology",
    "ART": "creative_arts_fashion",
    "ICT": "information_communication_technology",
    "MFG": "manufacturing_engineering_technology",
    "SOC": "social_personal_services",
    "TRN": "transportation_logistics",
}


class DemoSkill(NamedTuple):
    number: str
    name_en: str
    name_zh: str
    sector: str  # a key of SECTORS
    team_size: int = 1


# The 59 skill competitions of Lyon 2024 (six new: Additive Manufacturing, Digital
# Construction, Industrial Design Technology, Photonics, Renewable Energy, Robot Systems
# Integration). Numbers 59-64 are assigned for the demo.
SKILLS = [
    DemoSkill("02", "Information Network Cabling", "信息网络布线", "ICT"),
    DemoSkill("03", "Plastic Die Engineering", "塑料模具工程", "MFG"),
    DemoSkill("04", "Mechatronics", "机电一体化", "MFG", 2),
    DemoSkill("05", "Mechanical Engineering CAD", "机械工程设计", "MFG"),
    DemoSkill("06", "CNC Turning", "数控车", "MFG"),
    DemoSkill("07", "CNC Milling", "数控铣", "MFG"),
    DemoSkill("08", "Mobile Applications Development", "移动应用开发", "ICT"),
    DemoSkill("09", "IT Software Solutions for Business", "商务软件解决方案", "ICT"),
    DemoSkill("10", "Welding", "焊接", "MFG"),
    DemoSkill("11", "Print Media Technology", "印刷媒体技术", "ICT"),
    DemoSkill("12", "Wall and Floor Tiling", "瓷砖贴面", "CON"),
    DemoSkill("13", "Autobody Repair", "车身修理", "TRN"),
    DemoSkill("14", "Aircraft Maintenance", "飞机维修", "TRN"),
    DemoSkill("15", "Plumbing and Heating", "管道与制暖", "CON"),
    DemoSkill("16", "Electronics", "电子技术", "MFG"),
    DemoSkill("17", "Web Technologies", "网站技术", "ICT"),
    DemoSkill("18", "Electrical Installations", "电气装置", "CON"),
    DemoSkill("19", "Industrial Control", "工业控制", "MFG"),
    DemoSkill("20", "Bricklaying", "砌筑", "CON"),
    DemoSkill("21", "Plastering and Drywall Systems", "抹灰与隔墙系统", "CON"),
    DemoSkill("22", "Painting and Decorating", "油漆与装饰", "CON"),
    DemoSkill("23", "Mobile Robotics", "移动机器人", "MFG", 2),
    DemoSkill("24", "Cabinetmaking", "家具制作", "CON"),
    DemoSkill("25", "Joinery", "精细木工", "CON"),
    DemoSkill("26", "Carpentry", "木工", "CON"),
    DemoSkill("27", "Jewellery", "珠宝加工", "ART"),
    DemoSkill("28", "Floristry", "花艺", "ART"),
    DemoSkill("29", "Hairdressing", "美发", "SOC"),
    DemoSkill("30", "Beauty Therapy", "美容", "SOC"),
    DemoSkill("31", "Fashion Technology", "时装技术", "ART"),
    DemoSkill("32", "Pâtisserie and Confectionery", "糖艺/西点制作", "SOC"),
    DemoSkill("33", "Automobile Technology", "汽车技术", "TRN"),
    DemoSkill("34", "Cooking", "烹饪（西餐）", "SOC"),
    DemoSkill("35", "Restaurant Service", "餐厅服务", "SOC"),
    DemoSkill("36", "Car Painting", "汽车喷漆", "TRN"),
    DemoSkill("37", "Landscape Gardening", "园艺", "CON", 2),
    DemoSkill("38", "Refrigeration and Air Conditioning", "制冷与空调", "CON"),
    DemoSkill("39", "IT Network Systems Administration", "网络系统管理", "ICT"),
    DemoSkill("40", "Graphic Design Technology", "平面设计技术", "ART"),
    DemoSkill("41", "Health and Social Care", "健康和社会照护", "SOC"),
    DemoSkill("44", "Visual Merchandising", "商品展示技术", "ART"),
    DemoSkill("45", "Prototype Modelling", "原型制作", "MFG"),
    DemoSkill("46", "Concrete Construction Work", "混凝土建筑", "CON", 2),
    DemoSkill("47", "Bakery", "烘焙", "SOC"),
    DemoSkill("48", "Industrial Mechanics", "工业机械", "MFG"),
    DemoSkill("49", "Heavy Vehicle Technology", "重型车辆维修", "TRN"),
    DemoSkill("50", "3D Digital Game Art", "3D数字游戏艺术", "ART"),
    DemoSkill("52", "Chemical Laboratory Technology", "化学实验室技术", "MFG"),
    DemoSkill("53", "Cloud Computing", "云计算", "ICT"),
    DemoSkill("54", "Cyber Security", "网络安全", "ICT", 2),
    DemoSkill("55", "Water Technology", "水处理技术", "MFG", 2),
    DemoSkill("57", "Hotel Reception", "酒店接待", "SOC"),
    DemoSkill("58", "Digital Construction", "数字建造", "CON"),
    DemoSkill("59", "Industry 4.0", "工业4.0", "MFG", 2),
    DemoSkill("60", "Additive Manufacturing", "增材制造", "MFG"),
    DemoSkill("61", "Robot Systems Integration", "机器人系统集成", "MFG", 2),
    DemoSkill("62", "Renewable Energy", "可再生能源", "MFG", 2),
    DemoSkill("63", "Photonics", "光电技术", "MFG"),
    DemoSkill("64", "Industrial Design Technology", "工业设计技术", "ART"),
]
BY_NAME = {s.name_en: s for s in SKILLS}

# 66 members took part (the figure is WorldSkills'; which 63 besides China, Switzerland and
# France is assumed for the demo). Names come from CLDR and WorldSkills' conventions.
MEMBERS = [
    "CN",
    "CH",
    "FR",
    "KR",
    "JP",
    "TW",
    "DE",
    "AT",
    "BR",
    "AU",
    "CA",
    "GB",
    "US",
    "IN",
    "ID",
    "MY",
    "SG",
    "TH",
    "VN",
    "PH",
    "HK",
    "MO",
    "IR",
    "AE",
    "SA",
    "OM",
    "QA",
    "KW",
    "BH",
    "KZ",
    "UZ",
    "MN",
    "NL",
    "BE",
    "LU",
    "IT",
    "ES",
    "PT",
    "IE",
    "DK",
    "SE",
    "NO",
    "FI",
    "EE",
    "LV",
    "LT",
    "PL",
    "CZ",
    "SK",
    "HU",
    "SI",
    "HR",
    "EG",
    "MA",
    "TN",
    "ZA",
    "NA",
    "CO",
    "CR",
    "MX",
    "AR",
    "CL",
    "PE",
    "NZ",
    "LK",
    "BD",
]

# China's medal in each skill at Lyon 2024. The totals (36/9/4/8 in 57 of 59 skills) and the
# golds in CNC Milling, Bricklaying, Fashion Technology, Autobody Repair, Electrical
# Installations, Electronics, Mobile Robotics and Industry 4.0 are published; which other skill
# earned which medal is invented.
CHINA_NONE = {"14", "44"}
CHINA_EXCELLENCE = {"28", "30", "35", "57", "21", "24", "49", "08"}
CHINA_BRONZE = {"29", "32", "38", "11"}
CHINA_SILVER = {"34", "41", "25", "15", "55", "36", "47", "27", "12"}

# Switzerland: 45 competitors in 41 skills, 7 gold, 7 silver, 1 bronze (published); in which
# skills is invented. Its four team entries make 41 entries 45 competitors.
SWISS_GOLD = {"34", "41", "25", "15", "12", "21", "24"}
SWISS_SILVER = {"05", "06", "10", "19", "22", "26", "48"}
SWISS_BRONZE = {"03"}
SWISS_OTHER = [
    "04",
    "37",
    "46",
    "59",
    "02",
    "07",
    "09",
    "16",
    "17",
    "18",
    "20",
    "27",
    "28",
    "29",
    "30",
    "31",
    "32",
    "33",
    "35",
    "36",
    "38",
    "40",
    "45",
    "47",
    "50",
    "53",
]

# Gold in the skills neither China nor Switzerland won (invented; Korea second, as placed here).
OTHER_GOLD = {
    "55": "KR", "36": "KR", "29": "KR", "38": "KR", "11": "KR", "08": "KR", "14": "KR",
    "49": "KR", "27": "JP", "32": "JP", "57": "JP", "28": "TW", "44": "TW", "47": "FR",
    "30": "FR", "35": "AT",
}  # fmt: skip

# The Albert Vidal Award: the highest mark of all skills (published: China, Industry 4.0).
ALBERT_VIDAL = ("59", "CN", ["Junwei Lu", "Huixuan Xie"])


class Honour(NamedTuple):
    """A published honour of an earlier edition (no mark published with it)."""

    competition: str
    skill: str  # English name, as in SKILLS
    member: str
    medal: Medal
    competitors: tuple[str, ...] = ()  # names where published


# Earlier editions (China's streaks and record, worldskills-facts.md): only these honours.
EDITIONS = [
    # code, edition, city, country, starts, ends, name_zh
    ("WSC2011", 41, "London", "GB", "2011-10-05", "2011-10-08", "第41届世界技能大赛（伦敦）"),
    ("WSC2013", 42, "Leipzig", "DE", "2013-07-02", "2013-07-07", "第42届世界技能大赛（莱比锡）"),
    ("WSC2015", 43, "São Paulo", "BR", "2015-08-11", "2015-08-16", "第43届世界技能大赛（圣保罗）"),
    (
        "WSC2017",
        44,
        "Abu Dhabi",
        "AE",
        "2017-10-14",
        "2017-10-19",
        "第44届世界技能大赛（阿布扎比）",
    ),
    ("WSC2019", 45, "Kazan", "RU", "2019-08-22", "2019-08-27", "第45届世界技能大赛（喀山）"),
    ("WSC2022SE", 46, None, None, "2022-09-07", "2022-11-26", "2022年世界技能大赛特别赛"),
]
HONOURS = [
    *(Honour(c, "CNC Milling", "CN", "GOLD") for c in ("WSC2015", "WSC2017", "WSC2019")),
    Honour("WSC2022SE", "CNC Milling", "CN", "GOLD"),
    *(
        Honour(c, skill, "CN", "GOLD")
        for c in ("WSC2017", "WSC2019", "WSC2022SE")
        for skill in ("Bricklaying", "Fashion Technology")
    ),
    *(
        Honour(c, skill, "CN", "GOLD")
        for c in ("WSC2019", "WSC2022SE")
        for skill in (
            "Autobody Repair",
            "Electrical Installations",
            "Electronics",
            "Mobile Robotics",
        )
    ),
    Honour("WSC2017", "Welding", "CN", "GOLD", ("Ning Xianhai",)),
]
