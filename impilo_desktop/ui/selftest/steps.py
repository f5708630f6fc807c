"""The self-test's steps: the real main window on the built-in sandbox (or an account), one
order placed through the outbox and read back, the checks of what a bundle must carry."""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib
import importlib.metadata
import os
import sys
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from impilo_desktop import APP_NAME, __version__
from impilo_desktop.ui.selftest.report import Reporter, SelfTestError, SelfTestTimeoutError

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from impilo_desktop.api.client import ImpiloClient
    from impilo_desktop.domain import OrderDraft
    from impilo_desktop.store.entries import OutboxEntry
    from impilo_desktop.ui.shell.main_window import MainWindow

T = TypeVar("T")

DEFAULT_TIMEOUT = 60.0
# The keyring backend each platform's installer must carry (see packaging/impilo-desktop.spec).
PLATFORM_KEYRING = {
    "win32": ("keyring.backends.Windows", "win32ctypes.pywin32.win32cred"),
    "darwin": ("keyring.backends.macOS", "keyring.backends.macOS.api"),
}
DEFAULT_KEYRING = ("keyring.backends.SecretService", "secretstorage")
# Object names of widgets that only the real pages have (not the shell's placeholders, which
# stand for the pages other than New order until they are first shown).
REAL_PAGE_WIDGETS = ("submitOrderButton", "draftsTable", "orderHistoryTable")


