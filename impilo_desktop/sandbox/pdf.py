"""A one-page PDF order summary, written by hand (PDF 1.4, Helvetica, no library needed).

Status names are the app's (`domain.status.status_label`: "Order placed", not
`orderPlaced`), so the sandbox's summary reads like the rest of what a coordinator sees. The
lines, the tracking and the timeline each sit under a heading of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from impilo_desktop.domain.status import status_label
from impilo_desktop.sandbox.seed import JsonDict

_MAX_LINES = 52  # what fits on one Letter page at 13 pt leading


@dataclass(frozen=True)
class SummaryLine:
    """One printed line; a heading is set in bold with a little space above it."""

    text: str
    heading: bool = False


def _when(timestamp: str) -> str:
    """'2026-11-29T19:51:12Z' -> '2026-11-29 19:51 UTC' (the server knows no reader's zone)."""
    try:
        moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return timestamp
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def summary_lines(order: JsonDict) -> list[SummaryLine]:
    """The text of the summary, one entry per printed line (the title first)."""
    text: list[str] = [
        f"Impilo order {order['id']}",
        f"Status: {status_label(order.get('currentStatus'))}",
    ]
    patient = order.get("patient")
    if patient:
        text.append(
            f"Patient: {patient['firstName']} {patient['lastName']}"
            f" ({patient.get('externalIdentifier', '')}), born {patient.get('dateOfBirth', '')}"
        )
        address = patient.get("address") or {}
    else:
        site = order.get("site") or {}
        text.append(f"Site: {site.get('name', '')}")
        address = site.get("address") or {}
    if address:
        text.append(
            f"Ship to: {address.get('lineOne', '')}, {address.get('city', '')},"
            f" {address.get('state', '')} {address.get('zipCode', '')}"
        )
    text.append(f"Shipping: {str(order.get('shippingOption', '')).capitalize()}")  # as the app
    if order.get("externalOrderIds"):
        text.append("References: " + ", ".join(order["externalOrderIds"]))
    lines = [SummaryLine(t) for t in text]

    def section(heading: str, entries: list[str]) -> None:
        if entries:
            lines.append(SummaryLine(heading, heading=True))
            lines.extend(SummaryLine(f"  {entry}") for entry in entries)

    contents = [
        f"{line['count']} x {line['item']['name']} ({line['item'].get('sku', '')})"
        for line in order.get("orderItems", [])
    ]
    kits = order.get("orderKits", [])
    contents += [f"{line['count']} x kit {line['kit']['name']}" for line in kits]
    section("Items and kits", contents)
    section(
        "Tracking",
        [f"{t['carrier']} {t['value']}" for t in order.get("trackingNumbers", [])],
    )
    section(
        "Timeline",
        [
            f"{_when(str(event.get('eventTimestamp', '')))}   {status_label(event.get('name'))}"
            for event in order.get("orderEvents", [])
        ],
    )
    if len(lines) > _MAX_LINES:
        lines = [*lines[: _MAX_LINES - 1], SummaryLine("...")]
    return lines


def _escape(text: str) -> str:
    # PDF string literals: escape the delimiters; keep to Latin-1 for the standard font.
    text = text.encode("latin-1", "replace").decode("latin-1")
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def order_summary_pdf(order: JsonDict) -> bytes:
    """A valid single-page PDF listing the order id, recipient, lines, tracking and events."""
    ops = ["BT", "/F1 11 Tf", "13 TL", "56 740 Td"]
    for n, line in enumerate(summary_lines(order)):
        if n == 0:
            ops.extend(["/F2 16 Tf", f"({_escape(line.text)}) Tj", "/F1 11 Tf", "T*", "T*"])
        elif line.heading:
            # Half a line of space above, bold, then back to the body font.
            ops.extend(["0 -6 Td", "/F2 11 Tf", f"({_escape(line.text)}) Tj", "/F1 11 Tf", "T*"])
        else:
            ops.extend([f"({_escape(line.text)}) Tj", "T*"])
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
        b" /Resources << /Font << /F1 4 0 R /F2 7 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Title (Impilo order %d) /Producer (Impilo Desktop sandbox) >>" % int(order["id"]),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: list[int] = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)
