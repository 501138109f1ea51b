"""`make bench`: the core benchmark, then every other `bench/<name>.py` that has a `cli()`.

Each benchmark prints its own figures as ratios to raw ceilings measured in the same run
(these machines are noisy, so absolute numbers from different runs do not compare).
"""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOT_BENCHMARKS = {"__main__", "report", "servers"}


def benchmarks() -> list[str]:
    names = [m.name for m in pkgutil.iter_modules([str(HERE)]) if m.name not in NOT_BENCHMARKS]
    return ["core", *sorted(n for n in names if n != "core")]


def main() -> int:
    # `python -m bench reads --seconds 3`: names pick benchmarks, options go to each of them.
    first_option = next((i for i, a in enumerate(sys.argv[1:]) if a.startswith("-")), None)
    names = sys.argv[1:] if first_option is None else sys.argv[1 : first_option + 1]
    options = [] if first_option is None else sys.argv[first_option + 1 :]
    only = set(names)
    failed: list[str] = []
    for name in benchmarks():
        if only and name not in only:
            continue
        module = importlib.import_module(f"bench.{name}")
        if not hasattr(module, "cli"):
            continue
        print(f"\n=== bench.{name} ===", flush=True)
        # One process per benchmark, so one's servers and memory do not colour the next.
        command = [sys.executable, "-m", f"bench.{name}", *options]
        if subprocess.run(command, cwd=HERE.parent).returncode:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
