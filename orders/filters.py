"""Filters of the order lists: the buyer's "My orders" and the seller's "Orders" (whose
export applies the very same filter set, so the file holds what the page lists).

As in the catalog (marketplace.catalog.filters), an invalid value is ignored rather than
answered with an error: django-filter leaves a field that didn't validate out of
`cleaned_data`, so editing the URL by hand gives the wider list, never a 500. Dates are
business dates, Beijing time (TIME_ZONE): `created_at__date` converts in the database.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Order

DATE_WIDGET = forms.DateInput(attrs={"type": "date"})
ANY = _("Any")


class OrderFilter(django_filters.FilterSet):
    """The buyer's filters: status, kind, order date range."""

    status = django_filters.ChoiceFilter(
        choices=Order.Status.choices, label=_("Status"), empty_label=ANY
    )
    kind = django_filters.ChoiceFilter(choices=Order.Kind.choices, label=_("Kind"), empty_label=ANY)
    date_from = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label=_("Ordered from"),
        widget=DATE_WIDGET,
    )
    date_to = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__lte",
        label=_("Ordered until"),
        widget=DATE_WIDGET,
    )

    class Meta:
        model = Order
        fields: list[str] = []

    @property
    def is_filtered(self) -> bool:
        """Whether any valid filter value narrows the list (the empty-state text)."""
        if not self.form.is_bound:  # no query string at all: the whole list
            return False
        self.form.is_valid()
        return any(value not in (None, "") for value in self.form.cleaned_data.values())


class SellerOrderFilter(OrderFilter):
    """The seller's filters: the buyer's, plus payment status, product, the buyer's
    account name and the order number (both matched case-insensitively, in part)."""

    payment_status = django_filters.ChoiceFilter(
        choices=Order.PaymentStatus.choices, label=_("Payment status"), empty_label=ANY
    )
    product = django_filters.TypedChoiceFilter(
        field_name="product_id",
        coerce=int,
        label=_("Product"),
        # The options are product names the seller wrote (the browser crawl skips them).
        widget=forms.Select(attrs={"data-user-content": ""}),
    )
    buyer = django_filters.CharFilter(
        field_name="buyer__username",
        lookup_expr="icontains",
        label=_("Buyer account name"),
        max_length=150,
    )
    number = django_filters.CharFilter(
        method="filter_number", label=_("Order number"), max_length=32
    )

    def __init__(self, data=None, queryset=None, *, product_choices=(), **kwargs) -> None:
        super().__init__(data, queryset, **kwargs)
        # Set before the form is built (lazily, from the filters): the seller's products.
        self.filters["product"].extra["choices"] = [("", ANY), *product_choices]

    def filter_number(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(number__icontains=value) if value else queryset
