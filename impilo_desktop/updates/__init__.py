"""Self-update (issue 17): a bundle checks an update repository (TUF metadata made by
tufup, `packaging/updates.py`), downloads the newer bundle's archive with every signature,
version and hash verified, keeps it as the pending update, and installs it at a restart.

Qt-free. The check runs on the bridge (`ui/updates/`) or from `impilo-desktop update`; the
network goes the app's own route (`fetcher.py`: the proxy and the OS trust store of
api/network.py). Only a frozen bundle updates itself: from source there is nothing to replace.
"""
