"""`python -m services.occupations`: run the occupations service alone."""

from services.platform.serve import main

from . import SERVICE

main([SERVICE])
