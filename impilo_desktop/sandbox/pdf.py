"""A one-page PDF order summary, written by hand (PDF 1.4, Helvetica, no library needed)."""

from __future__ import annotations

from impilo_desktop.sandbox.seed import JsonDict

_MAX_LINES = 52  # what fits on one Letter page at 13 pt leading


def summary_lines(order: JsonDict) -> list[str]:
    """The text of the summary, one entry per printed line."""
    lines = [f"Impilo order {order['id']}", f"Status: {order.get('currentStatus', '')}"]
    patient = order.get("patient")
    if patient:
        lines.append(
            f"Patient: {patient['firstName']} {patient['lastName']}"
            f" ({patient.get('externalIdentifier', '')}), born {patient.get('dateOfBirth', '')}"
        )
        address = patient.get("address") or {}
    else:
        site = order.get("site") or {}
        lines.append(f"Site: {site.get('name', '')}")
        address = site.get("address") or {}
    if address:
        lines.append(
            f"Ship to: {address.get('lineOne', '')}, {address.get('city', '')},"
            f" {address.get('state', '')} {address.get('zipCode', '')}"
        )
    lines.append(f"Shipping: {order.get('shippingOption', '')}")
    if order.get("externalOrderIds"):
        lines.append("References: " + ", ".join(order["externalOrderIds"]))
    lines.append("")
    lines.append("Lines:")
    for line in order.get("orderItems", []):
        item = line["item"]
        lines.append(f"  {line['count']} x {item['name']} ({item.get('sku', '')})")
    for line in order.get("orderKits", []):
        lines.append(f"  {line['count']} x kit {line['kit']['name']}")
    for tracking in order.get("trackingNumbers", []):
        lines.append(f"Tracking: {tracking['carrier']} {tracking['value']}")
    for event in order.get("orderEvents", []):
        lines.append(f"  {event['eventTimestamp']}  {event['name']}")
    if len(lines) > _MAX_LINES:
        lines = [*lines[: _MAX_LINES - 1], "..."]
    return lines


def _escape(text: str) -> str:
    # PDF string literals: escape the delimiters; keep to Latin-1 for the standard font.
    text = text.encode("latin-1", "replace").decode("latin-1")
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def order_summary_pdf(order: JsonDict) -> bytes:
    """A valid single-page PDF listing the order id, recipient, lines and events."""
    ops = ["BT", "/F1 11 Tf", "13 TL", "56 740 Td"]
    for n, line in enumerate(summary_lines(order)):
        if n == 0:
            ops.extend(["/F1 16 Tf", f"({_escape(line)}) Tj", "/F1 11 Tf", "T*", "T*"])
        else:
            ops.extend([f"({_escape(line)}) Tj", "T*"])
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
        b" /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Title (Impilo order %d) /Producer (Impilo Desktop sandbox) >>" % int(order["id"]),
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
