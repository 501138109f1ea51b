"""`python -m services.event_contracts` (`make contracts`): write `schemas/contracts/`.

The documents come from `schemas/export.py`; which durable consumers receive each event is
read here, from the services this build holds, so `schemas/` never imports `services/`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from schemas.export import CONTRACTS_DIR, write
from services.registry import ALL


def service_receivers() -> dict[str, list[tuple[str, str]]]:
    """Which durable consumers read each event type, as the services declare them."""
    found: dict[str, list[tuple[str, str]]] = {}
    for service in ALL:
        for spec in service.consumers:
            for event_type in spec.routes:
                found.setdefault(event_type, []).append((service.name, spec.name))
    return {t: sorted(r) for t, r in sorted(found.items())}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=CONTRACTS_DIR, help="output directory")
    args = parser.parse_args(argv)
    written = write(args.out, service_receivers())
    print(f"wrote {len(written)} files to {args.out}")


if __name__ == "__main__":
    main()
