"""Field sizes shared by the settlement models."""

from __future__ import annotations

from django.db import models

from marketplace.core.files import new_upload_key

# Money as the orders store it (orders.models.MONEY): yuan, two places.
MONEY = {"max_digits": 14, "decimal_places": 2}
# Ratios and VAT rates, 0..1 with six places (12.5% = 0.125000; 6% VAT = 0.060000).
RATIO = {"max_digits": 7, "decimal_places": 6}


def ratio_between_0_and_1(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__gte": 0, f"{field}__lte": 1}), name=name
    )


def invoice_upload_to(instance, filename: str) -> str:
    return new_upload_key("settlement-invoices", filename)
