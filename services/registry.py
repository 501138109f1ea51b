"""Every service this build serves when they all run in one process."""

from __future__ import annotations

from services.competitions import SERVICE as COMPETITIONS
from services.exports import SERVICE as EXPORTS
from services.labour import SERVICE as LABOUR
from services.occupations import SERVICE as OCCUPATIONS
from services.platform.runtime import Service
from services.ratings import SERVICE as RATINGS
from services.web import SERVICE as WEB

ALL: list[Service] = [OCCUPATIONS, RATINGS, COMPETITIONS, LABOUR, WEB, EXPORTS]
