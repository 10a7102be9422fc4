"""Writes of the catalog: publishing, review, delisting and sales configuration.

Spec: shared/spec/02-products.md. The services live in modules by subject:

- `products`: the lifecycle of a product (create, submit, approve/reject, revise, edit
  when listed, delist, relist) and the listing fields copied onto the product row;
- `versions`: the content of a draft version, its screenshots, what keeps it from
  review, and copying a version into a new draft;
- `specs`: specs, prices and attributes of a draft, their validation, attribute names;
- `sales`: sales configuration (sales objects, allowlists, credit, regions, inventory);
- `joint`: which approved certification covers a joint product (needed to submit it);
- `exit`: the delisting requests a seller's exit opens, and the operator's action on them.

Callers use this package (`from marketplace.catalog import services`), not the modules.
"""

from .exit import delist_request_fulfil, delist_requests_cancel, delist_requests_open
from .joint import covering_certification
from .products import (
    listed_products_block_exit,
    product_approve,
    product_create,
    product_delist,
    product_edit_listed,
    product_refresh_listing,
    product_reject,
    product_relist,
    product_revise,
    product_submit,
)
from .sales import allowlist_add, allowlist_remove, product_sales_update, spec_sales_set
from .specs import (
    MAX_PRICE,
    MODES_BY_TYPE,
    PERIODS_BY_MODE,
    TRIAL_DAYS_RANGE,
    AttributeInput,
    PriceInput,
    SpecInput,
    attribute_name_create,
    attribute_name_delete,
    spec_as_input,
    spec_delete,
    spec_save,
)
from .versions import (
    FILE_FIELDS,
    MAX_ROWS,
    ROW_FIELDS,
    VERSION_FIELDS,
    product_screenshots_update,
    product_version_update,
    submission_problems,
)

__all__ = [
    "FILE_FIELDS",
    "MAX_PRICE",
    "MAX_ROWS",
    "MODES_BY_TYPE",
    "PERIODS_BY_MODE",
    "TRIAL_DAYS_RANGE",
    "VERSION_FIELDS",
    "AttributeInput",
    "ROW_FIELDS",
    "PriceInput",
    "SpecInput",
    "allowlist_add",
    "allowlist_remove",
    "attribute_name_create",
    "attribute_name_delete",
    "covering_certification",
    "delist_request_fulfil",
    "delist_requests_cancel",
    "delist_requests_open",
    "listed_products_block_exit",
    "product_approve",
    "product_create",
    "product_delist",
    "product_edit_listed",
    "product_refresh_listing",
    "product_reject",
    "product_relist",
    "product_revise",
    "product_sales_update",
    "product_screenshots_update",
    "product_submit",
    "product_version_update",
    "spec_as_input",
    "spec_delete",
    "spec_sales_set",
    "spec_save",
    "submission_problems",
]
