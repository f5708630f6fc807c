"""Regenerate the screenshots in docs/screenshots/ (every screen, light and dark).

    python docs/screenshots.py [--out docs/screenshots] [--show] [--only PREFIX]

It starts the real app against the built-in sandbox in a throw-away home folder with an
in-memory keyring, puts a few drafts and orders in place so the pages have something to
show, and saves PNGs named `<scheme>-<screen>.png`.

The history at a laptop's size comes from a real X server instead (a first run, maximised):
`Xvfb :9 -screen 0 1366x768x24 & DISPLAY=:9 QT_QPA_PLATFORM=xcb python
tests/ui/history/fit_probe.py --shot docs/screenshots/light-history-1366.png`, and the same
on a 1920x1080 screen with QT_SCALE_FACTOR=1.5 for light-history-1280.png.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIZE = (1280, 800)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--show", action="store_true", help="use the real display")
    parser.add_argument(
        "--only", default="", help="save only the screens whose name starts with this"
    )
    args = parser.parse_args(argv)
    if not args.show:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    # A home folder laid out like a coordinator's, so Settings shows believable paths once
    # the throw-away prefix is taken off (see `_as_users_path`).
    scratch = Path(tempfile.mkdtemp(prefix="impilo-shots-"))
    user_home = scratch / "home" / "nomsa.dlamini"
    home = user_home / ".local" / "share" / "impilo-desktop"
    home.mkdir(parents=True)
    os.environ["HOME"] = str(user_home)
    os.environ["IMPILO_DESKTOP_HOME"] = str(home)
    os.environ.pop("IMPILO_API_KEY", None)

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

    from impilo_desktop.domain import OrderDraft, PatientChoice, SiteChoice
    from impilo_desktop.secrets import KeyStore, MemoryKeyring

    class SecretServiceKeyring(MemoryKeyring):
        """In memory like the tests' keyring, named like the store a Linux desktop has."""

    from screenshots_import import import_screens  # beside this script

    from impilo_desktop.ui.app import create_app
    from impilo_desktop.ui.dialogs.passphrase import PassphraseDialog
    from impilo_desktop.ui.dialogs.welcome import WelcomeDialog
    from impilo_desktop.ui.plumbing.theme import scheme_follower

    keys = KeyStore(backend=SecretServiceKeyring(), env={})
    app, window = create_app([], home=home, keys=keys)
    window.setWindowState(Qt.WindowState.WindowNoState)  # not maximised: the size below
    window.resize(*SIZE)
    window.show()
    window.start()

    def wait(condition: Callable[[], bool], seconds: float = 30.0) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError("the app did not get there in time")
            app.processEvents()
            time.sleep(0.01)

    def settle() -> None:
        for _ in range(5):
            app.processEvents()

    refreshed: list[bool] = []
    window.services.outbox.reference_refreshed.connect(refreshed.append)
    wait(lambda: window.services.outbox.state == "online")
    wait(lambda: bool(refreshed))

    # Something to show: drafts, a refused order and a sent one.
    store = window.services.store
    patients = store.search_patients("", limit=6)
    items = [i for i in store.cached_items() if getattr(i, "orderable", True)][:6]

    def draft_for(index: int, lines: int) -> OrderDraft:
        draft = OrderDraft()
        p = patients[index]
        draft.set_patient(
            PatientChoice(id=p.id, first_name=p.first_name or "", last_name=p.last_name or "")
        )
        for n in range(lines):
            item = items[(index + n) % len(items)]
            if item.id is not None:
                draft.add_item(item.id, 1 + n, name=item.name or "", sku=item.sku)
        return draft

    for index, lines in ((0, 2), (1, 1), (2, 3)):
        store.save_draft(draft_for(index, lines))
    site = store.cached_sites()[0]
    site_draft = OrderDraft()
    site_draft.set_recipient_kind("site")
    site_draft.set_site(SiteChoice(id=site.id, name=site.name or ""))
    store.save_draft(site_draft)
    outbox = window.services.outbox
    sent: list[object] = []
    outbox.entry_sent.connect(sent.append)
    outbox.submit(draft_for(3, 2))
    wait(lambda: bool(sent))
    refused: list[object] = []
    outbox.entry_rejected.connect(refused.append)
    bad = draft_for(4, 1)
    bad.add_item(1012, 1, name="Retired glucometer (not orderable)")
    outbox.submit(bad)
    wait(lambda: bool(refused))
    window.notice_bar.dismiss()
    # An address correction held: the patient's address changed in Impilo meanwhile.
    held_change = _held_address_change(patients[5])
    held: list[object] = []
    outbox.corrections.held.connect(held.append)
    outbox.corrections.queue(held_change)
    wait(lambda: bool(held))

    # Orders that need the coordinator: one in Confirm address, one whose delivery failed.
    failing: list[object] = []
    outbox.entry_sent.connect(failing.append)
    outbox.submit(draft_for(2, 1))
    wait(lambda: bool(failing))
    needing = _needs_action_orders(window, sent[0], failing[0])

    # New order: a realistic draft, submitted once so its one problem shows by its field.
    kit = next(k for k in store.cached_kits() if not getattr(k, "archived", False))
    from impilo_desktop.ui.order_entry.choices import patient_choice
    from impilo_desktop.ui.order_entry.records import PatientRecord

    shown_draft = OrderDraft()
    shown_draft.set_patient(patient_choice(PatientRecord.from_patient(patients[0])))
    for item, count in ((items[0], 1), (items[1], 1200)):  # 12 typed as 1200
        if item.id is not None:
            shown_draft.add_item(item.id, 1, name=item.name or "", sku=item.sku)
            shown_draft.item_lines[-1].count = count
    if kit.id is not None:
        shown_draft.add_kit(kit.id, 1, name=kit.name or "")
    shown_draft.external_order_ids = ["CLN-48213"]
    # The question before a submit: a dozen cellular monitors for one patient.
    monitor = next(i for i in store.cached_items() if i.is_device and i.orderable)
    large_draft = OrderDraft()
    large_draft.set_patient(patient_choice(PatientRecord.from_patient(patients[1])))
    if monitor.id is not None:
        large_draft.add_item(monitor.id, 12, name=monitor.name or "", sku=monitor.sku)

    # History: an order that carries tracking, devices and packed kits.
    from impilo_desktop.ui.history.view import OrderHistoryView
    from impilo_desktop.ui.order_entry.view import OrderEntryView

    history = window.history
    entry = window.order_entry
    assert isinstance(history, OrderHistoryView)
    assert isinstance(entry, OrderEntryView)
    window.show_page("history")
    wait(lambda: _history_ready(window), 20.0)
    detailed = _find_detailed_order(history, window.services, wait)

    args.out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []

    def save(widget: QWidget, name: str, scheme: str) -> None:
        if not name.startswith(args.only):
            return
        settle()
        path = args.out / f"{scheme}-{name}.png"
        widget.grab().save(str(path))
        saved.append(path)

    follower = scheme_follower(app)
    for scheme, value in (("light", Qt.ColorScheme.Light), ("dark", Qt.ColorScheme.Dark)):
        follower.set_scheme(value)
        settle()
        for key in ("new_order", "drafts", "history", "settings"):
            window.show_page(key)
            if key == "new_order":
                entry.load_draft(shown_draft.model_copy(deep=True))
                entry.submit()  # shows the problem next to its field
                entry.form.scroll_area.verticalScrollBar().setValue(0)
                save(window, "new-order", scheme)
                entry.load_draft(large_draft.model_copy(deep=True))
                entry.submit()  # asks about the count
                question = window.findChild(QMessageBox, "largeCountQuestion")
                assert question is not None
                save(question, "new-order-count-question", scheme)
                question.reject()  # Cancel: the draft stays
                entry.new_order()
                # Not one of the Drafts page's drafts: removed after its autosave.
                gone: list[object] = []
                window.services.bridge.call(
                    store.delete_draft, large_draft.draft_id, on_result=gone.append
                )
                wait(lambda gone=gone: bool(gone))  # type: ignore[misc]
                _new_patient_screens(window, patients, draft_for(3, 2), save, wait, scheme)
                _template_screens(window, draft_for(2, 2), save, wait, scheme)
                import_screens(window, user_home, save, wait, scheme)
                continue
            if key == "drafts":
                window.drafts_page.select_row(0)
                save(window, "drafts", scheme)
                # Delete a draft: the Undo bar.
                page = window.drafts_page
                page.select_row(page.model.rowCount() - 1)
                page.row_actions.delete_selected()
                save(window, "drafts-undo", scheme)
                shown: list[bool] = []
                page.rows_shown.connect(lambda shown=shown: shown.append(True))
                page.row_actions.undo_delete()
                wait(lambda shown=shown: bool(shown))  # type: ignore[misc]
                # A sent order: placed, its number, and Open in history.
                page.select_key(f"entry:{sent[0].entry_id}")  # type: ignore[attr-defined]
                save(window, "drafts-sent", scheme)
                # A held address correction: both values, Apply anyway and Delete.
                page.select_key(f"change:{held[0].change_id}")  # type: ignore[attr-defined]
                save(window, "drafts-held-change", scheme)
                _patient_match_screens(window, save, wait, scheme)
                page.select_row(0)
                continue
            if key == "history":
                wait(lambda: _history_ready(window), 20.0)
                if detailed is not None:
                    history.show_order(detailed)
                    wait(lambda: _shows(history, detailed), 20.0)
                    history.table.setFocus()
                    _scroll_detail_to(history, "Tracking")  # tracking, devices, packed kits
            if key == "settings":
                _as_users_path(window.settings_page, scratch)
            save(window, key.replace("_", "-"), scheme)
            if key == "history":
                _export_dialogs(history, save, scheme)
                _needs_action_screens(window, needing, save, scheme, wait)

        welcome = WelcomeDialog(window.keys, window.bridge, window)
        welcome.show()
        save(welcome, "welcome", scheme)
        welcome.close()
        tested = WelcomeDialog(window.keys, window.bridge, window)
        tested.select_server("custom", window.services.profile.base_url)
        tested.key_edit.setText("an-expired-key")
        results: list[object] = []
        tested.test_finished.connect(results.append)
        tested.show()
        tested.test_connection()
        wait(lambda results=results: bool(results))  # type: ignore[misc]
        save(tested, "welcome-key-refused", scheme)
        tested.close()
        rejected = WelcomeDialog(
            window.keys, window.bridge, window, replace_for=window.services.profile
        )
        rejected.show()
        save(rejected, "new-key", scheme)
        rejected.close()

        # Where no keyring exists: the passphrase asked for at start (a new one: typed twice).
        passphrase = PassphraseDialog(
            "No password store (keyring) was found on this computer.",
            new=True,
            opens=lambda _words: True,
            parent=window,
        )
        passphrase.show()
        save(passphrase, "passphrase", scheme)
        passphrase.close()
        # Continue without saving while an earlier version's unencrypted store is there.
        declined = PassphraseDialog(
            "No password store (keyring) was found on this computer.",
            new=True,
            opens=lambda _words: True,
            plain_unsent=3,
            parent=window,
        )
        declined.show()
        declined.memory_button.click()
        left = declined.findChild(QMessageBox, "plainDataLeftQuestion")
        assert left is not None
        save(left, "passphrase-plain-data-left", scheme)
        left.done(0)
        declined.close()

        about = getattr(window, "about_action", None)
        if about is not None:
            from impilo_desktop.ui.dialogs.about import AboutDialog

            about_dialog = AboutDialog(window.services.profile, window)
            about_dialog.show()
            _as_users_path(about_dialog, scratch)
            save(about_dialog, "about", scheme)
            about_dialog.close()
        for leftover in window.findChildren(QDialog):
            leftover.close()
        _void_confirmation(window, draft_for(1 if scheme == "dark" else 0, 1), save, scheme, wait)

    if "update".startswith(args.only) or args.only.startswith("update"):
        from screenshots_updates import update_screens  # beside this script

        schemes = {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}

        def use_scheme(name: str) -> None:
            follower.set_scheme(schemes[name])
            settle()

        update_screens(
            window,
            scratch,
            save,
            wait,
            list(schemes),
            use_scheme,
            lambda widget: _as_users_path(widget, scratch),
        )
    # Leaving with orders still waiting: the network goes away, an order is queued, quit.
    server = window.sandbox.server
    assert server is not None
    server.stop()
    outbox.submit(draft_for(5, 1))
    wait(lambda: outbox.state == "offline")
    for scheme, value in (("light", Qt.ColorScheme.Light), ("dark", Qt.ColorScheme.Dark)):
        follower.set_scheme(value)
        settle()
        window.show_page("drafts")
        save(window, "offline", scheme)
        # Send now while offline: it says why nothing was sent.
        drafts_page = window.drafts_page
        stopped: list[object] = []
        outbox.send_stopped.connect(stopped.append)
        drafts_page.send_now.send()
        wait(lambda stopped=stopped: bool(stopped))  # type: ignore[misc]
        save(window, "offline-send-now", scheme)
        drafts_page.undo_bar.dismiss()
        window.close()
        boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
        for box in boxes:
            save(box, "quit", scheme)
            box.close()
    _sign_out_screens(window, keys, save, wait, settle, scratch)
    follower.set_scheme(Qt.ColorScheme.Unknown)
    window.shutdown()
    for path in saved:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


