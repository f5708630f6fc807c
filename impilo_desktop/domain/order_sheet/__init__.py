"""A spreadsheet of orders (CSV or XLSX) read into order drafts: pure Python, no Qt, no disk.

`sheet` turns a file's bytes into rows under a normalised header and groups them into orders by
`order_ref`; `lookups` indexes the cached catalog, patients and sites once per import;
`matching` reads what one row's cells name; `drafts` turns each order's rows into an
`OrderDraft`, with every problem tied to the row and column the coordinator sees in the
spreadsheet (the header is row 1).
"""
