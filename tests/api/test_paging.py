"""When a list has ended: the one decision `api/paging.py` makes for every walk."""

from __future__ import annotations

import logging

import pytest

from impilo_desktop.api.models import Page, Site
from impilo_desktop.api.paging import PageCursor, PageStop


def page(ids: list[int], **envelope: object) -> Page[Site]:
    return Page[Site].model_validate({"content": [{"id": i} for i in ids], **envelope})


def test_page_numbers_may_be_null_or_missing() -> None:
    parsed = page([], page=None, size=None, total=None)
    assert (parsed.page, parsed.size, parsed.total, parsed.last) == (None, None, None, None)
    assert page([1]).page is None


@pytest.mark.parametrize(
    ("pages", "stop", "used"),
    [
        # the server says so
        ([page([1, 2], page=1, last=False), page([3], page=2, last=True)], PageStop.LAST, 2),
        # an empty page, with nothing else said
        ([page([1, 2]), page([3]), page([])], PageStop.EMPTY, 3),
        # the total reached, `last` never said
        ([page([1, 2], total=4), page([3, 4], total=4)], PageStop.TOTAL, 2),
        # a server that ignores the page number
        ([page([1, 2], page=1, last=False), page([1, 2], page=1, last=False)], PageStop.STUCK, 1),
        # the same ids again, whatever the number says
        ([page([1, 2], page=1), page([1, 2], page=2)], PageStop.REPEATED, 1),
    ],
)
def test_each_stop(pages: list[Page[Site]], stop: PageStop, used: int) -> None:
    cursor = PageCursor(size=2)
    accepted = 0
    for each in pages:
        assert not cursor.done
        accepted += cursor.accept(each)
    assert cursor.stop == stop
    assert accepted == used
    assert cursor.stop.complete == (stop in (PageStop.LAST, PageStop.EMPTY, PageStop.TOTAL))


def test_the_page_cap_ends_a_list_that_never_ends(caplog: pytest.LogCaptureFixture) -> None:
    cursor = PageCursor(size=1, what="site list", max_pages=3)
    with caplog.at_level(logging.WARNING):
        for number in range(1, 4):
            assert cursor.accept(page([number], page=number, last=False))
    assert cursor.stop == PageStop.CAP
    assert not cursor.stop.complete
    assert "site list: stopped paging, the page limit was reached" in caplog.text


def test_a_page_after_the_end_is_a_programming_error() -> None:
    cursor = PageCursor(size=2)
    cursor.accept(page([1], last=True))
    with pytest.raises(RuntimeError):
        cursor.accept(page([2]))
