"""`python -m services`: every service in one process (what `make run` does)."""

from services.platform.serve import main
from services.registry import ALL

main(ALL)
