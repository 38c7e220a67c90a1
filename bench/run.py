"""`make bench`: every benchmark, each printing its figures beside a baseline from the same run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = [
    "bench_calendar.py",
    "bench_sla_scan.py",
    "bench_sla_report.py",
    "bench_notifier.py",
    "bench_intake.py",
    "bench_categories.py",
    "bench_console.py",
    "bench_portal.py",
]

failed = []
for script in BENCHMARKS:
    print(f"\n== {script} ==", flush=True)
    if subprocess.run([sys.executable, str(HERE / script)]).returncode != 0:
        failed.append(script)
if failed:
    sys.exit(f"failed: {', '.join(failed)}")
