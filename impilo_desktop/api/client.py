"""The typed async client for Impilo API v3 (the only module that imports httpx).

Every failure comes out as an `ImpiloError` subclass (see errors.py) with a plain-language
message and a log detail; the API key appears in neither, nor in `repr` or any log line.

Reads (GET, and the read-only POST /patient/find-by-email) are retried on network errors, 429
and 5xx following a `RetryPolicy`. `create_order` and `void_order` are never retried here: a
create whose outcome is unknown must first be reconciled by its client reference, which is the
outbox's job (DESIGN 2).

Patient names on create: Impilo's published schema marks `firstName`/`lastName` required on
every Patient object, including the one inside a create-order body, although the server only
reads the id. The domain fills `PatientRef` from the patient the coordinator picked; when a
caller leaves the names out, `create_order` looks the patient up first (a retried read, before
anything is posted) and sends the names Impilo itself holds, so every body we send conforms.
"""

from __future__ import annotations

import asyncio
import json
import logging
import platform
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import date, datetime
from enum import Enum
from types import TracebackType
from typing import Any, Final, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from impilo_desktop import __version__
from impilo_desktop.api.errors import (
    AuthenticationError,
    ImpiloError,
    NotFound,
    RateLimited,
    RequestRejected,
    ServerError,
    UnexpectedResponse,
    Unreachable,
)
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
    PatientRef,
    PatientSort,
    Site,
)
from impilo_desktop.api.retry import NO_RETRY, RetryPolicy, parse_retry_after
from impilo_desktop.config import BUILTIN_BASE_URLS, PRODUCTION, STAGING, normalize_base_url

log = logging.getLogger(__name__)

PRODUCTION_URL: Final = BUILTIN_BASE_URLS[PRODUCTION]
STAGING_URL: Final = BUILTIN_BASE_URLS[STAGING]
API_PREFIX: Final = "/api/v3"
USER_AGENT: Final = (
    f"impilo-desktop/{__version__} ({platform.system() or 'unknown'} {platform.machine()}; "
    f"Python {platform.python_version()})"
)
JSON: Final = "application/json"
PDF: Final = "application/pdf"
# Longest server text kept in a user message / in a log detail.
MESSAGE_LIMIT: Final = 300
EXCERPT_LIMIT: Final = 500
# iterate_pages gives up (loudly) after this many pages: a server that never says `last`.
MAX_PAGES: Final = 10_000

# Validate this many objects of a page between two yields to the event loop (DESIGN 3).
PARSE_CHUNK: Final = 10

M = TypeVar("M", bound=BaseModel)
P = TypeVar("P", bound=Page[Any])
T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
QueryValue = str | int | bool | date | Enum | Sequence[str] | Sequence[int] | None


def _query(**values: QueryValue) -> httpx.QueryParams:
    """Query pairs as Impilo reads them: arrays repeat the key, booleans are true/false,
    dates YYYY-MM-DD, enums their wire value; None leaves the parameter out."""
    pairs: list[tuple[str, str | int | float | bool | None]] = []
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, str | int | bool | date | Enum):
            pairs.append((key, _scalar(value)))
        else:
            pairs.extend((key, _scalar(v)) for v in value)
    return httpx.QueryParams(pairs)


