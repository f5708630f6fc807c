"""Self-update in the window (issue 17): the check at start and daily (on the bridge), the
"Version X is ready — restart to update" bar with What's new, the restart rules, and
Settings > Updates. The work itself is the Qt-free `impilo_desktop.updates`."""