def _new_patient_screens(
    window: Any,
    patients: list[Any],
    repeated: Any,
    save: Callable[..., None],
    wait: Callable[..., None],
    scheme: str,
) -> None:
    """The new-patient form (empty after a submit, every problem by its field; then filled),
    the question when it matches a known patient, and the one before repeating an open order
    (`repeated` is the order placed above, for the same patient with the same items)."""
    from PySide6.QtWidgets import QMessageBox

    from impilo_desktop.domain.new_patient import NewPatient, UsAddress

    entry = window.order_entry
    store = window.services.store
    made: list[str] = []
    entry.new_order()
    entry.start_new_patient("")
    entry.submit()  # every problem by its field
    made.append(entry.draft.draft_id)
    save(window, "new-order-new-patient-problems", scheme)

    known = patients[2]
    typed = NewPatient(
        first_name="Adaeze",
        last_name="Okafor",
        date_of_birth="1961-04-09",
        sex="female",
        email=known.email or "adaeze.okafor@mail.example.net",  # the same email: asked
        phone_number="(518) 555-0142",
        external_identifier="MRN-20417",
        address=UsAddress(
            line_one="40 Orchard Row",
            line_two="Apt 2B",
            city="Albany",
            state="NY",
            zip_code="12207",
        ),
    )
    entry.new_order()
    entry.start_new_patient("Okafor, Adaeze")
    made.append(entry.draft.draft_id)
    form = entry.form.new_patient_form
    for key, field in form.fields.items():
        value = typed.address if key.startswith("address.") else typed
        field.setText(str(getattr(value, key.removeprefix("address."))))
        field.editingFinished.emit()
    form.sex.setCurrentIndex(form.sex.findData("female"))
    form.site.setCurrentIndex(1)
    item = repeated.item_lines[0]
    entry.form.items_model.add_item(
        item.item_id, name=item.name, sku=item.sku or "", manufacturer=item.manufacturer or ""
    )
    entry.form.scroll_area.verticalScrollBar().setValue(0)
    save(window, "new-order-new-patient", scheme)
    entry.submit()
    wait(lambda: entry.checks.question is not None)
    question = window.findChild(QMessageBox, "duplicatePatientQuestion")
    save(question, "new-order-duplicate-patient", scheme)
    question.button(QMessageBox.StandardButton.Cancel).click()

    again = repeated.copy_as_new()
    entry.load_draft(again)
    made.append(again.draft_id)
    entry.submit()
    wait(lambda: entry.checks.question is not None)
    question = window.findChild(QMessageBox, "duplicateOrderQuestion")
    save(question, "new-order-duplicate-order", scheme)
    question.reject()  # Go back
    entry.new_order()
    # None of these is one of the Drafts page's drafts: removed after their autosaves.
    for draft_id in made:
        gone: list[object] = []
        window.services.bridge.call(store.delete_draft, draft_id, on_result=gone.append)
        wait(lambda gone=gone: bool(gone))


