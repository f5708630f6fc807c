"""Runtime hook of the bundle, in place of PyInstaller's own for PySide6 (pyi_rth_pyside6).

PyInstaller's hook runs before the app's first line and imports PySide6.QtCore there, to
register an embedded qt.conf (Qt's prefix inside the bundle) if PySide6 has none. PySide6
then reads every module imported after it (looking for `from __feature__ import`), and the
app's Qt-free core is imported after it. This hook only sets the environment as
PyInstaller's does; the app registers the qt.conf, when needed, once its core is in
(`impilo_desktop.frozen_qt`)."""


def _qt_paths() -> None:
    import os
    import sys

    from _pyi_rth_utils import is_macos_app_bundle, prepend_path_to_environment_variable
    from _pyi_rth_utils import qt as _qt  # noqa: F401  (kept in the bundle for frozen_qt)

    base = sys._MEIPASS
    prefix = os.path.join(base, "PySide6", *([] if sys.platform.startswith("win") else ["Qt"]))
    os.environ["QT_PLUGIN_PATH"] = os.path.join(prefix, "plugins")
    if sys.platform.startswith("win"):
        # QtNetwork finds OpenSSL's DLLs beside the program.
        prepend_path_to_environment_variable(base, "PATH")
    if sys.platform == "darwin" and not is_macos_app_bundle:
        prepend_path_to_environment_variable(base, "DYLD_LIBRARY_PATH")


_qt_paths()
del _qt_paths
