"""Links to a carrier's public tracking page for the carriers we know."""

from __future__ import annotations

from urllib.parse import quote

_TRACKING_PAGES: dict[str, str] = {
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
    "ups": "https://www.ups.com/track?loc=en_US&tracknum={number}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={number}",
    "dhl": "https://www.dhl.com/global-en/home/tracking/tracking-express.html"
    "?submit=1&tracking-id={number}",
}


def tracking_url(carrier: str | None, number: str | None) -> str | None:
    """The tracking page for `number`, or None for an unknown carrier or an empty number.
    The carrier is a free string from the server ('USPS', 'usps', ' FedEx ')."""
    if not carrier or not number or not number.strip():
        return None
    key = "".join(carrier.split()).casefold().replace("-", "")
    template = _TRACKING_PAGES.get(key)
    if template is None:
        return None
    return template.format(number=quote(number.strip(), safe=""))
