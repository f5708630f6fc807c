"""The aiohttp application: `/api/v3` routes, API-key check, JSON errors, fault injection, and
the `/_sandbox` admin routes used by tests and demos.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import math
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from impilo_desktop.sandbox import listing
from impilo_desktop.sandbox.creates import CreatesInFlight
from impilo_desktop.sandbox.errors import ApiError, bad_request
from impilo_desktop.sandbox.faults import Faults
from impilo_desktop.sandbox.pdf import order_summary_pdf
from impilo_desktop.sandbox.query import (
    optional_int,
    page_envelope,
    paging,
    str_list,
    whole_number,
)
from impilo_desktop.sandbox.seed import JsonDict, iso
from impilo_desktop.sandbox.state import SandboxState

API = "/api/v3"
KEY_HEADER = "Impilo-API-Key"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

STATE_KEY = web.AppKey("state", SandboxState)
FAULTS_KEY = web.AppKey("faults", Faults)
CREATES_KEY = web.AppKey("creates", CreatesInFlight)
API_KEY_KEY = web.AppKey("api_key", str)


def json_response(body: Any, status: int = 200) -> web.Response:
    return web.Response(
        body=json.dumps(body, separators=(",", ":")).encode(),
        status=status,
        content_type="application/json",
    )


def error_response(error: ApiError) -> web.Response:
    response = json_response(error.body(), status=error.status)
    response.headers.update(error.headers)
    return response


def _drop(request: web.Request) -> web.Response:
    """Close the socket without a response (what a crashed proxy or a lost network looks like).

    The returned response is never written: the transport is gone, and aiohttp drops it quietly.
    """
    transport = request.transport
    if transport is not None:
        transport.abort()
    return web.Response(status=204)


async def _trickle(
    request: web.Request, response: web.Response, seconds: float
) -> web.StreamResponse:
    """Send the body in small pieces spread over `seconds`."""
    body = bytes(response.body) if isinstance(response.body, bytes | bytearray) else b""
    slow = web.StreamResponse(status=response.status, headers=response.headers)
    slow.content_length = len(body)
    await slow.prepare(request)
    pieces = max(1, min(20, len(body)))
    step = math.ceil(len(body) / pieces) if body else 0
    for n in range(pieces):
        await asyncio.sleep(seconds / pieces)
        await slow.write(body[n * step : (n + 1) * step])
    await slow.write_eof()
    return slow


def _authorized(request: web.Request) -> bool:
    sent = request.headers.get(KEY_HEADER, "")
    expected = request.app[API_KEY_KEY]
    return bool(sent) and hmac.compare_digest(sent.encode(), expected.encode())


@web.middleware
async def api_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Counts the creates in flight around `_api` (below)."""
    if request.method != "POST" or request.path != f"{API}/order":
        return await _api(request, handler)
    creates = request.app[CREATES_KEY]
    creates.started()
    try:
        return await _api(request, handler)
    finally:
        creates.ended()


