"""Everything Qt: start-up, the async bridge, models, views and dialogs."""
