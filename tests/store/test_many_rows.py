"""Rows written by one INSERT per hundred rows (store/many_rows.py) are the rows
`executemany` wrote: all of them, in order, a later copy of an order replacing an earlier one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlcipher3 import dbapi2 as sqlite3

from impilo_desktop.api.models import Order
from impilo_desktop.store import Store
from impilo_desktop.store.many_rows import ROWS_PER_STATEMENT, insert_rows


def test_more_orders_than_one_statement_takes_are_all_cached(store: Store) -> None:
    count = ROWS_PER_STATEMENT * 2 + 7
    store.cache_orders(
        [Order.model_validate({"id": n, "currentStatus": "orderPlaced"}) for n in range(count)]
    )
    assert store.cached_order_ids() == list(reversed(range(count)))


def test_a_later_copy_of_an_order_in_the_same_write_replaces_the_earlier(store: Store) -> None:
    first = Order.model_validate({"id": 7, "currentStatus": "orderPlaced"})
    later = Order.model_validate({"id": 7, "currentStatus": "shipped"})
    store.cache_orders([first, later])
    cached = store.cached_order(7)
    assert cached is not None
    assert cached.current_status == "shipped"


@pytest.fixture
def attempts() -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE attempts (entry_id, at, outcome, detail)")
    yield conn
    conn.close()


INSERT = "INSERT INTO attempts (entry_id, at, outcome, detail)"


def test_a_row_short_of_values_is_refused_before_anything_is_written(
    attempts: sqlite3.Connection,
) -> None:
    # Bound as one list, the long row made up for the short one: (1, 10.0, 2) and
    # (20.0, 'order 2', 'extra') were written, with no error at all.
    rows = [(1, 10.0), (2, 20.0, "order 2", "extra")]
    with pytest.raises(ValueError, match=r"^row 0 has 2 values for the 3 placeholders of"):
        insert_rows(attempts, INSERT, "(?, ?, 'sent', ?)", rows)
    assert attempts.execute("SELECT count(*) FROM attempts").fetchone() == (0,)


def test_a_row_of_too_many_values_is_refused_by_its_number(attempts: sqlite3.Connection) -> None:
    rows = [(1, 10.0)] * (ROWS_PER_STATEMENT + 1) + [(2, 20.0, "")]
    with pytest.raises(ValueError, match=rf"^row {ROWS_PER_STATEMENT + 1} has 3 values for the 2"):
        insert_rows(attempts, INSERT, "(?, ?, 'sending', '')", rows)
    assert attempts.execute("SELECT count(*) FROM attempts").fetchone() == (0,)


def test_a_question_mark_inside_a_quoted_literal_is_no_placeholder(
    attempts: sqlite3.Connection,
) -> None:
    insert_rows(attempts, INSERT, "(?, ?, 'sent?', 'it''s ?')", [(1, 10.0), (2, 20.0)])
    assert attempts.execute("SELECT * FROM attempts").fetchall() == [
        (1, 10.0, "sent?", "it's ?"),
        (2, 20.0, "sent?", "it's ?"),
    ]