def _needs_action_orders(window: Any, confirm: Any, failed: Any) -> tuple[int, int]:
    """Two orders placed from the app, put into "Confirm address" and "Delivery failed" in
    the sandbox (its admin call), then polled: announced, counted, listed."""
    server = window.sandbox.server
    confirm_id, failed_id = int(confirm.order_id), int(failed.order_id)
    server.advance_time(server.state.progress_seconds)  # both awaiting shipment
    server.put_in_needs_action(confirm_id, "reconfirmAddress")
    server.put_in_needs_action(failed_id, "unsuccessfulDelivery")
    return confirm_id, failed_id


def _needs_action_screens(
    window: Any, orders: tuple[int, int], save: Callable[..., None], scheme: str, wait: Any
) -> None:
    """The Needs action view: the list and the detail of an order in Confirm address and one
    whose delivery failed, and the address dialog."""
    history = window.history
    confirm_id, failed_id = orders

    def needs_action_listed() -> bool:
        rows = [history.model.row_at(history.model.row_of(o)) for o in orders]
        if all(r is not None and r.group.value == "needsAction" for r in rows):
            return True
        history.poller.poll_now()  # until a round that started after the change has ended
        return False

    wait(needs_action_listed, 30.0)
    window.show_needs_action()
    wait(lambda: history.model.row_of(confirm_id) >= 0 and history.model.row_of(failed_id) >= 0)
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()  # the list's own reselection after the filter, first
    for order_id, name in ((confirm_id, "confirm-address"), (failed_id, "delivery-failed")):
        history.show_order(order_id)
        wait(lambda o=order_id: _shows(history, o) and "Shipping address:" in history.detail.text())
        history.table.setFocus()
        save(window, f"needs-action-{name}", scheme)
    history.show_order(confirm_id)
    wait(lambda: _shows(history, confirm_id) and history.needs_detail.patient is not None)
    history.detail.correct_button.click()
    wait(lambda: history.corrections.dialog is not None)
    dialog = history.corrections.dialog
    dialog.fields["line_two"].setText("Apt 4B")
    dialog.fields["zip_code"].setText("4540")
    dialog.fields["zip_code"].editingFinished.emit()  # left the field: it says what is wrong
    save(dialog, "needs-action-address-dialog", scheme)
    dialog.fields["line_two"].setText(dialog.before.address.line_two)
    dialog.fields["zip_code"].setText(dialog.before.address.zip_code)
    dialog.reject()  # nothing changed any more: closes without asking
    history.filters.show_needs_action(False)


