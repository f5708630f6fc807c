"""What the spreadsheet import's sync tests share: a store whose cache holds the sandbox's
lists but only some of its patients, a client that fails at once, small files."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.models import Patient
from impilo_desktop.api.retry import RetryPolicy
from impilo_desktop.domain import OrderDraft, PatientChoice
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.store import ReferenceKind, Store
from impilo_desktop.sync import ReferenceRefresher
from impilo_desktop.sync.order_import import ImportPreview, OrderStanding

# Seeded sandbox patients (docs: impilo_desktop/sandbox/seed.py): cached ones and one that
# only Impilo knows.
CACHED = (10001, 10002, 10003)
MRN_OF_10002 = "MRN-575667"
ONLY_ON_IMPILO = 10010
ONLY_ON_IMPILO_MRN = "MRN-021861"
NOBODY = 99_999_999

HEADER = "order_ref,patient_id,patient_external_id,sku,kit_name,count,note\n"


def client_of(sandbox: SandboxServer) -> ImpiloClient:
    # One attempt, no waits: an unreachable sandbox fails at once.
    return ImpiloClient(sandbox.base_url, sandbox.api_key, retry=RetryPolicy(max_attempts=1))


async def fill_cache(store: Store, sandbox: SandboxServer, patients: tuple[int, ...]) -> None:
    """Sites, items and kits as a refresh leaves them, and only `patients` of the patients."""
    await ReferenceRefresher(store, lambda: client_of(sandbox)).refresh(
        [ReferenceKind.SITE, ReferenceKind.ITEM, ReferenceKind.KIT]
    )
    async with client_of(sandbox) as client:
        found: list[Patient] = [await client.get_patient(pid) for pid in patients]
    store.store_reference_page(ReferenceKind.PATIENT, found)


@asynccontextmanager
async def cached_lists_client(sandbox: SandboxServer, store: Store) -> AsyncIterator[ImpiloClient]:
    """A client of the sandbox, once the store has the lists with `CACHED` patients only."""
    await fill_cache(store, sandbox, CACHED)
    async with client_of(sandbox) as opened:
        yield opened


def queued_with_ref(store: Store, server: str, ref: str) -> int:
    draft = OrderDraft(external_order_ids=[ref])
    draft.set_patient(PatientChoice(id=10001, first_name="Jacqueline", last_name="Moreno"))
    draft.add_item(1001, 1, name="Upper Arm Blood Pressure Monitor")
    return store.enqueue(draft, server=server).entry_id


def standings(preview: ImportPreview) -> dict[str | None, OrderStanding]:
    return {order.ref: order.standing for order in preview.orders}
