"""A process that opens a plain store with a key, so the crash test can kill it while the
store is being encrypted: `python -m tests.store.encrypt_child DB_PATH KEY_HEX`."""

from __future__ import annotations

import sys
from pathlib import Path

from impilo_desktop.store import DatabaseKey, Store


def main() -> None:
    path, key = Path(sys.argv[1]), DatabaseKey.from_text(sys.argv[2])
    print("opening", flush=True)
    # The copy checked (0.95): the parent may aim a kill at the last steps from here.
    with Store(path, key=key, progress=lambda done: print(done, flush=True)) as store:
        print(f"opened {len(store.list_drafts())}", flush=True)


if __name__ == "__main__":
    main()