def _held_address_change(patient: Any) -> Any:
    """A correction of `patient`'s address begun from an address Impilo no longer holds (so
    the sender holds it as changed meanwhile). Invented addresses."""
    from impilo_desktop.domain.new_patient import UsAddress
    from impilo_desktop.domain.patient_change import PatientChange, PatientContact

    started_from = UsAddress(
        line_one="27 Cedar Hollow Road", city="Kingston", state="NY", zip_code="12401"
    )
    corrected = UsAddress(
        line_one="27 Cedar Hollow Road",
        line_two="Unit 4B",
        city="Kingston",
        state="NY",
        zip_code="12401-3310",
    )
    return PatientChange(
        patient_id=patient.id,
        patient_name=f"{patient.first_name} {patient.last_name}",
        before=PatientContact(address=started_from),
        after=PatientContact(address=corrected),
    )


def _sign_out_screens(
    window: Any,
    keys: Any,
    save: Callable[..., None],
    wait: Callable[..., None],
    settle: Any,
    scratch: Path,
) -> None:
    """Settings on an account (the sandbox has no sign-out) with two orders still waiting,
    and the question signing out asks then (Cancel: nothing is removed)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox, QScrollArea

    from impilo_desktop.config import CUSTOM, Profile
    from impilo_desktop.domain import OrderDraft, PatientChoice
    from impilo_desktop.domain.new_patient import UsAddress
    from impilo_desktop.domain.patient_change import PatientChange, PatientContact
    from impilo_desktop.sandbox import DEMO_API_KEY
    from impilo_desktop.ui.plumbing.theme import scheme_follower

    profile = Profile(CUSTOM, window.services.profile.base_url)
    keys.set_key(profile.name, DEMO_API_KEY)
    switched: list[object] = []
    window.session.switched.connect(switched.append)
    window.session.switch_profile(profile)
    wait(lambda: bool(switched))
    store = window.services.store
    for first, last, count in (("Thandi", "Nkosi", 2), ("Ruan", "Botha", 1)):
        draft = OrderDraft()
        draft.set_patient(PatientChoice(id=10001, first_name=first, last_name=last))
        draft.add_item(1001, count, name="Blood pressure cuff")
        store.enqueue(draft, server=profile.base_url)
    # An address correction not sent yet is asked about (and exported) with the orders.
    moved = UsAddress(line_one="31 Protea Close", city="Albany", state="NY", zip_code="12207")
    was = PatientContact(address=moved.model_copy(update={"line_one": "9 Old Mill Road"}))
    store.enqueue_patient_change(
        PatientChange(
            patient_id=10001,
            patient_name="Thandi Nkosi",
            before=was,
            after=was.model_copy(update={"address": moved}),
        ),
        server=profile.base_url,
    )
    window.services.outbox.changed()
    for scheme, value in (("light", Qt.ColorScheme.Light), ("dark", Qt.ColorScheme.Dark)):
        scheme_follower().set_scheme(value)
        window.show_page("settings")
        group = window.settings_page.sign_out_group
        scroll = window.settings_page.findChild(QScrollArea)
        settle()
        scroll.ensureWidgetVisible(group)
        _as_users_path(window.settings_page, scratch)
        save(window, "settings-sign-out", scheme)
        group.sign_out()
        wait(lambda: window.findChild(QMessageBox, "signOutUnsentQuestion") is not None)
        box = window.findChild(QMessageBox, "signOutUnsentQuestion")
        save(box, "sign-out-unsent", scheme)
        box.reject()
        settle()
    _unreadable_account_screens(window, save, wait, settle)


def _unreadable_account_screens(
    window: Any, save: Callable[..., None], wait: Callable[..., None], settle: Any
) -> None:
    """Another account whose database key is gone from the keyring: "Remove anyway"."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    from impilo_desktop.config import Profile
    from impilo_desktop.store import DatabaseKey, Store
    from impilo_desktop.ui.plumbing.theme import scheme_follower

    staging = Profile("staging", "https://staging.impiloplatform.com")
    Store.open_profile(staging, window.home, key=DatabaseKey.random()).close()
    group = window.settings_page.sign_out_group
    group.refresh()
    wait(lambda: "staging" in group.other_buttons)
    for scheme, value in (("light", Qt.ColorScheme.Light), ("dark", Qt.ColorScheme.Dark)):
        scheme_follower().set_scheme(value)
        settle()
        group.remove_other("staging")

        def shown() -> list[QMessageBox]:
            boxes = window.findChildren(QMessageBox, "signOutUnreadableQuestion")
            return [b for b in boxes if b.isVisible()]

        wait(lambda: bool(shown()))
        box = shown()[0]
        save(box, "sign-out-unreadable", scheme)
        box.reject()
        wait(lambda: group.other_buttons["staging"].isEnabled())


