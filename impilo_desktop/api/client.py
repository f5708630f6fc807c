"""The typed async client for Impilo API v3: one method per resource operation.

Every failure comes out as an `ImpiloError` subclass (see errors.py) with a plain-language
message and a log detail; the API key appears in neither, nor in `repr` or any log line.
The HTTP side (requests, retries, error mapping; with `sending.py` the only modules that
import httpx) is `transport.py`; reading bodies (pages piece by piece, server messages) is
`parsing.py`.

Reads (GET, and the read-only POST /patient/find-by-email) are retried on network errors, 429
and 5xx following a `RetryPolicy`. `create_order` and `void_order` are never retried here: a
create whose outcome is unknown must first be reconciled by its client reference, which is the
outbox's job (docs/architecture.md).

Patient names: Impilo's published schema marks `firstName`/`lastName` required on every
Patient object, including the one inside a create-order body, although the server only reads
the id there, and a PATCH body. The domain fills `PatientRef` from the patient the coordinator
picked (a new patient, created with the order, always carries its names); when a caller leaves
the names out, `create_order` and `patch_patient` look the patient up first (a retried read,
before anything is sent) and send the names Impilo itself holds, so every body we send
conforms.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import date
from types import TracebackType
from typing import Any, Final, TypeVar
from urllib.parse import quote

from impilo_desktop.api.errors import NotFound, RequestRejected, UnexpectedResponse, Unreachable
from impilo_desktop.api.models import (
    InventoryRecord,
    InventorySummaryRecord,
    ItemDetailed,
    ItemSort,
    Kit,
    Manufacturer,
    Order,
    OrderCreate,
    Page,
    Patient,
    PatientPatch,
    PatientRef,
    PatientSort,
    Site,
)
from impilo_desktop.api.paging import MAX_PAGES, PageCursor, incomplete_list, walk_pages
from impilo_desktop.api.parsing import MESSAGE_LIMIT, PARSE_CHUNK, parse_page, server_message
from impilo_desktop.api.retry import NO_RETRY, RetryPolicy
from impilo_desktop.api.transport import (
    DEFAULT_DEADLINE,
    DEFAULT_MAX_BODY,
    PDF,
    AsyncBaseTransport,
    Observer,
    Sleep,
    Transport,
    query,
)
from impilo_desktop.config import (
    BUILTIN_BASE_URLS,
    PRODUCTION,
    STAGING,
    NetworkOptions,
    normalize_base_url,
)

__all__ = [
    "MAX_PAGES",
    "MESSAGE_LIMIT",
    "PARSE_CHUNK",
    "PRODUCTION_URL",
    "STAGING_URL",
    "ImpiloClient",
    "parse_page",
    "server_message",
]

log = logging.getLogger(__name__)

PRODUCTION_URL: Final = BUILTIN_BASE_URLS[PRODUCTION]
STAGING_URL: Final = BUILTIN_BASE_URLS[STAGING]
T = TypeVar("T")


def _date(value: date | str | None) -> date | None:
    """A date filter; strings must be YYYY-MM-DD (or start with it), else ValueError."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value.strip()[:10])


