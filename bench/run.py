"""Run every benchmark (bench/bench_*.py) and print one table.

    python bench/run.py              # all of them
    python bench/run.py member_list  # only those whose name contains a word

Each module defines ``run() -> list[dict]`` with the keys of
``common.COLUMNS``. Django runs on its own database: ``DATABASE_URL`` if set,
else a fresh ``var/bench.sqlite3`` migrated once for the whole run.
"""

import importlib
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import common  # noqa: E402


def discover(words: list[str]) -> list[str]:
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if words:
        names = [n for n in names if any(w in n for w in words)]
    return names


def main(argv: list[str]) -> int:
    names = discover(argv)
    if not names:
        print("No benchmark matches.", file=sys.stderr)
        return 2
    common.setup_django()
    rows, failed = [], 0
    for name in names:
        start = time.perf_counter()
        print(f"… {name}", file=sys.stderr, flush=True)
        try:
            rows += importlib.import_module(name).run()
        except Exception as exc:  # one broken benchmark must not hide the others
            failed += 1
            traceback.print_exc()
            rows.append({"scenario": f"{name}: FAILED", "detail": repr(exc)})
        print(f"  {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    print(common.format_table(rows))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
