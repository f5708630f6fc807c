"""Everything Qt: start-up, the async bridge, models, views and dialogs."""

from impilo_desktop.ui.module_sources import stop_keeping_module_sources

# Before any Qt part of the app is imported (they all import this package first): PySide6
# would otherwise keep the source text of every module imported after it (module_sources.py).
stop_keeping_module_sources()
