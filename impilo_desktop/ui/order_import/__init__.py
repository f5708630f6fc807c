"""File > Import orders… (issue 15): a spreadsheet's orders previewed, queued as one batch,
followed in the status bar, and summed up at the end. The work is the core's
(`sync/order_import`), run on the bridge; these modules only paint:

- `dialog.py` the three steps (choose, preview, queued) and `pages.py` their widgets,
  `preview_table.py` the orders and problems lists;
- `batch_watch.py` how far a queued batch is; `summary.py` what became of it;
- `actions.py` the File menu's commands; `wording.py` what all of it says; `files.py`
  reading and writing files on the bridge.
"""
