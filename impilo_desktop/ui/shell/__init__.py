"""The window's frame: the main window, its sidebar pages, menus, status and message bars,
and the Settings page."""
