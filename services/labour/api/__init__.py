"""HTTP for the labour context: publishing (ministry, provinces) and public reads."""

from __future__ import annotations

from .catalogues import CatalogueController
from .packages import PackageController
from .pay import PayController
from .publications import PublicationController
from .statistics import StatisticsController

CONTROLLERS = [
    PublicationController,
    CatalogueController,
    PayController,
    PackageController,
    StatisticsController,
]
