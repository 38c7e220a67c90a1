"""`make chaos`: the fault run (run.py) and what it concludes (check.py)."""