def _template_screens(
    window: Any, draft: Any, save: Callable[..., None], wait: Callable[..., None], scheme: str
) -> None:
    """Save as template… refusing a name in use (with Replace it), and the Ctrl+T chooser
    filtered by what was typed. The templates are made once, in the light pass."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from impilo_desktop.domain.templates import template_from_draft
    from impilo_desktop.ui.templates.dialogs import SaveTemplateDialog, TemplateChooser

    store = window.services.store
    if not store.list_templates():
        for name in ("Hypertension starter: BP kit + large cuff", "Weight scale", "Heart failure"):
            store.save_template(template_from_draft(draft, name))
    window.load_draft(draft.model_copy(deep=True))
    window.menus.save_template_action.trigger()
    dialog = window.findChild(SaveTemplateDialog)
    QTest.keyClicks(dialog.name_edit, "weight SCALE")
    QTest.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    wait(dialog.replace_button.isVisible)
    save(dialog, "save-template-name-in-use", scheme)
    dialog.reject()
    window.menus.new_from_template_action.trigger()
    chooser = window.findChild(TemplateChooser)
    wait(lambda: chooser.model.rowCount() == 3)
    QTest.keyClicks(chooser.filter_edit, "he")
    save(chooser, "template-chooser", scheme)
    chooser.reject()
    _template_manager_screens(window, save, wait, scheme)
    window.new_order()


def _template_manager_screens(
    window: Any, save: Callable[..., None], wait: Callable[..., None], scheme: str
) -> None:
    """The template manager: a template and what it holds; F2 refusing a name in use; then
    a template's lines opened as a new order, with the bar that saves them back."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from impilo_desktop.ui.templates.manager import TemplateManager

    window.menus.manage_templates_action.trigger()
    manager = window.findChild(TemplateManager)
    wait(lambda: manager.model.rowCount() == 3)
    manager.select_names("Hypertension starter: BP kit + large cuff")
    manager.list.setFocus()
    save(manager, "template-manager", scheme)
    QTest.keyClick(manager.list, Qt.Key.Key_F2)
    manager.rename_edit.setText("Weight scale")
    QTest.keyClick(manager.rename_edit, Qt.Key.Key_Return)
    wait(lambda: manager.rename_message.isVisible() and manager.rename_edit.isEnabled())
    save(manager, "template-manager-rename", scheme)
    QTest.keyClick(manager.rename_edit, Qt.Key.Key_Escape)
    QTest.keyClick(manager.list, Qt.Key.Key_Return)  # its lines as a new order
    wait(lambda: not manager.isVisible())
    save(window, "new-order-editing-template", scheme)
    window.notice_bar.dismiss()


