"""What the pages stand on: the async bridge to the core, the session and its services, the
outbox controller, the UI-thread garbage collector, theme and resources."""
