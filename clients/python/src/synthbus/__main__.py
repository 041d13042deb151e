"""`python -m synthbus ...`: the console script, for environments without it on PATH."""
from .cli import main

main()
