import json
import os
import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Result:
    name: str
    database: str
    seconds: float
    floor_seconds: float
    max_ratio: float
    max_seconds: float | None = None
    note: str = ""
    unit: str = "s"  # what `seconds` and `floor_seconds` measure ("MB" for a memory benchmark)
    failures: int = 0  # things that must not happen (errors, lost writes): any one fails the benchmark

    @property
    def ratio(self) -> float:
        return self.seconds / self.floor_seconds if self.floor_seconds else float("inf")

    @property
    def ok(self) -> bool:
        return (
            self.failures == 0
            and self.ratio <= self.max_ratio
            and (self.max_seconds is None or self.seconds <= self.max_seconds)
        )


def scale() -> float:
    """BENCH_SCALE: the province's size (1.0 = 100 bureaus, 500,000 households, 5,000,000 visits)."""
    return float(os.environ.get("BENCH_SCALE", "1.0"))


def best_of(function, repeat: int = 3) -> float:
    """The fastest of `repeat` runs: the least disturbed by the rest of the machine."""
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return min(timings)


def report(results: list[Result]) -> bool:
    RESULTS.mkdir(exist_ok=True)
    header = f"{'benchmark':<34} {'db':<10} {'time':>9} {'floor':>9} {'ratio':>7} {'target':>16}  ok"
    lines = [header, "-" * len(header)]
    for r in results:
        target = f"≤{r.max_ratio:g}×" + (f", ≤{r.max_seconds:g}s" if r.max_seconds else "")
        lines.append(
            f"{r.name:<34} {r.database:<10} {r.seconds:>8.3f}{r.unit:<2}{r.floor_seconds:>8.3f}{r.unit:<2}{r.ratio:>6.2f}× "
            f"{target:>16}  {'yes' if r.ok else 'NO'}"
        )
    text = "\n".join(lines)
    print(text)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    database = results[0].database if results else "none"
    (RESULTS / f"{stamp}-{database}.txt").write_text(text + "\n", encoding="utf-8")
    (RESULTS / f"{stamp}-{database}.json").write_text(
        json.dumps(
            {
                "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
                "results": [asdict(r) | {"ratio": r.ratio, "ok": r.ok} for r in results],
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    return all(r.ok for r in results)
