"""Order drafts and the rules they must meet: pure Python, no Qt, no network, no disk.

`OrderDraft` is what the coordinator edits; `validate_draft` says what is wrong with it (a
new patient's fields by `new_patient_rules`, which also judges an address on its own);
`to_order_create` turns a valid draft into the `POST /order` body; `order_to_draft` starts a
reorder; `import_create_json` / `draft_from_create_json` read a request-shaped JSON file;
`CatalogSnapshot` answers the catalog rules from cached items and kits; `large_counts` finds
the counts to confirm before sending; `status` turns order statuses into labels and groups.
"""

from impilo_desktop.domain.catalog import DEVICE_USUAL_COUNT, CatalogSnapshot
from impilo_desktop.domain.convert import order_to_draft, to_order_create
from impilo_desktop.domain.draft import (
    ItemLine,
    KitLine,
    OrderDraft,
    PatientChoice,
    RecipientKind,
    ReturnDevice,
    ReturnItem,
    ReturnPackedKit,
    SiteChoice,
)
from impilo_desktop.domain.importing import DraftImport, draft_from_create_json, import_create_json
from impilo_desktop.domain.large_counts import LargeCount, large_counts
from impilo_desktop.domain.status import StatusGroup, status_group, status_label
from impilo_desktop.domain.validation import (
    MAX_COUNT,
    Catalog,
    DraftInvalid,
    Problem,
    problems_by_row,
    validate_draft,
)

__all__ = [
    "DEVICE_USUAL_COUNT",
    "MAX_COUNT",
    "Catalog",
    "CatalogSnapshot",
    "DraftImport",
    "DraftInvalid",
    "ItemLine",
    "KitLine",
    "LargeCount",
    "OrderDraft",
    "PatientChoice",
    "Problem",
    "RecipientKind",
    "ReturnDevice",
    "ReturnItem",
    "ReturnPackedKit",
    "SiteChoice",
    "StatusGroup",
    "draft_from_create_json",
    "import_create_json",
    "large_counts",
    "order_to_draft",
    "problems_by_row",
    "status_group",
    "status_label",
    "to_order_create",
    "validate_draft",
]