def _export_dialogs(history: object, save: Callable[..., None], scheme: str) -> None:
    """Export CSV…'s question, and its progress dialog part-way through every order."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    from impilo_desktop.ui.history.export_all import FetchProgress
    from impilo_desktop.ui.history.export_dialogs import ExportProgressDialog

    history.choose_csv_file()  # type: ignore[attr-defined]
    for box in QApplication.topLevelWidgets():
        if isinstance(box, QMessageBox) and box.objectName() == "exportWhichOrdersDialog":
            save(box, "export-question", scheme)
            box.reject()
    progress = ExportProgressDialog(history, "orders-2026-11-30.csv", filtered=False)  # type: ignore[arg-type]
    progress.show()
    progress.show_fetched(FetchProgress(pages=3, read=300, matching=300, total=601))
    save(progress, "export-progress", scheme)
    progress.finish()


def _find_detailed_order(
    history: object, services: object, wait: Callable[..., None]
) -> int | None:
    """The id of a loaded order with tracking, devices and packed kits (loading more pages
    until one turns up). Rows keep only their texts: the orders are read from the order
    cache, where every page is saved, on the bridge."""
    model = history.model  # type: ignore[attr-defined]
    store = services.store  # type: ignore[attr-defined]
    for _ in range(12):
        ids = [row.order_id for row in model.rows()]
        read: list[list[Any]] = []
        services.bridge.call(  # type: ignore[attr-defined]
            lambda ids=ids: [store.cached_order(i) for i in ids], on_result=read.append
        )
        wait(lambda read=read: bool(read), 20.0)
        for order in read[0]:
            if order and order.tracking_numbers and order.devices and order.packed_kits:
                return int(order.id)
        if not model.canFetchMore(model.index(-1, -1)):
            return None
        before = model.rowCount()
        model.fetchMore(model.index(-1, -1))
        wait(lambda n=before: model.rowCount() > n and not model.loading, 20.0)
    return None


def _scroll_detail_to(history: object, heading: str) -> None:
    """Scroll the order detail so `heading` is at the top of the panel."""
    browser = history.detail.browser  # type: ignore[attr-defined]
    cursor = browser.document().find(heading)
    if cursor.isNull():
        return
    bar = browser.verticalScrollBar()
    bar.setValue(bar.value() + browser.cursorRect(cursor).top() - 8)


def _shows(history: object, order_id: int) -> bool:
    order = history.detail.order  # type: ignore[attr-defined]
    return order is not None and order.id == order_id


def _as_users_path(widget: object, scratch: Path) -> None:
    """Show the folders as they are on a coordinator's computer (no throw-away prefix)."""
    from PySide6.QtWidgets import QLabel

    for label in widget.findChildren(QLabel):  # type: ignore[attr-defined]
        if str(scratch) in label.text():
            label.setText(label.text().replace(str(scratch), ""))