class ImpiloClient:
    """Async client for one Impilo account; use `async with ImpiloClient(url, key) as c:`.

    `base_url` is a host root (`PRODUCTION_URL`, `STAGING_URL`, a loopback sandbox); the
    client adds `/api/v3`. `timeout` bounds each network read, `deadline` a whole attempt
    (start to last byte) and `max_body` the bytes read of one answer. `network` is the proxy
    choice (default: the system's settings; a server on this computer is always reached
    directly). `transport` replaces the network (tests); `sleep` replaces the wait between
    retries (tests pass a recorder instead of waiting). `observer` hears of every exchange
    with the server (an answer, or the error it became), so whoever keeps the online light
    learns from the requests already being made instead of adding its own.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 15.0,
        connect_timeout: float = 5.0,
        deadline: float = DEFAULT_DEADLINE,
        max_body: int = DEFAULT_MAX_BODY,
        retry: RetryPolicy | None = None,
        transport: AsyncBaseTransport | None = None,
        sleep: Sleep | None = None,
        network: NetworkOptions | None = None,
        observer: Observer | None = None,
    ) -> None:
        self.base_url = normalize_base_url(base_url)
        self.retry = retry or RetryPolicy()
        self.network = network or NetworkOptions()
        self._transport = Transport(
            self.base_url,
            api_key,
            timeout=timeout,
            connect_timeout=connect_timeout,
            deadline=deadline,
            max_body=max_body,
            retry=self.retry,
            transport=transport,
            sleep=sleep,
            network=self.network,
            observer=observer,
        )

    def __repr__(self) -> str:
        return f"ImpiloClient(base_url={self.base_url!r})"

    async def __aenter__(self) -> ImpiloClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool; the client cannot be used afterwards."""
        await self._transport.aclose()

    # --- orders ---------------------------------------------------------------------------

    async def create_order(self, order: OrderCreate) -> Order:
        """Place an order. Never retried: after `Unreachable(maybe_sent=True)`, a 5xx or an
        `UnexpectedResponse` the order may exist; look it up by client reference first."""
        patient = order.patient
        if isinstance(patient, PatientRef) and not (patient.first_name and patient.last_name):
            order = await self._with_patient_names(patient, order)
        response = await self._transport.send(
            "POST", "/order", body=order.to_wire(), retry=NO_RETRY, what="the order"
        )
        created = self._transport.parse(response, Order)
        if created.id is None:
            raise UnexpectedResponse(
                "Impilo accepted the order but did not say its number; it will be checked.",
                detail=self._transport.detail(response, "order response has no id"),
            )
        # Debug: the outbox, its one caller, logs "Entry N: order M" once the order is
        # recorded; a second INFO line per order cost the drain ~40 us each in the app's log.
        log.debug("Created order %s", created.id)
        return created

    async def list_orders(
        self,
        page: int = 1,
        size: int = 50,
        patient_id: int | None = None,
        external_order_ids: Sequence[str] | None = None,
    ) -> Page[Order]:
        """One page of orders; only patient and client-reference filters exist (api 2.2)."""
        params = query(
            page=page, size=size, patientId=patient_id, externalOrderId=external_order_ids
        )
        return await self._transport.get_page(Page[Order], "/order", params)

    async def get_order(self, order_id: int) -> Order:
        return await self._transport.get(Order, f"/order/{order_id}", what=f"order {order_id}")

    async def void_order(self, order_id: int) -> None:
        """Cancel an order (DELETE, 204). Never retried."""
        await self._transport.send(
            "DELETE", f"/order/{order_id}", retry=NO_RETRY, what=f"order {order_id}"
        )

    async def order_summary_pdf(self, order_id: int) -> bytes:
        """The order summary as PDF bytes."""
        path = f"/order/summary/{order_id}"
        response = await self._transport.send("GET", path, accept=PDF, what=f"order {order_id}")
        content = response.content
        if not content.lstrip()[:5] == b"%PDF-":
            raise UnexpectedResponse(
                "Impilo did not send a PDF for this order.",
                detail=self._transport.detail(
                    response, f"not a PDF ({response.headers.get('content-type')})"
                ),
            )
        return content

    # --- patients -------------------------------------------------------------------------

    async def list_patients(
        self,
        page: int = 1,
        size: int = 100,
        *,
        sort: PatientSort | str | None = None,
        sort_descending: bool | None = None,
        ids: Sequence[int] | None = None,
        site_ids: Sequence[int] | None = None,
        external_identifiers: Sequence[str] | None = None,
        email: str | None = None,
        name: str | None = None,
        archived: bool | None = None,
        enrolled: bool | None = None,
        date_of_birth_min: date | str | None = None,
        date_of_birth_max: date | str | None = None,
        postal_code: str | None = None,
        country: str | None = None,
    ) -> Page[Patient]:
        """One page of patients with every documented filter (api 3.2)."""
        params = query(
            page=page,
            size=size,
            sort=sort,
            sortDescending=sort_descending,
            id=ids,
            siteId=site_ids,
            externalIdentifier=external_identifiers,
            email=email,
            name=name,
            archived=archived,
            enrolled=enrolled,
            dateOfBirthMin=_date(date_of_birth_min),
            dateOfBirthMax=_date(date_of_birth_max),
            postalCode=postal_code,
            country=country,
        )
        return await self._transport.get_page(Page[Patient], "/patient", params)

    async def get_patient(self, patient_id: int) -> Patient:
        return await self._transport.get(
            Patient, f"/patient/{patient_id}", what=f"patient {patient_id}"
        )

    async def get_patient_by_external_identifier(self, identifier: str) -> Patient:
        """The patient with the customer's own identifier; NotFound when there is none."""
        what = f"patient with identifier {identifier!r}"
        if not identifier.strip():
            raise NotFound(f"Impilo has no {what}.", detail="empty external identifier")
        path = f"/patient/identifier/{quote(identifier, safe='')}"
        return await self._transport.get(Patient, path, what=what)

    async def find_patient_by_email(self, email: str) -> Patient | None:
        """The patient with this email, or None (POST, but a read: retried like a GET)."""
        response = await self._transport.send(
            "POST",
            "/patient/find-by-email",
            body={"email": email},
            retry=self.retry,
            what="patient with that email",
            missing_ok=True,
        )
        if response.status_code == 404 or not response.content.strip():
            return None
        if response.content.strip() == b"null":
            return None
        return self._transport.parse(response, Patient)

    async def patch_patient(self, patient_id: int, change: PatientPatch) -> Patient:
        """Change some of a patient's fields (PATCH: only the fields given change); returns
        the patient as Impilo now holds it. Never retried: a change whose outcome is unknown
        is settled by its caller re-reading the patient (the outbox, docs/architecture.md).
        When `change` lacks the names (which the spec requires on every Patient object, see
        the module doc) they are read from Impilo first."""
        if not (change.first_name and change.last_name):
            try:
                current = await self.get_patient(patient_id)
            except Unreachable as error:
                # Nothing was sent yet, whatever happened to the lookup.
                raise Unreachable(error.message, detail=error.detail, maybe_sent=False) from error
            change = change.model_copy(
                update={
                    "first_name": change.first_name or current.first_name,
                    "last_name": change.last_name or current.last_name,
                }
            )
        response = await self._transport.send(
            "PATCH",
            f"/patient/{patient_id}",
            body=change.to_wire(),
            retry=NO_RETRY,
            what=f"patient {patient_id}",
        )
        changed = self._transport.parse(response, Patient)
        log.info("Changed patient %s", patient_id)
        return changed

    # --- sites, catalog, inventory ----------------------------------------------------------

    async def list_sites(self, page: int = 1, size: int = 100) -> Page[Site]:
        return await self._transport.get_page(Page[Site], "/site", query(page=page, size=size))

    async def check_connection(self) -> None:
        """The lightest authenticated request (one site, never retried): it answers whether
        Impilo can be reached and accepts the key, or raises the `ImpiloError` saying why.
        Not retried so that a dead server is known after one attempt, not after the
        read policy's backoff."""
        await self._transport.send("GET", "/site", params=query(page=1, size=1), retry=NO_RETRY)

    async def get_site(self, site_id: int) -> Site:
        return await self._transport.get(Site, f"/site/{site_id}", what=f"site {site_id}")

    async def list_items(
        self,
        page: int = 1,
        size: int = 100,
        *,
        sort: ItemSort | str | None = None,
        sort_descending: bool | None = None,
        ids: Sequence[int] | None = None,
        name: str | None = None,
        model: str | None = None,
        sku: str | None = None,
        manufacturer_ids: Sequence[int] | None = None,
        item_sizes: Sequence[str] | None = None,
        item_classes: Sequence[str] | None = None,
        reading_types: Sequence[str] | None = None,
    ) -> Page[ItemDetailed]:
        """One page of the account's catalog (no `orderable` filter exists: filter locally)."""
        params = query(
            page=page,
            size=size,
            sort=sort,
            sortDescending=sort_descending,
            id=ids,
            name=name,
            model=model,
            sku=sku,
            itemSize=item_sizes,
            itemClass=item_classes,
            readingType=reading_types,
            manufacturerId=manufacturer_ids,
        )
        return await self._transport.get_page(Page[ItemDetailed], "/item", params)

    async def get_item(self, item_id: int) -> ItemDetailed:
        return await self._transport.get(ItemDetailed, f"/item/{item_id}", what=f"item {item_id}")

    async def list_kits(
        self,
        page: int = 1,
        size: int = 100,
        *,
        item_id: int | None = None,
        archived: bool | None = None,
    ) -> Page[Kit]:
        params = query(page=page, size=size, itemId=item_id, archived=archived)
        return await self._transport.get_page(Page[Kit], "/kit", params)

    async def get_kit(self, kit_id: int) -> Kit:
        return await self._transport.get(Kit, f"/kit/{kit_id}", what=f"kit {kit_id}")

    async def list_manufacturers(self, page: int = 1, size: int = 100) -> Page[Manufacturer]:
        return await self._transport.get_page(
            Page[Manufacturer], "/manufacturer", query(page=page, size=size)
        )

    async def get_manufacturer(self, manufacturer_id: int) -> Manufacturer:
        what = f"manufacturer {manufacturer_id}"
        return await self._transport.get(
            Manufacturer, f"/manufacturer/{manufacturer_id}", what=what
        )

    async def list_inventory(
        self, page: int = 1, size: int = 100, *, item_id: int | None = None
    ) -> Page[InventorySummaryRecord]:
        """Stock per item across all locations."""
        params = query(itemId=item_id, page=page, size=size)
        return await self._transport.get_page(Page[InventorySummaryRecord], "/inventory", params)

    async def list_impilo_inventory(
        self, page: int = 1, size: int = 100, *, item_id: int | None = None
    ) -> Page[InventoryRecord]:
        """Stock per item per Impilo warehouse."""
        params = query(itemId=item_id, page=page, size=size)
        return await self._transport.get_page(Page[InventoryRecord], "/inventory/impilo", params)

    async def list_site_inventory(
        self,
        page: int = 1,
        size: int = 100,
        *,
        item_id: int | None = None,
        site_id: int | None = None,
    ) -> Page[InventoryRecord]:
        """Stock per item per customer site."""
        params = query(itemId=item_id, siteId=site_id, page=page, size=size)
        return await self._transport.get_page(Page[InventoryRecord], "/inventory/site", params)

    # --- paging -----------------------------------------------------------------------------

    async def iterate_pages(
        self,
        list_method: Callable[..., Awaitable[Page[T]]],
        *,
        size: int = 100,
        max_pages: int = MAX_PAGES,
        **filters: Any,
    ) -> AsyncIterator[Page[T]]:
        """Every page of a list, e.g. `iterate_pages(client.list_patients, site_ids=[3])`.

        Stops as `api/paging.py` describes; when the list ended early (a server that ignores
        the page number, repeats a page or never ends), raises UnexpectedResponse after the
        pages that were new.
        """
        name = getattr(list_method, "__name__", "list")
        cursor = PageCursor(size=size, what=name, max_pages=max_pages)

        async def fetch(number: int, page_size: int) -> Page[T]:
            return await list_method(page=number, size=page_size, **filters)

        async for page in walk_pages(fetch, cursor):
            yield page
        if cursor.stop is not None and not cursor.stop.complete:
            raise incomplete_list(cursor)

    async def iterate_all(
        self,
        list_method: Callable[..., Awaitable[Page[T]]],
        *,
        size: int = 100,
        **filters: Any,
    ) -> AsyncIterator[T]:
        """Every object of a list, page after page."""
        async for page in self.iterate_pages(list_method, size=size, **filters):
            for entry in page.content:
                yield entry

    # --- plumbing ---------------------------------------------------------------------------

    async def _with_patient_names(self, recipient: PatientRef, order: OrderCreate) -> OrderCreate:
        """Fill the recipient's names from Impilo (the spec requires them; see module doc).
        A new patient (no id) always carries its names."""
        patient_id = recipient.id
        try:
            patient = await self.get_patient(patient_id)
        except NotFound as error:
            raise RequestRejected(
                f"Impilo has no patient {patient_id}; choose the patient again.",
                detail=error.detail,
                status=error.status,
                server_message=error.message,
            ) from error
        except Unreachable as error:
            # Nothing was posted yet, whatever happened to the lookup.
            raise Unreachable(error.message, detail=error.detail, maybe_sent=False) from error
        ref = PatientRef(
            id=patient_id,
            first_name=recipient.first_name or patient.first_name,
            last_name=recipient.last_name or patient.last_name,
        )
        return order.model_copy(update={"patient": ref})
