"""Previewing an order spreadsheet: a 1,000-row file against 100,000 cached patients.

Fills a real SQLite store (in a temporary directory) with 100,000 patients shaped like Impilo's
(the same records as `benchmarks.patient_cache_load`, written as the reference refresh writes
them) and the sandbox's catalog (items, kits) and 25 sites, writes a CSV of 1,000 order lines
(334 orders: patients by id and by MRN, sites, new patients; items by SKU and id, kits by id and
by name), and measures, per run:

- floor: the least any preview must do, with everything already in memory: read the file
  (`read_order_sheet`) and match its rows from dictionaries (`sheet_drafts` with a
  `CachedRecipients` of the 100,000 patients built beforehand, not timed);
- preview: `build_preview(data, name, store, None)`: the real thing from the store (patients
  looked up by what the rows name, the outbox checked for the refs), Impilo not asked.

Reports both (best and median), the ratio preview/floor (median of the per-run ratios: the
absolute times move with the machine, the ratio much less), and the longest stretch the
asyncio loop was held during the preview (a ticker task in the same loop): how long the
service loop that also sends orders, and the window's other calls, wait at most.

Run (from the project root):
    .venv/bin/python -m benchmarks.sheet_preview [--patients 100000] [--rows 1000] [--repeat 5]
        [--xlsx]
Prints a Markdown section for docs/performance.md ("Previewing an order spreadsheet").
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import gc
import io
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlcipher3 import dbapi2 as store_sqlite  # the SQLite the store runs on (SQLCipher's)

from benchmarks.patient_cache_load import fill
from impilo_desktop.api.models import Item, Kit
from impilo_desktop.domain.order_sheet.drafts import sheet_drafts
from impilo_desktop.domain.order_sheet.lookups import CachedRecipients, SheetCatalog
from impilo_desktop.domain.order_sheet.sheet import COLUMNS
from impilo_desktop.domain.order_sheet.xlsx import read_order_sheet
from impilo_desktop.sandbox.seed import SeedData, SeedSize
from impilo_desktop.store import ReferenceKind, Store
from impilo_desktop.sync.order_import import build_preview

LINES = 3  # rows per order


def fill_catalog(store: Store, seed: SeedData) -> tuple[list[Item], list[Kit]]:
    items = [Item.model_validate(item.detailed) for item in seed.items.values() if item.orderable]
    kits = [Kit.model_validate(kit.wire) for kit in seed.kits.values() if not kit.archived]
    store.store_reference_page(ReferenceKind.ITEM, items)
    store.store_reference_page(ReferenceKind.KIT, kits)
    return items, kits


def order_file(rows: int, patients: int, items: list[Item], kits: list[Kit]) -> bytes:
    """`rows` order lines, `LINES` per order, every way of naming a recipient and a line."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for r in range(rows):
        n, line = divmod(r, LINES)
        cells = {"order_ref": f"BENCH-{n:05d}", "count": str(1 + r % 3)}
        if line == 0:
            patient = 1 + (n * 7919) % patients
            if patient % 97 == 0:  # fill() archives these; they cannot receive orders
                patient += 1
            way = n % 4
            if way == 0:
                cells["patient_id"] = str(patient)
            elif way == 1:
                cells["patient_external_id"] = f"MRN-{100000 + patient * 7}"  # fill()'s MRNs
            elif way == 2:
                cells["site_id"] = str(1 + n % 25)
            else:
                cells.update(
                    first_name="Bench",
                    last_name=f"Patient{n}",
                    date_of_birth="1958-02-11",
                    address_line_one=f"{n} Main St",
                    city="Albany",
                    state="NY",
                    zip="12207",
                )
        kind = (n + line) % 4
        if kind < 2:
            item = items[(n * LINES + line) % len(items)]
            cells["sku" if kind == 0 else "item_id"] = str(item.sku if kind == 0 else item.id)
        else:
            kit = kits[(n * LINES + line) % len(kits)]
            cells["kit_id" if kind == 2 else "kit_name"] = str(kit.id if kind == 2 else kit.name)
        writer.writerow([cells.get(column, "") for column in COLUMNS])
    return out.getvalue().encode("utf-8")