def _history_ready(window: object) -> bool:
    table = getattr(window, "history", None)
    if table is None:
        return True
    from PySide6.QtWidgets import QTableView

    view = table.findChild(QTableView, "orderHistoryTable")
    return view is None or view.model() is None or view.model().rowCount() > 0


def _void_confirmation(
    window: object, draft: object, save: Callable[..., None], scheme: str, wait: Callable[..., None]
) -> None:
    """An order placed through the outbox, then voided from Order history: the confirmation
    on the page's notice bar, beside the order's detail."""
    outbox = window.services.outbox  # type: ignore[attr-defined]
    sent: list[object] = []
    outbox.entry_sent.connect(sent.append)
    outbox.submit(draft)
    wait(lambda: bool(sent))
    order_id = sent[0].order_id  # type: ignore[attr-defined]
    history = window.history  # type: ignore[attr-defined]
    window.show_page("history")  # type: ignore[attr-defined]
    history.show_order(order_id)
    wait(lambda: _shows(history, order_id), 20.0)
    history.void_order(order_id)
    wait(lambda: history.notifier.text == f"Order {order_id} was voided.", 20.0)
    history.table.setFocus()
    save(window, "history-voided", scheme)
    history.notice.dismiss()
    window.statusBar().clearMessage()  # type: ignore[attr-defined]  # its 10 s echo


