"""`python -m services.labour`: run the labour service alone."""

from services.platform.serve import main

from . import SERVICE

main([SERVICE])