class SelfTest:
    """The steps, sharing the application, the window and one deadline."""

    def __init__(
        self, home: Path, timeout: float, reporter: Reporter, *, keep_home: bool = False
    ) -> None:
        self.home = home
        self.keep_home = keep_home
        self.deadline = time.monotonic() + timeout
        self.timeout = timeout
        self.report = reporter
        self.app: QApplication | None = None
        self.window: MainWindow | None = None
        self.time_to_window_ms = 0.0
        self.refreshed: list[bool] = []

    # -- waiting without blocking the UI thread ----------------------------------------------

    def _pump(self) -> None:
        from PySide6.QtCore import QEventLoop

        assert self.app is not None
        self.app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        if time.monotonic() > self.deadline:
            raise SelfTestTimeoutError(f"time limit of {self.timeout:.0f} s ran out")

    def wait_until(self, condition: Callable[[], bool], what: str) -> None:
        while not condition():
            try:
                self._pump()
            except SelfTestTimeoutError as exc:
                raise SelfTestTimeoutError(f"{exc} while waiting for {what}") from None
            # processEvents returns at once when idle; avoid spinning a core meanwhile.
            time.sleep(0.005)

    def run_async(self, coro: Coroutine[Any, Any, T], what: str) -> T:
        """Run `coro` on the window's async bridge (the loop the app itself uses)."""
        assert self.window is not None
        job = self.window.bridge.submit(coro)
        self.wait_until(job.done, what)
        future: concurrent.futures.Future[T] = job.future
        return future.result()

    # -- steps ---------------------------------------------------------------------------------

    def check_keyring_backends(self) -> str:
        modules = PLATFORM_KEYRING.get(sys.platform, DEFAULT_KEYRING)
        for module in modules:
            importlib.import_module(module)
        names = {ep.name for ep in importlib.metadata.entry_points(group="keyring.backends")}
        if not names:
            raise SelfTestError("keyring's entry points are missing (no metadata bundled)")
        return f"{modules[0]} bundled; entry points: {', '.join(sorted(names))}"

    def check_signal_refcounts(self) -> str:
        emits = 50
        lost = emit_refcount_loss(emits)
        if lost >= emits // 2:
            raise SelfTestError(
                f"Signal.emit() loses a reference to True ({lost} in {emits} emits) with"
                f" PySide6 {_pyside_version()} on Python {sys.version.split()[0]}: the app would"
                f" crash after about {sys.getrefcount(True)} more emits; build with Python"
                " >= 3.12 or another PySide6"
            )
        return f"{emits} emits, True refcount change {-lost}"

    def check_resources(self) -> str:
        from impilo_desktop.ui.dialogs.about import APP_ICON, app_icon
        from impilo_desktop.ui.plumbing.resources import resource_path

        if app_icon().isNull():
            raise SelfTestError(f"app icon missing at {resource_path(APP_ICON)}")
        icons = list(resource_path("icons").glob("*.svg"))
        if not icons:
            raise SelfTestError(f"no SVG icons in {resource_path('icons')}")
        return f"{len(icons)} icons in {resource_path('')}; {self._qt_prefix()}"

    @staticmethod
    def _qt_prefix() -> str:
        """Qt's prefix: in a bundle, inside it (the embedded qt.conf: PySide6's wheels
        register their own when QtCore is imported, frozen_qt.py PyInstaller's otherwise), or
        Qt would look for its plugins where the build machine had them."""
        from PySide6.QtCore import QFile, QLibraryInfo

        prefix = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PrefixPath))
        bundle = getattr(sys, "_MEIPASS", None)
        if bundle is not None:
            if not QFile.exists(":/qt/etc/qt.conf"):
                raise SelfTestError("no qt.conf is registered in the bundle (frozen_qt.py)")
            if not prefix.resolve().is_relative_to(Path(bundle).resolve()):
                raise SelfTestError(f"Qt's prefix {prefix} is outside the bundle {bundle}")
        return f"Qt prefix {prefix}"

    def check_single_instance(self) -> str:
        """The lock and local socket that keep a second window off this home (QtNetwork is
        bundled, and a second claim is refused)."""
        from impilo_desktop.ui.plumbing.single_instance import SingleInstance

        first = SingleInstance(self.home)
        try:
            if not first.claim() or not first.listening:
                raise SelfTestError("the window cannot hold its home (lock file, local socket)")
            if SingleInstance(self.home).claim():
                raise SelfTestError("a second window could open beside the first")
            return f"local socket {first.name}"
        finally:
            first.release()

    def open_window(self, began: float, account: str | None = None) -> str:
        """The main window on the built-in sandbox, or on `account` (a server's base URL, its
        key in `IMPILO_API_KEY`) as a real account's profile: start-up timing of both."""
        from impilo_desktop.config import API_KEY_ENV, CUSTOM
        from impilo_desktop.secrets import KeyStore, MemoryKeyring
        from impilo_desktop.ui.app import create_app
        from impilo_desktop.ui.selftest.home import HomeKeyring

        # A keyring of its own: the self-test must never read or write the user's real
        # keychain. A kept home keeps it in a file, for the store's key on the next run. An
        # account's key is stored in it as the welcome dialog stores one.
        backend = HomeKeyring(self.home) if self.keep_home else MemoryKeyring()
        keys = KeyStore(backend, env={})
        argv = ["--profile", "sandbox"]
        if account is not None:
            argv = ["--profile", CUSTOM, "--base-url", account]
            keys.set_key(CUSTOM, os.environ.get(API_KEY_ENV, ""))
        # Started as the command starts its window (`run_app`): the built-in sandbox's server
        # and the window's work come after the first paint, so the start-up benchmark's
        # bundle rows time the start a coordinator gets.
        self.app, self.window = create_app(
            argv, home=self.home, keys=keys, sandbox_after_paint=True
        )
        window = self.window
        window.services.outbox.reference_refreshed.connect(self.refreshed.append)
        window.show()
        window.start_after_first_paint()
        self.wait_until(
            lambda: window.windowHandle() is not None and window.windowHandle().isExposed(),
            "the window to be shown",
        )
        self.time_to_window_ms = (time.perf_counter() - began) * 1000
        if window.services.profile.is_sandbox == (account is not None):
            raise SelfTestError(f"opened the wrong profile: {window.services.profile}")
        return f"{window.services.profile.base_url}; window after {self.time_to_window_ms:.0f} ms"

    def check_pages(self) -> str:
        """Every page builds when shown (they are built on first show, not with the window)."""
        from impilo_desktop.ui.shell.pages import NEW_ORDER, PAGES

        assert self.window is not None
        for spec in PAGES:
            self.window.show_page(spec.key)
        self.window.show_page(NEW_ORDER.key)
        missing = [name for name in REAL_PAGE_WIDGETS if not self._has_widget(name)]
        if missing:
            raise SelfTestError(f"pages not built (placeholders?): missing {', '.join(missing)}")
        return ", ".join(spec.title for spec in PAGES)

    def check_encrypted_store(self) -> str:
        """The window's store (patients, the order just sent) is encrypted: sqlcipher3's
        extension is in the bundle and the keyring mode encrypts."""
        from impilo_desktop.store.cipher import encryption_report

        assert self.window is not None
        try:
            return encryption_report(self.window.services.store.path)
        except ValueError as exc:
            raise SelfTestError(str(exc)) from exc

    def _has_widget(self, name: str) -> bool:
        from PySide6.QtWidgets import QWidget

        assert self.window is not None
        return self.window.findChild(QWidget, name) is not None

    def wait_for_reference_data(self) -> str:
        """The first refresh of patients, sites, items and kits (started with the window)."""
        assert self.window is not None
        self.wait_until(lambda: bool(self.refreshed), "the first reference-data refresh")
        if not self.refreshed[0]:
            raise SelfTestError("the reference-data refresh failed (see the log)")
        if not self.window.services.store.search_patients("", limit=1):
            raise SelfTestError("no patients in the local cache after the refresh")
        return "patients, sites, items and kits cached"

    def build_draft(self) -> OrderDraft:
        from impilo_desktop.domain import ItemLine, OrderDraft, PatientChoice, validate_draft

        assert self.window is not None
        services = self.window.services

        async def pick() -> tuple[Any, Any]:
            client = services.client()
            patients = await client.list_patients(size=20, archived=False)
            items = await client.list_items(size=100)
            return patients.content, items.content

        patients, items = self.run_async(pick(), "patients and items from the sandbox")
        patient = next((p for p in patients if p.id is not None), None)
        item = next((i for i in items if i.id is not None and i.orderable is True), None)
        if patient is None or item is None:
            raise SelfTestError("the sandbox offered no patient or no orderable item")
        draft = OrderDraft(
            recipient_kind="patient",
            patient=PatientChoice(
                id=patient.id,
                first_name=patient.first_name or "",
                last_name=patient.last_name or "",
                date_of_birth=patient.date_of_birth,
            ),
            item_lines=[ItemLine(item_id=item.id, count=1, name=item.name or "", sku=item.sku)],
            notes=[f"{APP_NAME} {__version__} self-test"],
        )
        problems = validate_draft(draft)
        if problems:
            raise SelfTestError("; ".join(f"{p.field}: {p.message}" for p in problems))
        return draft

    def send(self, draft: OrderDraft) -> OutboxEntry:
        from impilo_desktop.store.entries import EntryState

        assert self.window is not None
        outbox = self.window.services.outbox
        store = self.window.services.store
        queued: list[OutboxEntry] = []
        outbox.submit(draft, on_queued=queued.append)
        self.wait_until(lambda: bool(queued), "the order to enter the outbox")
        entry = queued[0]
        entry_id = entry.entry_id
        released = False

        def settled() -> bool:
            nonlocal released
            state = store.get_entry(entry_id).state
            if state == EntryState.HELD and not released:
                released = True  # an old draft waits for confirmation; the self-test confirms
                outbox.release(entry_id)
                return False
            return state in (EntryState.SENT, EntryState.REJECTED)

        self.wait_until(settled, f"outbox entry {entry.client_reference} to be sent")
        final = store.get_entry(entry_id)
        if final.state != EntryState.SENT or final.order_id is None:
            why = final.server_message or final.last_error or final.state
            raise SelfTestError(f"order {final.client_reference} not sent: {why}")
        return final

    def read_back(self, entry: OutboxEntry) -> str:
        assert self.window is not None
        base_url = self.window.services.profile.base_url
        api_key = self.window.services.api_key() or ""
        network = self.window.services.network

        async def find() -> list[Any]:
            from impilo_desktop.api.client import ImpiloClient

            # A separate client: the read-back must not trust anything the app cached.
            client: ImpiloClient
            async with ImpiloClient(base_url, api_key, network=network) as client:
                page = await client.list_orders(external_order_ids=[entry.client_reference])
                return list(page.content)

        orders = self.run_async(find(), "the order to be read back")
        ids = [order.id for order in orders]
        if ids != [entry.order_id]:
            raise SelfTestError(
                f"sandbox returned orders {ids} for {entry.client_reference},"
                f" expected [{entry.order_id}]"
            )
        order = orders[0]
        if entry.client_reference not in (order.external_order_ids or []):
            raise SelfTestError("the order lacks its client reference")
        return f"order {order.id} found by {entry.client_reference}"

    def _settle(self, seconds: float = 5.0) -> None:
        """Give the pages' first loads a moment to finish: cancelling a connection attempt
        half-way leaves an un-awaited coroutine inside anyio, reported as a warning at exit."""
        assert self.window is not None
        assert self.app is not None

        async def others() -> int:
            return len(asyncio.all_tasks()) - 1

        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                if self.window.bridge.submit(others()).future.result(timeout=1) == 0:
                    return
            except Exception:  # the bridge may already be closed after a failure
                return
            self.app.processEvents()
            time.sleep(0.02)

    def close(self) -> None:
        if self.window is not None:
            # The outbox's background work first (its connectivity probe runs until stopped,
            # a refresh ends after its page on the way): the settling waits for the pages'
            # loads, and waited its whole 5 s for the probe before.
            # The window's start after its first paint must not come now: `pages.stop()`
            # drops it, before the settling below pumps events that could deliver it.
            self.window.pages.stop()
            self.window.services.outbox.stop()
            self._settle()
            self.window.shutdown()
            if self.app is not None:
                # Deliver what the stopped background work queued while the pages still exist.
                self.app.processEvents()
            self.window.close()
            self.window.deleteLater()
            self.window = None
        if self.app is not None:
            from PySide6.QtCore import QCoreApplication, QEvent

            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def emit_refcount_loss(emits: int = 50) -> int:
    """References to `True` lost over `emits` Signal.emit() calls (0 when healthy).

    PySide6 6.12.0 on Python 3.11 drops one on every emit; once the count reaches zero the
    interpreter frees `True` and the app crashes. Python 3.12+ makes `True` immortal, and
    PySide6 6.11 does not have the bug.
    """
    from PySide6.QtCore import QObject, Signal

    class Probe(QObject):
        ping = Signal()

    probe = Probe()
    before = sys.getrefcount(True)
    for _ in range(emits):
        probe.ping.emit()
    lost = before - sys.getrefcount(True)
    if lost > 0:  # give the references back so the probe itself cannot cause the crash
        import ctypes

        for _ in range(lost):
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
    return lost


def _pyside_version() -> str:
    import PySide6

    return str(PySide6.__version__)
