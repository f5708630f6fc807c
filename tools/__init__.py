"""Maintenance scripts run by hand (not shipped with the app)."""
