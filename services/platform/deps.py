"""Names a handler can ask Litestar to inject (see `create_app` for the providers)."""

from __future__ import annotations

from typing import TypeAlias

from litestar.di import NamedDependency

from .auth import Principal
from .bus import Bus
from .db import Pool
from .runtime import Runtime
from .settings import Settings

PoolDep: TypeAlias = NamedDependency[Pool]
BusDep: TypeAlias = NamedDependency[Bus]
SettingsDep: TypeAlias = NamedDependency[Settings]
RuntimeDep: TypeAlias = NamedDependency[Runtime]
PrincipalDep: TypeAlias = NamedDependency[Principal]