def _patient_match_screens(
    window: Any, save: Callable[..., None], wait: Callable[..., None], scheme: str
) -> None:
    """A new patient's order held by the sender because Impilo already has a patient with
    the same email: the row, then the question Release asks. The order is deleted again
    afterwards, so the other screens do not show it."""
    from PySide6.QtWidgets import QMessageBox

    from impilo_desktop.domain import OrderDraft
    from impilo_desktop.domain.new_patient import NewPatient, UsAddress
    from impilo_desktop.store import PATIENT_MATCH

    store = window.services.store
    seed = window.sandbox.server.seed
    twin = next(p for p in seed.patients.values() if p.email and not p.archived)
    item = next(i for i in store.cached_items() if i.orderable and not i.is_device)
    draft = OrderDraft()
    draft.set_new_patient(
        NewPatient(
            first_name=twin.first_name,
            last_name=twin.last_name,
            date_of_birth="1958-09-14",
            email=twin.email,
            site_id=twin.site_id,
            site_name=seed.sites[twin.site_id].wire.get("name", ""),
            address=UsAddress(
                line_one="48 Juniper Court", city="Dayton", state="OH", zip_code="45409"
            ),
        )
    )
    draft.add_item(item.id, 1, name=item.name or "", sku=item.sku)
    queued: list[Any] = []
    window.services.outbox.submit(draft, on_queued=queued.append)
    wait(lambda: bool(queued))
    entry_id = queued[0].entry_id
    wait(lambda: store.get_entry(entry_id).held_for == PATIENT_MATCH, 20.0)
    page = window.drafts_page
    page.reload(select=f"entry:{entry_id}")
    wait(lambda: page.selected_row() is not None and page.selected_row().key == f"entry:{entry_id}")
    page.table.setFocus()
    save(window, "drafts-patient-match", scheme)
    page.row_actions.release_selected()  # reads the patient's address from Impilo, then asks
    wait(lambda: window.findChild(QMessageBox, "patientMatchQuestion") is not None)
    question = window.findChild(QMessageBox, "patientMatchQuestion")
    save(question, "drafts-patient-match-question", scheme)
    question.reject()
    gone: list[object] = []
    window.services.bridge.call(store.discard_entry, entry_id, on_result=gone.append)
    wait(lambda: bool(gone))
    window.services.outbox.changed()


if __name__ == "__main__":
    raise SystemExit(main())
