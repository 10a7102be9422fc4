"""Catalog filters and sort, shared by the public pages and the read-only API.

Every filter works on the product row's denormalised listing fields (02 › Catalog), so
that a list page is one indexed table plus `select_related` joins. Invalid values are
ignored rather than answered with an error: a buyer who edits the URL gets the
unfiltered list, and the API reports nothing surprising.
"""

from __future__ import annotations

import copy
import re

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from marketplace.core import limits

from .models import BillingMode, Category, DeliveryType, Product
from .search import apply_search


class Sort:
    NEWEST = "newest"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    NAME = "name"

    CHOICES = [
        (NEWEST, _("Newest")),
        (PRICE_ASC, _("Price: low to high")),
        (PRICE_DESC, _("Price: high to low")),
        (NAME, _("Name")),
    ]
    # Sorts an index serves (catalog_product_listed_newest, the (status, min_price) one):
    # a long list's page is read by walking it.
    INDEXED = frozenset({NEWEST, PRICE_ASC, PRICE_DESC})
    # `-id` last everywhere so that pages are stable when the first key ties.
    ORDERING = {
        NEWEST: ["-listed_at", "-id"],
        PRICE_ASC: ["min_price", "-id"],
        PRICE_DESC: ["-min_price", "-id"],
        NAME: ["name", "-id"],
    }


def category_and_descendant_ids(category: Category) -> list[int]:
    """The category and every category below it (one query; the tree is small)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Category.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    ids, stack = [], [category.pk]
    while stack:
        pk = stack.pop()
        ids.append(pk)
        stack.extend(children.get(pk, []))
    return ids


class IdFilter(django_filters.Filter):
    """An id: a whole number in the range of an id column (1 … 2**63 - 1).

    Anything else (`?seller=1e30`, `1.5`, `abc`, `99999999999999999999`) is invalid: a
    400 in the API; on the pages, where other invalid values are ignored, an invalid id
    selects nothing (`ProductFilter.filter_queryset`). So no value outside the column's
    range ever reaches a query (`cleaned_data` never holds one).
    """

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", limits.MAX_ID)
        super().__init__(*args, **kwargs)


class ProductFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"), max_length=200)
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(),
        to_field_name="slug",
        method="filter_category",
        label=_("Category"),
    )
    delivery_type = django_filters.MultipleChoiceFilter(
        choices=DeliveryType.choices, label=_("Delivery type")
    )
    billing_mode = django_filters.MultipleChoiceFilter(
        choices=BillingMode.choices, method="filter_billing_mode", label=_("Billing mode")
    )
    price_min = django_filters.NumberFilter(
        field_name="min_price", lookup_expr="gte", label=_("Price from"), min_value=0
    )
    price_max = django_filters.NumberFilter(
        field_name="min_price", lookup_expr="lte", label=_("Price up to"), min_value=0
    )
    seller = IdFilter(field_name="seller_id", label=_("Seller"))
    region = django_filters.CharFilter(
        field_name="regions__code", label=_("Sales region"), max_length=50
    )
    tag = django_filters.CharFilter(method="filter_tag", label=_("Tag"), max_length=50)
    sort = django_filters.ChoiceFilter(
        choices=Sort.CHOICES, method="filter_sort", label=_("Sort"), empty_label=None
    )

    class Meta:
        model = Product
        fields: list[str] = []

    def get_form_class(self):
        """The validating form's class, built once: its fields come from the filter
        definitions alone (django-filter would build a new class with new fields on
        every request). Its forms share the class's fields (`SharedFields`)."""
        cls = type(self)
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            form_class.base_fields = SharedFields(form_class.base_fields)
            cls._form_class = form_class
        return form_class

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # Invalid values are ignored, except an id: the list of an unknown seller is
        # empty, not every seller's.
        if any(isinstance(self.filters[name], IdFilter) for name in self.form.errors):
            return queryset.none()
        return super().filter_queryset(queryset)

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return apply_search(queryset, value, walk=self.walk)

    walk = False  # filter_q's form of the search (`walk_qs`)

    def walk_qs(self) -> QuerySet:
        """`qs` with the search in the form for walking the index of its sort until the
        page is full (search.apply_search): the same rows, for a list known to be long."""
        qs = self.qs
        if not self.is_bound or not self.form.cleaned_data.get("q"):
            return qs
        self.walk = True
        try:
            return self.filter_queryset(self.queryset.all())
        finally:
            del self.walk

    def filter_category(self, queryset: QuerySet, name: str, value: Category) -> QuerySet:
        # Kept for the filter set's life: the facet counts (selectors.product_facets)
        # apply this filter again and needn't read the category tree again.
        ids = self.__dict__.get("_category_ids")
        if ids is None or ids[0] != value.pk:
            ids = self._category_ids = (value.pk, category_and_descendant_ids(value))
        return queryset.filter(category_id__in=ids[1])

    def filter_billing_mode(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        # billing_modes is ",period,trial,": the commas make the match exact.
        condition = Q()
        for mode in value:
            condition |= Q(billing_modes__contains=f",{mode},")
        return queryset.filter(condition)

    def filter_tag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        tag = value.strip()
        if not tag:
            return queryset
        # Tags are stored "a, b, c" on the listed version; match one whole tag.
        pattern = rf"(^|,)\s*{re.escape(tag)}\s*(,|$)"
        return queryset.filter(listed_version__tags__iregex=pattern)

    def filter_sort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.order_by(*Sort.ORDERING.get(value, Sort.ORDERING[Sort.NEWEST]))


class SharedFields(dict):
    """A form class's fields, which its forms share instead of copying them.

    A form deep-copies its class's fields so that one rendering may change a field's
    widget or choices without changing the next form's. The filter set's form is
    validated once per list request and never changed (`Field.clean` changes nothing):
    the copy, a deep copy of each field, widget and choice, cost more than the
    validation. Nothing may change a field of a ProductFilter's form."""

    def __deepcopy__(self, memo) -> dict:
        return dict(self)


class ShallowFilters(dict):
    """A filter set class's filters, copied one by one, not deeply, for each filter
    set (django-filter deep-copies them, with each filter's choices and queryset, on
    every request). A filter's own state is what the filter set sets (`model`,
    `parent`) and, for a filter with a `method`, the callable bound to the filter:
    bound again to the copy here. The rest (label, choices, lookup) is read only."""

    def __deepcopy__(self, memo) -> dict:
        copies = {}
        for name, base in self.items():
            copied = copy.copy(base)
            if copied.method is not None:
                copied.method = copied.method  # a FilterMethod of the copy, not of `base`
            copies[name] = copied
        return copies


ProductFilter.base_filters = ShallowFilters(ProductFilter.base_filters)