def _scalar(value: str | int | bool | date | Enum) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _date(value: date | str | None) -> date | None:
    """A date filter; strings must be YYYY-MM-DD (or start with it), else ValueError."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value.strip()[:10])


def _excerpt(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def server_message(body: bytes) -> str:
    """What the server said in an error body (format undocumented): a `message`, `error` or
    `detail` field of a JSON object when there is one, else the raw text."""
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return ""
    try:
        parsed: Any = json.loads(text)
    except ValueError:
        # An HTML error page (a proxy, a load balancer) means nothing to a coordinator; the
        # log detail keeps the excerpt.
        return "" if text.startswith("<") else _excerpt(text, MESSAGE_LIMIT)
    found = _message_in(parsed)
    return _excerpt(found if found else text, MESSAGE_LIMIT)


def _message_in(value: Any, depth: int = 0) -> str:
    if isinstance(value, str):
        return value
    if depth > 3:
        return ""
    if isinstance(value, list):
        parts = [_message_in(v, depth + 1) for v in value]
        return "; ".join(p for p in parts if p)
    if isinstance(value, dict):
        for key in ("message", "error", "detail", "errors", "msg", "title"):
            found = _message_in(value.get(key), depth + 1)
            if found:
                code = value.get("code")
                if isinstance(code, str) and code and code not in found:
                    return f"{found} ({code})"
                return found
        code = value.get("code")
        if isinstance(code, str):
            return code
    return ""


def _validation_summary(error: ValidationError) -> str:
    """Where the body went wrong, without the values (they may be patient data)."""
    lines = [
        f"{'.'.join(str(p) for p in e['loc']) or '<body>'}: {e['msg']}"
        for e in error.errors(include_input=False, include_url=False)[:5]
    ]
    more = error.error_count() - len(lines)
    return "; ".join(lines) + (f"; and {more} more" if more > 0 else "")


async def parse_page(body: bytes, page_model: type[P], *, chunk: int = PARSE_CHUNK) -> P:
    """A list response, one object at a time, yielding to the loop every `chunk` objects.

    One `model_validate_json` over a 250-order page holds the interpreter for tens of
    milliseconds (docs/performance.md); piece by piece no step is long, so the UI thread and
    other tasks get their turn. Raises ValueError (bad JSON, not a page, a bad object).
    """
    data: Any = json.loads(body)
    if not isinstance(data, dict):
        raise ValueError(f"a page is a JSON object, not {type(data).__name__}")
    raw_items = data.get("content")
    if raw_items is None:
        return page_model.model_validate(data)
    if not isinstance(raw_items, list):
        raise ValueError(f"content is {type(raw_items).__name__}, not a list")
    item_model: type[BaseModel] = page_model.__pydantic_generic_metadata__["args"][0]
    items: list[BaseModel] = []
    for number, raw in enumerate(raw_items, start=1):
        try:
            items.append(item_model.model_validate(raw))
        except ValidationError as error:
            raise ValueError(f"content[{number - 1}]: {_validation_summary(error)}") from None
        if number % chunk == 0:
            await asyncio.sleep(0)
    # Validated objects pass through the envelope's validation as they are.
    return page_model.model_validate({**data, "content": items})


class ImpiloClient:
    """Async client for one Impilo account; use `async with ImpiloClient(url, key) as c:`.

    `base_url` is a host root (`PRODUCTION_URL`, `STAGING_URL`, a loopback sandbox); the
    client adds `/api/v3`. `transport` replaces the network (tests); `sleep` replaces the wait
    between retries (tests pass a recorder instead of waiting).
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 15.0,
        connect_timeout: float = 5.0,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep | None = None,
    ) -> None:
        self.base_url = normalize_base_url(base_url)
        self.retry = retry or RetryPolicy()
        self._api_key = api_key.strip()
        self._sleep: Sleep = sleep or asyncio.sleep
        self._http = httpx.AsyncClient(
            base_url=self.base_url + API_PREFIX,
            headers={"Accept": JSON, "User-Agent": USER_AGENT},
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            transport=transport,
            follow_redirects=False,
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
        await self._http.aclose()

    # --- orders ---------------------------------------------------------------------------

    async def create_order(self, order: OrderCreate) -> Order:
        """Place an order. Never retried: after `Unreachable(maybe_sent=True)`, a 5xx or an
        `UnexpectedResponse` the order may exist; look it up by client reference first."""
        if order.patient is not None and not (order.patient.first_name and order.patient.last_name):
            order = await self._with_patient_names(order)
        response = await self._send(
            "POST", "/order", body=order.to_wire(), retry=NO_RETRY, what="the order"
        )
        created = self._parse(response, Order)
        if created.id is None:
            raise UnexpectedResponse(
                "Impilo accepted the order but did not say its number; it will be checked.",
                detail=self._detail(response, "order response has no id"),
            )
        log.info("Created order %s", created.id)
        return created

    async def list_orders(
        self,
        page: int = 1,
        size: int = 50,
        patient_id: int | None = None,
        external_order_ids: Sequence[str] | None = None,
    ) -> Page[Order]:
        """One page of orders; only patient and client-reference filters exist (api 2.2)."""
        params = _query(
            page=page, size=size, patientId=patient_id, externalOrderId=external_order_ids
        )
        return await self._get_page(Page[Order], "/order", params)

    async def get_order(self, order_id: int) -> Order:
        return await self._get(Order, f"/order/{order_id}", what=f"order {order_id}")

    async def void_order(self, order_id: int) -> None:
        """Cancel an order (DELETE, 204). Never retried."""
        await self._send("DELETE", f"/order/{order_id}", retry=NO_RETRY, what=f"order {order_id}")

    async def order_summary_pdf(self, order_id: int) -> bytes:
        """The order summary as PDF bytes."""
        path = f"/order/summary/{order_id}"
        response = await self._send("GET", path, accept=PDF, what=f"order {order_id}")
        content = response.content
        if not content.lstrip()[:5] == b"%PDF-":
            raise UnexpectedResponse(
                "Impilo did not send a PDF for this order.",
                detail=self._detail(
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
        params = _query(
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
        return await self._get_page(Page[Patient], "/patient", params)

    async def get_patient(self, patient_id: int) -> Patient:
        return await self._get(Patient, f"/patient/{patient_id}", what=f"patient {patient_id}")

    async def get_patient_by_external_identifier(self, identifier: str) -> Patient:
        """The patient with the customer's own identifier; NotFound when there is none."""
        what = f"patient with identifier {identifier!r}"
        if not identifier.strip():
            raise NotFound(f"Impilo has no {what}.", detail="empty external identifier")
        path = f"/patient/identifier/{quote(identifier, safe='')}"
        return await self._get(Patient, path, what=what)

    async def find_patient_by_email(self, email: str) -> Patient | None:
        """The patient with this email, or None (POST, but a read: retried like a GET)."""
        response = await self._send(
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
        return self._parse(response, Patient)

    # --- sites, catalog, inventory ----------------------------------------------------------

    async def list_sites(self, page: int = 1, size: int = 100) -> Page[Site]:
        return await self._get_page(Page[Site], "/site", _query(page=page, size=size))

    async def get_site(self, site_id: int) -> Site:
        return await self._get(Site, f"/site/{site_id}", what=f"site {site_id}")

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
        params = _query(
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
        return await self._get_page(Page[ItemDetailed], "/item", params)

    async def get_item(self, item_id: int) -> ItemDetailed:
        return await self._get(ItemDetailed, f"/item/{item_id}", what=f"item {item_id}")

    async def list_kits(
        self,
        page: int = 1,
        size: int = 100,
        *,
        item_id: int | None = None,
        archived: bool | None = None,
    ) -> Page[Kit]:
        params = _query(page=page, size=size, itemId=item_id, archived=archived)
        return await self._get_page(Page[Kit], "/kit", params)

    async def get_kit(self, kit_id: int) -> Kit:
        return await self._get(Kit, f"/kit/{kit_id}", what=f"kit {kit_id}")

    async def list_manufacturers(self, page: int = 1, size: int = 100) -> Page[Manufacturer]:
        return await self._get_page(
            Page[Manufacturer], "/manufacturer", _query(page=page, size=size)
        )

    async def get_manufacturer(self, manufacturer_id: int) -> Manufacturer:
        what = f"manufacturer {manufacturer_id}"
        return await self._get(Manufacturer, f"/manufacturer/{manufacturer_id}", what=what)

    async def list_inventory(
        self, page: int = 1, size: int = 100, *, item_id: int | None = None
    ) -> Page[InventorySummaryRecord]:
        """Stock per item across all locations."""
        params = _query(itemId=item_id, page=page, size=size)
        return await self._get_page(Page[InventorySummaryRecord], "/inventory", params)

    async def list_impilo_inventory(
        self, page: int = 1, size: int = 100, *, item_id: int | None = None
    ) -> Page[InventoryRecord]:
        """Stock per item per Impilo warehouse."""
        params = _query(itemId=item_id, page=page, size=size)
        return await self._get_page(Page[InventoryRecord], "/inventory/impilo", params)

    async def list_site_inventory(
        self,
        page: int = 1,
        size: int = 100,
        *,
        item_id: int | None = None,
        site_id: int | None = None,
    ) -> Page[InventoryRecord]:
        """Stock per item per customer site."""
        params = _query(itemId=item_id, siteId=site_id, page=page, size=size)
        return await self._get_page(Page[InventoryRecord], "/inventory/site", params)

    # --- paging -----------------------------------------------------------------------------

    async def iterate_pages(
        self,
        list_method: Callable[..., Awaitable[Page[T]]],
        *,
        size: int = 100,
        **filters: Any,
    ) -> AsyncIterator[Page[T]]:
        """Every page of a list, e.g. `iterate_pages(client.list_patients, site_ids=[3])`.

        Stops on `last`, on an empty page, or once `total` objects have been seen, whichever
        comes first; raises UnexpectedResponse if the server ignores the page number or the
        list never ends.
        """
        seen = 0
        for number in range(1, MAX_PAGES + 1):
            page = await list_method(page=number, size=size, **filters)
            given = page.model_fields_set
            if "page" in given and page.page != number:
                raise UnexpectedResponse(
                    "Impilo sent the wrong page of a list.",
                    detail=f"asked for page {number}, got page {page.page}",
                )
            yield page
            seen += len(page.content)
            if page.last or not page.content:
                return
            if "total" in given and (
                seen >= page.total or ("size" in given and number * page.size >= page.total)
            ):
                return
        raise UnexpectedResponse(
            "Impilo sent a list that never ends.", detail=f"stopped after {MAX_PAGES} pages"
        )

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

    async def _with_patient_names(self, order: OrderCreate) -> OrderCreate:
        """Fill the recipient's names from Impilo (the spec requires them; see module doc)."""
        assert order.patient is not None
        patient_id = order.patient.id
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
            first_name=order.patient.first_name or patient.first_name,
            last_name=order.patient.last_name or patient.last_name,
        )
        return order.model_copy(update={"patient": ref})

    async def _get(
        self,
        model: type[M],
        path: str,
        params: httpx.QueryParams | None = None,
        *,
        what: str | None = None,
    ) -> M:
        response = await self._send("GET", path, params=params, what=what)
        return self._parse(response, model)

    async def _get_page(self, page_model: type[P], path: str, params: httpx.QueryParams) -> P:
        response = await self._send("GET", path, params=params)
        try:
            return await parse_page(response.content, page_model)
        except ValidationError as error:
            problem = f"{page_model.__name__}: {_validation_summary(error)}"
        except ValueError as error:  # also json.JSONDecodeError
            problem = f"{page_model.__name__}: {error}"
        raise self._unexpected(response, problem)

    def _unexpected(self, response: httpx.Response, problem: str) -> UnexpectedResponse:
        unexpected = UnexpectedResponse(
            detail=self._detail(response, problem), status=response.status_code
        )
        log.warning("%s", unexpected.detail)
        return unexpected

    def _parse(self, response: httpx.Response, model: type[M]) -> M:
        if not response.content.strip():
            problem = "empty body"
        else:
            try:
                return model.model_validate_json(response.content)
            except ValidationError as error:
                problem = f"{model.__name__}: {_validation_summary(error)}"
        raise self._unexpected(response, problem)

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: httpx.QueryParams | None = None,
        body: dict[str, Any] | None = None,
        accept: str = JSON,
        retry: RetryPolicy | None = None,
        what: str | None = None,
        missing_ok: bool = False,
    ) -> httpx.Response:
        """One logical request: attempts, waits and error mapping; returns a 2xx response
        (or a 404 when `missing_ok`)."""
        policy = retry or self.retry
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._attempt(method, path, params, body, accept, what, missing_ok)
            except ImpiloError as error:
                if not error.retryable or attempt >= policy.max_attempts:
                    raise
                wait = policy.delay(attempt, getattr(error, "retry_after", None))
                log.warning(
                    "%s %s: %s; attempt %d of %d, trying again in %.2f s",
                    method,
                    self._path(path),
                    type(error).__name__,
                    attempt,
                    policy.max_attempts,
                    wait,
                )
                await self._sleep(wait)

    async def _attempt(
        self,
        method: str,
        path: str,
        params: httpx.QueryParams | None,
        body: dict[str, Any] | None,
        accept: str,
        what: str | None,
        missing_ok: bool,
    ) -> httpx.Response:
        if not self._api_key:
            raise AuthenticationError("No API key is set; enter one in Settings.")
        if not self._api_key.isascii() or not self._api_key.isprintable():
            raise AuthenticationError(
                "The API key contains characters an API key cannot have; enter it again."
            )
        started = time.monotonic()
        try:
            response = await self._http.request(
                method,
                path,
                params=params,
                json=body,
                headers={"Accept": accept, "Impilo-API-Key": self._api_key},
            )
        except httpx.HTTPError as exc:
            error = self._network_error(method, path, exc)
            log.warning("%s", error.detail)
            raise error from None
        elapsed_ms = (time.monotonic() - started) * 1000
        status = response.status_code
        log.debug("%s %s -> %d in %.0f ms", method, self._path(path), status, elapsed_ms)
        if 200 <= status < 300 or (missing_ok and status == 404):
            return response
        error = self._status_error(response, what)
        log.log(logging.INFO if status == 404 else logging.WARNING, "%s", error.detail)
        raise error

    def _status_error(self, response: httpx.Response, what: str | None) -> ImpiloError:
        status = response.status_code
        detail = self._detail(response)
        said = self._redact(server_message(response.content))
        if status in (401, 403):
            return AuthenticationError(detail=detail, status=status)
        if status == 404:
            return NotFound(f"Impilo has no {what}." if what else None, detail=detail, status=404)
        if status == 429:
            return RateLimited(
                detail=detail,
                status=429,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if status >= 500:
            return ServerError(
                f"Impilo is having trouble right now (HTTP {status}); trying again shortly.",
                detail=detail,
                status=status,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if 300 <= status < 400:
            return UnexpectedResponse(
                "Impilo sent the app elsewhere; check the server address in Settings.",
                detail=detail,
                status=status,
            )
        # 400, 409, 422 and any other refusal: the server said no to this request as sent.
        message = (
            f"Impilo rejected the request: {said}"
            if said
            else (f"Impilo rejected the request (HTTP {status}).")
        )
        return RequestRejected(message, detail=detail, status=status, server_message=said)

    def _network_error(self, method: str, path: str, exc: httpx.HTTPError) -> ImpiloError:
        reason = self._redact(f"{type(exc).__name__}: {exc}".rstrip(": "))
        detail = f"{method} {self._path(path)}: {reason}"
        if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
            return Unreachable(
                "Impilo did not answer the connection in time. Check the network connection.",
                detail=detail,
                maybe_sent=False,
            )
        if isinstance(exc, httpx.ConnectError):
            if "CERTIFICATE" in str(exc).upper():
                return Unreachable(
                    "The connection to Impilo is not secure (certificate problem); check the"
                    " server address and the computer's date and time.",
                    detail=detail,
                    maybe_sent=False,
                )
            return Unreachable(detail=detail, maybe_sent=False)
        if isinstance(exc, httpx.UnsupportedProtocol | httpx.LocalProtocolError):
            # Refused on our side before anything went out.
            return Unreachable(
                "The request to Impilo could not be sent; check the server address.",
                detail=detail,
                maybe_sent=False,
            )
        if isinstance(exc, httpx.TimeoutException):
            return Unreachable(
                "Impilo did not answer in time. Check the network connection.",
                detail=detail,
                maybe_sent=True,
            )
        if isinstance(exc, httpx.DecodingError):
            return UnexpectedResponse(detail=detail)
        # Resets, broken connections, a server closing mid-answer: it may have been received.
        return Unreachable(detail=detail, maybe_sent=True)

    def _detail(self, response: httpx.Response, note: str = "") -> str:
        request = response.request
        body = self._redact(_excerpt(response.content.decode("utf-8", "replace"), EXCERPT_LIMIT))
        parts = [f"{request.method} {self._path(request.url.path)} -> HTTP {response.status_code}"]
        if note:
            parts.append(self._redact(note))
        if body:
            parts.append(f"body: {body}")
        return "; ".join(parts)

    def _path(self, path: str) -> str:
        return path if path.startswith(API_PREFIX) else API_PREFIX + path

    def _redact(self, text: str) -> str:
        """Belt and braces: a server that echoes the key back must not get it into a log."""
        return text.replace(self._api_key, "[API key]") if self._api_key else text
