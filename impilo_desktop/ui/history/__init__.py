"""The Order history page: paged order list, filters, order detail, export and polling."""
