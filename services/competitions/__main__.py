"""`python -m services.competitions`: run the competitions service alone."""

from services.platform.serve import main

from . import SERVICE

main([SERVICE])