def as_workbook(csv_data: bytes) -> bytes:
    """The CSV's table as an Excel workbook, numbers as numbers (as an EHR export writes)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for record in csv.reader(io.StringIO(csv_data.decode("utf-8"))):
        sheet.append([int(cell) if cell.isdigit() else (cell or None) for cell in record])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def held(step: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    """(seconds, longest seconds the loop was held) for one run of `step`."""
    gaps: list[float] = []
    running = True

    async def ticker() -> None:
        last = time.perf_counter()
        while running:
            await asyncio.sleep(0)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    tick = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    started = time.perf_counter()
    await step()
    total = time.perf_counter() - started
    running = False
    await tick
    return total, max(gaps, default=total)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--xlsx", action="store_true", help="the file as an Excel workbook")
    args = parser.parse_args()
    seed = SeedData(SeedSize(patients=10, orders=0))  # the catalog only
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "impilo.sqlite3")
        fill(store, args.patients)
        items, kits = fill_catalog(store, seed)
        # Loaner kits have rules of their own (one per order, never to a site): left out.
        shipped = [kit for kit in kits if not (kit.name or "").startswith("Loaner")]
        data = order_file(args.rows, args.patients, items, shipped)
        if args.xlsx:
            data = as_workbook(data)
        # The floor's lookups, built outside the timing (build_preview never loads them all).
        catalog = SheetCatalog.of(items, kits)
        recipients = CachedRecipients.of(store.cached_patients(), store.cached_sites())
        # The floor's 100,000 patient objects stay alive for the whole run; the app never holds
        # them. Left to the collector, its full passes over them (up to a second) landed in
        # the timings of either side by chance. Frozen, the collector skips them.
        gc.freeze()

        name = "bench.xlsx" if args.xlsx else "bench.csv"

        def floor() -> int:
            return len(sheet_drafts(read_order_sheet(data), catalog, recipients))

        async def preview() -> object:
            return await build_preview(data, name, store, None)

        async def measure() -> tuple[list[float], list[float], list[float]]:
            first = await build_preview(data, name, store, None)  # warm-up
            assert len(first.orders) == -(-args.rows // LINES), len(first.orders)
            assert not first.problem_orders, [o.problems for o in first.problem_orders][:3]
            floors, previews, longest = [], [], []
            for _ in range(args.repeat):
                started = time.perf_counter()
                assert floor() == len(first.orders)
                floors.append(time.perf_counter() - started)
                total, gap = await held(preview)
                previews.append(total)
                longest.append(gap)
            return floors, previews, longest

        floors, previews, longest = asyncio.run(measure())
        store.close()
    ratios = [p / f for p, f in zip(previews, floors, strict=True)]
    command = "python -m benchmarks.sheet_preview " + " ".join(sys.argv[1:])
    print("## Previewing an order spreadsheet\n")
    print(f"Command: `{command.strip()}`\n")
    print(
        f"Python {platform.python_version()}, SQLite {store_sqlite.sqlite_version} (SQLCipher), "
        f"{args.patients:,} cached patients, {args.rows:,} rows of "
        f"{'XLSX' if args.xlsx else 'CSV'}, {args.repeat} runs\n"
    )
    print("| what | best s | median s |")
    print("|---|---:|---:|")
    print(f"| floor: read the file + match from dictionaries | {min(floors):.3f} | "
          f"{statistics.median(floors):.3f} |")  # fmt: skip
    print(f"| `build_preview` from the store (Impilo not asked) | {min(previews):.3f} | "
          f"{statistics.median(previews):.3f} |")  # fmt: skip
    print(
        f"\nRatio preview/floor, median of the per-run ratios: "
        f"**{statistics.median(ratios):.1f}x** (runs: {', '.join(f'{r:.2f}' for r in ratios)})."
    )
    print(
        f"Longest the loop was held during a preview: {min(longest) * 1000:.1f} ms best, "
        f"{statistics.median(longest) * 1000:.1f} ms median, {max(longest) * 1000:.1f} ms worst."
    )


if __name__ == "__main__":
    main()
