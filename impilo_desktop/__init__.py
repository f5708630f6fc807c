"""Impilo Desktop: order entry and order history for site coordinators on the Impilo platform."""

__version__ = "0.1.0"
APP_NAME = "Impilo Desktop"
APP_ID = "impilo-desktop"
