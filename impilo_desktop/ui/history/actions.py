"""What a coordinator does with orders on the history page: reorder, void, save Impilo's
summary PDF, and export orders to CSV (the flow itself in `csv_actions`).

The page (`OrderHistoryView`) owns the widgets; this module owns the work behind its
buttons, so each action (and its dialogs, progress and error wording) lives in one place.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from impilo_desktop.api.errors import ImpiloError, RequestRejected
from impilo_desktop.api.models import Order
from impilo_desktop.domain.convert import order_to_draft
from impilo_desktop.domain.draft import OrderDraft

from . import dialogs
from .csv_actions import CsvActions, ExportControls
from .csv_export import CsvExporter, another_name, in_use_message
from .detail import OrderDetailView
from .model import OrderHistoryModel
from .notify import Say

if TYPE_CHECKING:
    from impilo_desktop.ui.plumbing.services import AppServices


def error_text(error: BaseException) -> str:
    """The coordinator-facing wording of a failed call (with the server's reason)."""
    if isinstance(error, RequestRejected) and error.server_message:
        return f"{error.message} Impilo said: {error.server_message}"
    if isinstance(error, ImpiloError):
        return error.message
    return str(error) or type(error).__name__


class OrderActions(QObject):
    """Reorder, void and summary PDF for the order shown in `detail`; CSV export (`csv`)."""

    def __init__(
        self,
        page: QWidget,
        services: AppServices,
        detail: OrderDetailView,
        export: ExportControls,
        model: OrderHistoryModel,
        *,
        offline: Callable[[], bool],
        reorder: Callable[[OrderDraft], None],
        fresh_order: Callable[[Order], None],
        say: Say,
    ) -> None:
        super().__init__(page)
        self._page = page
        self._services = services
        self._bridge = services.bridge
        self._detail = detail
        self._export = export
        self._reorder = reorder
        self._fresh_order = fresh_order
        self._say = say
        self.pdf_folder = dialogs.SaveFolder(services.home, "pdf")
        self.exporter = CsvExporter(self._bridge, page)
        self.csv = CsvActions(
            page,
            self.exporter,
            export,
            model,
            offline=offline,
            folder=dialogs.SaveFolder(services.home, "csv"),
            say=say,
            show_error=self.show_error,
        )

    # --- reorder -------------------------------------------------------------------------

    def reorder_selected(self) -> None:
        """A new draft with the shown order's recipient and lines."""
        order = self._detail.order
        if order is None:
            return
        try:
            draft = order_to_draft(order)
        except ValueError as error:
            self._say(f"Order {order.id} cannot be reordered: {error}")
            return
        self._reorder(draft)

    # --- void ----------------------------------------------------------------------------

    def confirm_void(self) -> None:
        order = self._detail.order
        if order is None or order.id is None:
            return
        order_id = order.id
        dialogs.confirm_void(self._page, order_id, lambda: self.void_order(order_id))

    def void_order(self, order_id: int) -> None:
        """Void at Impilo, then show the order's new state (or the server's refusal)."""

        async def void_and_fetch() -> Order:
            client = self._services.client()
            await client.void_order(order_id)
            return await client.get_order(order_id)

        def done(order: Order) -> None:
            self._detail.set_busy(False)
            self._fresh_order(order)
            self._say(f"Order {order_id} was voided.", about=order_id)

        def refused(error: BaseException) -> None:
            self._detail.set_busy(False)
            self.show_error(f"Order {order_id} was not voided", error_text(error))

        self._detail.set_busy(True)
        self._bridge.submit(void_and_fetch(), on_result=done, on_error=refused)

    # --- summary PDF ---------------------------------------------------------------------

    def choose_pdf_file(self) -> None:
        self._choose_pdf_file(None)

    def _choose_pdf_file(self, suggested: Path | None) -> None:
        order = self._detail.order
        if order is None or order.id is None:
            return
        order_id = order.id
        dialogs.choose_save_path(
            self._page,
            "savePdfDialog",
            "Save order summary PDF — contains patient data",
            suggested or f"order-{order_id}.pdf",
            "PDF files (*.pdf)",
            lambda path: self.save_summary_pdf(order_id, path),
            self.pdf_folder,
        )

    def save_summary_pdf(self, order_id: int, path: Path) -> None:
        """Download Impilo's summary PDF and write it to `path`, both off the UI thread."""

        async def fetch_and_write() -> Path:
            pdf = await self._services.client().order_summary_pdf(order_id)
            await asyncio.to_thread(path.write_bytes, pdf)
            return path

        def failed(error: BaseException) -> None:
            title = f"The summary of order {order_id} was not saved"
            if isinstance(error, PermissionError) and path.is_file():
                # A PDF viewer holds the file open (Windows will not replace it then).
                dialogs.offer_another_name(
                    self._page,
                    title,
                    in_use_message(path),
                    lambda: self._choose_pdf_file(another_name(path)),
                )
                self._say(f"{title}: {in_use_message(path)}")
            else:
                self.show_error(title, error_text(error))

        self._bridge.submit(
            fetch_and_write(),
            on_result=lambda p: self._say(f"Saved the summary of order {order_id} to {p}"),
            on_error=failed,
        )

    # --- CSV export (csv_actions) ---------------------------------------------------------

    def choose_csv_file(self) -> None:
        self.csv.choose_csv_file()

    def export_csv(self, path: Path) -> None:
        self.csv.export_csv(path)

    # --- errors --------------------------------------------------------------------------

    def show_error(self, title: str, message: str) -> None:
        """A warning dialog with the server's words, also noted in the status bar."""
        dialogs.show_error(self._page, title, message)
        self._say(f"{title}: {message}")


__all__ = ["ExportControls", "OrderActions", "error_text"]
