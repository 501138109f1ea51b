"""`python -m services.ratings`: run the ratings service alone."""

from services.platform.serve import main

from . import SERVICE

main([SERVICE])
