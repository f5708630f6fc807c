"""Order templates in the window: "Save as template…" and "New order from template"."""
