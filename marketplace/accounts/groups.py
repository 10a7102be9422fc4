"""The operator groups (README › Operators: permissions and groups).

The data migrations `0009_operator_groups` and `0011_operator_groups_delisting_and_unlocks`
(and the apps' own: `orders.0002_operator_groups_orders`,
`buyers.0002_operator_groups_money`, `buyers.0003_operator_groups_vouchers` ...) define
them; this module only makes them again, the same way, where a database lost them after
migrating (a test that flushes its tables, a hand-emptied table), so that `seed_demo`
and the test factories never hold a second copy of the table.
"""

from __future__ import annotations

import importlib

from django.apps import apps
from django.contrib.auth.models import Group

OPERATOR_GROUPS = ("reviewer", "support", "finance")

_MIGRATIONS = (
    ("marketplace.accounts.migrations.0009_operator_groups", "create_operator_groups"),
    (
        "marketplace.accounts.migrations.0011_operator_groups_delisting_and_unlocks",
        "add_permissions",
    ),
    ("orders.migrations.0002_operator_groups_orders", "add_permissions"),
    ("orders.migrations.0004_restart_provisioningcall_support", "add_permissions"),
    ("orders.migrations.0008_proberun_view_support", "add_permissions"),
    ("buyers.migrations.0002_operator_groups_money", "add_permissions"),
    ("buyers.migrations.0003_operator_groups_vouchers", "add_permissions"),
    ("sellers.migrations.0008_operator_groups_credentials", "add_permissions"),
    ("marketplace.accounts.migrations.0013_operator_groups_api_tokens", "add_permissions"),
    ("supervision.migrations.0002_caselog_append_only_and_operator_groups", "add_permissions"),
    ("invoices.migrations.0002_operator_groups_invoices", "add_permissions"),
    ("settlement.migrations.0004_operator_groups_settlement", "add_permissions"),
)


def ensure_operator_groups() -> list[Group]:
    """The three operator groups with their permissions (made again if missing)."""
    complete = Group.objects.filter(name__in=OPERATOR_GROUPS, permissions__isnull=False)
    if complete.distinct().count() < len(OPERATOR_GROUPS):
        for module, function in _MIGRATIONS:
            getattr(importlib.import_module(module), function)(apps, None)
    return list(Group.objects.filter(name__in=OPERATOR_GROUPS).order_by("name"))