async def _api(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Faults (on /api/v3 only), then the key check, then the route, with JSON errors."""
    is_api = request.path.startswith(API + "/") or request.path == API
    faults = request.app[FAULTS_KEY]
    chosen = (
        faults.draw(request.method == "POST" and request.path == f"{API}/order")
        if is_api
        else set()
    )
    try:
        if is_api and faults.latency > 0:
            await asyncio.sleep(faults.latency)
        if "drop" in chosen:
            return _drop(request)
        if "ratelimit" in chosen:
            error = ApiError(429, "rate_limited", "Too many requests; slow down and retry.")
            limited = error_response(error)
            limited.headers["Retry-After"] = str(math.ceil(faults.retry_after))
            return limited
        if "error" in chosen:
            return error_response(
                ApiError(503, "service_unavailable", "The service is temporarily unavailable.")
            )
        if (is_api or request.path.startswith("/_sandbox")) and not _authorized(request):
            raise ApiError(
                401, "unauthorized", f"Missing or invalid API key (send the {KEY_HEADER} header)."
            )
        try:
            response: web.StreamResponse = await handler(request)
        except web.HTTPNotFound:
            raise ApiError(404, "not_found", f"No such endpoint: {request.path}.") from None
        except web.HTTPMethodNotAllowed as refused:
            # RFC 9110: a 405 lists what the path does accept.
            allowed = ", ".join(sorted(refused.allowed_methods))
            raise ApiError(
                405,
                "method_not_allowed",
                f"{request.method} is not supported on {request.path} (use {allowed}).",
                headers={"Allow": allowed},
            ) from None
        except web.HTTPException as error:
            # aiohttp's own refusals (e.g. 413 for a huge body) get the same JSON shape.
            code = error.reason.lower().replace(" ", "_")
            raise ApiError(error.status, code, f"{error.reason}.") from None
    except ApiError as error:
        response = error_response(error)
    if "drop_after_create" in chosen and response.status == 200:
        return _drop(request)  # the order exists, but the client never hears about it
    if not isinstance(response, web.Response):
        return response
    if "malformed" in chosen and response.content_type == "application/json":
        body = bytes(response.body) if isinstance(response.body, bytes | bytearray) else b"{}"
        response = web.Response(
            body=body[: max(1, len(body) // 2)], status=response.status,
            content_type="application/json",
        )  # fmt: skip
    if "slow" in chosen:
        return await _trickle(request, response, faults.slow_body_seconds or 1.0)
    return response


# Longer than any int64 (sign included): such a number is out of every range the API declares.
_LONGEST_INT = 20
_BEYOND_INT64 = 2**64


def _json_int(text: str) -> int:
    """JSON integers, but a huge one stands in as a value just past int64: Python refuses to
    convert over 4,300 digits, and the rules only need to see that it is out of range."""
    if len(text) <= _LONGEST_INT:
        return int(text)
    return -_BEYOND_INT64 if text.startswith("-") else _BEYOND_INT64


async def _json_body(request: web.Request) -> Any:
    raw = await request.read()
    try:
        return json.loads(raw, parse_int=_json_int)
    except (ValueError, UnicodeDecodeError):
        raise bad_request("malformed_json", "The request body is not valid JSON.") from None


def _path_id(request: web.Request, name: str) -> int:
    """A path id (int64). The route pattern admits only ASCII digits, so a word such as
    `find-by-email` never reaches an id route; a number past int64 is a 400 naming `name`."""
    return whole_number(request.match_info[name], name)


# --- orders -----------------------------------------------------------------------------------


async def list_orders(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    page, size = paging(request.query)
    patient_id = optional_int(request.query, "patientId")
    external = str_list(request.query, "externalOrderId")
    total, ids = state.order_ids(patient_id, external)
    content = state.orders_page(page, size, ids)
    return json_response(page_envelope(content, page, size, total))


async def create_order(request: web.Request) -> web.Response:
    body = await _json_body(request)
    return json_response(request.app[STATE_KEY].create_order(body))


async def get_order(request: web.Request) -> web.Response:
    return json_response(request.app[STATE_KEY].order(_path_id(request, "orderId")))


async def void_order(request: web.Request) -> web.Response:
    request.app[STATE_KEY].void_order(_path_id(request, "orderId"))
    return web.Response(status=204)


async def order_summary(request: web.Request) -> web.Response:
    order = request.app[STATE_KEY].order(_path_id(request, "orderId"))
    return web.Response(body=order_summary_pdf(order), content_type="application/pdf")


# --- patients, sites, catalog, inventory ------------------------------------------------------


def _seed_route(
    fn: Callable[..., JsonDict], param: str | None = None
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """A GET route over the seed: a list (query) or a fetch by the path parameter `param`."""

    async def route(request: web.Request) -> web.Response:
        seed = request.app[STATE_KEY].seed
        if param is None:
            return json_response(fn(seed, request.query))
        return json_response(fn(seed, _path_id(request, param)))

    return route


# Patients are read under the state's lock: orders create them and PUT/PATCH change them.


async def list_patients(request: web.Request) -> web.Response:
    query = request.query
    found = request.app[STATE_KEY].read_patients(lambda p: listing.list_patients(p, query))
    return json_response(found)


async def get_patient(request: web.Request) -> web.Response:
    return json_response(request.app[STATE_KEY].patient_json(_path_id(request, "patientId")))


async def patient_by_identifier(request: web.Request) -> web.Response:
    identifier = request.match_info["identifier"]
    state = request.app[STATE_KEY]
    found = state.read_patients(lambda p: listing.patient_by_identifier(p, identifier))
    return json_response(found)


async def patient_by_email(request: web.Request) -> web.Response:
    body = await _json_body(request)
    found = request.app[STATE_KEY].read_patients(lambda p: listing.patient_by_email(p, body))
    return json_response(found)


async def put_patient(request: web.Request) -> web.Response:
    body = await _json_body(request)
    pid = _path_id(request, "patientId")
    return json_response(request.app[STATE_KEY].change_patient(pid, body, partial=False))


async def patch_patient(request: web.Request) -> web.Response:
    body = await _json_body(request)
    pid = _path_id(request, "patientId")
    return json_response(request.app[STATE_KEY].change_patient(pid, body, partial=True))


# --- admin (outside /api/v3; tests and demos only) --------------------------------------------


async def admin_advance(request: web.Request) -> web.Response:
    try:
        seconds = float(request.query.get("seconds", "0"))
    except ValueError:
        raise bad_request("invalid_parameter", "seconds must be a number.") from None
    if not math.isfinite(seconds) or seconds < 0:
        raise bad_request("invalid_parameter", "seconds must be zero or more.")
    state = request.app[STATE_KEY]
    state.advance_time(seconds)
    return json_response({"now": iso(state.now())})


async def admin_needs_action(request: web.Request) -> web.Response:
    """`?orderId=N&status=reconfirmAddress[&note=...]`: that order needs the coordinator now."""
    order_id = whole_number(request.query.get("orderId", ""), "orderId")
    status = request.query.get("status", "")
    note = request.query.get("note") or None
    return json_response(request.app[STATE_KEY].put_in_needs_action(order_id, status, note))


async def admin_faults(request: web.Request) -> web.Response:
    faults = request.app[FAULTS_KEY]
    if request.method == "POST":
        body = await _json_body(request)
        spec = body.get("spec") if isinstance(body, dict) else None
        if not isinstance(spec, str):
            raise bad_request("invalid_body", 'Send {"spec": "error=0.1,latency=0.05"}.')
        try:
            parsed = Faults.parse(spec)
        except ValueError as error:
            raise bad_request("invalid_faults", str(error)) from None
        faults.clear()
        for name in ("latency", "error_rate", "rate_limit_rate", "retry_after", "drop_rate",
                     "drop_after_create_rate", "slow_body_seconds", "malformed_rate"):  # fmt: skip
            setattr(faults, name, getattr(parsed, name))
    return json_response({"spec": faults.spec()})


async def admin_creates(request: web.Request) -> web.Response:
    """The creates in flight now and the most at once (`POST` starts counting the most anew)."""
    creates = request.app[CREATES_KEY]
    if request.method == "POST":
        creates.reset()
    return json_response(creates.as_json())


async def admin_patient_changes(request: web.Request) -> web.Response:
    """How many PUT/PATCH requests changed the patient and how many changed nothing."""
    pid = _path_id(request, "patientId")
    count = request.app[STATE_KEY].patient_changes(pid)
    return json_response({"patientId": pid, "changed": count.changed, "unchanged": count.unchanged})


def build_app(
    state: SandboxState, faults: Faults, api_key: str, creates: CreatesInFlight | None = None
) -> web.Application:
    """A fresh application over shared state (one per listener start)."""
    app = web.Application(middlewares=[api_middleware], client_max_size=4 * 1024 * 1024)
    app[STATE_KEY] = state
    app[FAULTS_KEY] = faults
    app[CREATES_KEY] = creates if creates is not None else CreatesInFlight()
    app[API_KEY_KEY] = api_key

    def by_id(name: str) -> str:
        # ASCII digits only (`\d` would take other scripts' digits too): a literal segment
        # such as `find-by-email` or `summary` never lands in an id route.
        return f"{{{name}:[0-9]+}}"

    order_id = by_id("orderId")
    app.router.add_get(f"{API}/order", list_orders)
    app.router.add_post(f"{API}/order", create_order)
    app.router.add_get(f"{API}/order/summary/{order_id}", order_summary)
    app.router.add_get(f"{API}/order/{order_id}", get_order)
    app.router.add_delete(f"{API}/order/{order_id}", void_order)
    patient_id = by_id("patientId")
    app.router.add_get(f"{API}/patient", list_patients)
    app.router.add_post(f"{API}/patient/find-by-email", patient_by_email)
    app.router.add_get(f"{API}/patient/identifier/{{identifier}}", patient_by_identifier)
    app.router.add_get(f"{API}/patient/{patient_id}", get_patient)
    app.router.add_put(f"{API}/patient/{patient_id}", put_patient)
    app.router.add_patch(f"{API}/patient/{patient_id}", patch_patient)
    app.router.add_get(f"{API}/site", _seed_route(listing.list_sites))
    app.router.add_get(f"{API}/site/{by_id('siteId')}", _seed_route(listing.get_site, "siteId"))
    app.router.add_get(f"{API}/item", _seed_route(listing.list_items))
    app.router.add_get(f"{API}/item/{by_id('itemId')}", _seed_route(listing.get_item, "itemId"))
    app.router.add_get(f"{API}/kit", _seed_route(listing.list_kits))
    app.router.add_get(f"{API}/kit/{by_id('kitId')}", _seed_route(listing.get_kit, "kitId"))
    app.router.add_get(f"{API}/manufacturer", _seed_route(listing.list_manufacturers))
    app.router.add_get(
        f"{API}/manufacturer/{by_id('manufacturerId')}",
        _seed_route(listing.get_manufacturer, "manufacturerId"),
    )
    app.router.add_get(f"{API}/inventory", _seed_route(listing.inventory_summary))
    app.router.add_get(f"{API}/inventory/impilo", _seed_route(listing.inventory_impilo))
    app.router.add_get(f"{API}/inventory/site", _seed_route(listing.inventory_sites))
    app.router.add_post("/_sandbox/advance", admin_advance)
    app.router.add_post("/_sandbox/needs-action", admin_needs_action)
    app.router.add_get("/_sandbox/faults", admin_faults)
    app.router.add_post("/_sandbox/faults", admin_faults)
    app.router.add_get("/_sandbox/creates", admin_creates)
    app.router.add_post("/_sandbox/creates", admin_creates)
    app.router.add_get(f"/_sandbox/patients/{patient_id}/changes", admin_patient_changes)
    return app
