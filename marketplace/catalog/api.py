"""Read-only catalog API (listed products only): list with the catalog's filters and
search, and a product's detail with its specs and prices. DRF for I/O only: the reads
are the catalog selectors, the filters are `ProductFilter`.

The serializers below describe the answers (the OpenAPI schema) and are the reference
for them; the answers themselves are plain dicts built by `product_list_item` and
`product_detail_data`, the same bytes (tests/catalog/test_catalog_api_output.py), and
cached while current (see "Views"). The throttles are the API's defaults, checked in one
cache round trip that also reads the cached answer (core/api_throttling.py)."""

from __future__ import annotations

import functools
import hashlib

from django.core.cache import cache as default_cache
from django.core.paginator import Page
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from marketplace.core.api_throttling import BatchedRateThrottles, cache_get

from . import cache as catalog_cache
from . import selectors
from .filters import ProductFilter
from .models import (
    ApiEndpoint,
    Category,
    Price,
    Product,
    ProductVersion,
    Region,
    ServiceForm,
    ServiceScope,
    Spec,
    SpecAttribute,
)
from .templatetags.catalog_tags import choice_labels

# A list item's columns (ProductListSerializer's fields), read as one tuple per product.
_LIST_ROW = [
    "id",
    "name",
    "summary",
    "delivery_type",
    "category_id",
    "category__slug",
    "category__name_en",
    "category__name_zh",
    "seller_id",
    "seller__store_name",
    "min_price",
    "billing_modes",
    "listed_at",
]


class ApiProductPaginator(selectors.CappedPaginator):
    """`selectors.ProductPaginator`'s two steps (the page's ids, then their rows), the
    second reading the list items' columns as tuples (`product_list_item`) instead of
    three model instances per product."""

    def _get_page(self, object_list, number, paginator):
        ids = list(object_list.values_list("pk", flat=True))
        rows = {
            row[0]: row
            for row in Product.objects.filter(status=Product.Status.LISTED, pk__in=ids)
            .order_by()
            .values_list(*_LIST_ROW)
        }
        items = [product_list_item(rows[pk]) for pk in ids if pk in rows]
        return super()._get_page(items, number, paginator)


class CatalogPagination(PageNumberPagination):
    django_paginator_class = ApiProductPaginator
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = selectors.MAX_PAGE_SIZE

    def restore(self, request, count: int, number: int, results: list) -> None:
        """Set the page as `paginate_queryset` would have, from a cached page (its
        count, number and items): the links are built from this request as usual."""
        paginator = self.django_paginator_class([], self.get_page_size(request))
        paginator.count = count  # the cached_property's value, no query
        self.page = Page(results, number, paginator)
        self.request = request
        if paginator.num_pages > 1 and self.template is not None:
            self.display_page_controls = True


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["slug", "name_en", "name_zh"]


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name_en", "name_zh"]


class SellerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    store_name = serializers.CharField()


class ProductListSerializer(serializers.ModelSerializer):
    category = CategorySerializer()
    seller = SellerSerializer()
    billing_modes = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "summary",
            "delivery_type",
            "category",
            "seller",
            "min_price",
            "billing_modes",
            "listed_at",
        ]

    def get_billing_modes(self, product: Product) -> list[str]:
        return [m for m in product.billing_modes.split(",") if m]


class PriceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Price
        fields = ["period", "amount", "unit", "max_periods"]


class SpecAttributeSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="attribute.name")
    kind = serializers.CharField(source="attribute.kind")

    class Meta:
        model = SpecAttribute
        fields = ["name", "kind", "options", "min_value", "max_value", "step", "unit"]


class SpecSerializer(serializers.ModelSerializer):
    prices = PriceSerializer(many=True)
    attributes = SpecAttributeSerializer(many=True)
    # Set by selectors.product_get_listed from the product's inventory (stock 0).
    sold_out = serializers.BooleanField(
        read_only=True, help_text="No stock left: the spec can't be ordered now."
    )

    class Meta:
        model = Spec
        fields = [
            "code",
            "name",
            "billing_mode",
            "trial_days",
            "package_kind",
            "package_quota",
            "sold_out",
            "prices",
            "attributes",
        ]


class ChoiceOut(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class ImageRegionSerializer(serializers.Serializer):
    region = serializers.CharField(source="region.code")
    image_id = serializers.CharField()


class ApiEndpointSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiEndpoint
        fields = ["method", "path", "description"]


class DeliverySerializer(serializers.ModelSerializer):
    """What the delivery type describes; the fields of other types are empty."""

    image_regions = ImageRegionSerializer(many=True)
    shipping_regions = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    api_endpoints = ApiEndpointSerializer(many=True)

    class Meta:
        model = ProductVersion
        fields = [
            "image_os",
            "image_architecture",
            "image_regions",
            "hardware_spec",
            "hardware_weight_kg",
            "hardware_size",
            "shipping_regions",
            "avg_delivery_days",
            "license_type",
            "license_term",
            "license_term_months",
            "deploy_contents",
            "api_endpoints",
            "api_quota_unit",
        ]


def _choices(codes: list[str], choices) -> list[dict]:
    labels = dict(choice_labels(choices, get_language()))  # translated once per language
    return [{"code": code, "label": labels[code]} for code in codes if code in labels]


class ProductDetailSerializer(ProductListSerializer):
    description = serializers.CharField(source="listed_version.description")
    tags = serializers.SerializerMethodField()
    regions = RegionSerializer(many=True)
    specs = SpecSerializer(many=True, source="listed_version.specs")
    usage_guide = serializers.CharField(source="listed_version.usage_guide")
    service_forms = serializers.SerializerMethodField()
    service_scope = serializers.SerializerMethodField()
    service_notes = serializers.CharField(source="listed_version.service_notes")
    delivery = DeliverySerializer(source="listed_version")

    class Meta(ProductListSerializer.Meta):
        fields = [
            *ProductListSerializer.Meta.fields,
            "description",
            "tags",
            "regions",
            "specs",
            "usage_guide",
            "service_forms",
            "service_scope",
            "service_notes",
            "delivery",
        ]

    def get_tags(self, product: Product) -> list[str]:
        return [t.strip() for t in product.listed_version.tags.split(",") if t.strip()]

    @extend_schema_field(ChoiceOut(many=True))
    def get_service_forms(self, product: Product) -> list[dict]:
        return _choices(product.listed_version.service_forms, ServiceForm)

    @extend_schema_field(ChoiceOut(many=True))
    def get_service_scope(self, product: Product) -> list[dict]:
        return _choices(product.listed_version.service_scope, ServiceScope)


# --- Plain output -----------------------------------------------------------------------
# The two endpoints answer dicts built here rather than through the serializers above,
# which stay the schema's source (drf-spectacular) and the reference: the output is
# theirs, field for field and in their order (tests/catalog/test_catalog_api_output.py
# compares the JSON bytes). Decimals and times go through the serializers' own fields.


@functools.cache
def _drf_field(serializer_class: type[serializers.Serializer], name: str) -> serializers.Field:
    return serializer_class().fields[name]


def _decimal(value, serializer_class, name: str):
    return None if value is None else _drf_field(serializer_class, name).to_representation(value)


def _listed_at(value):
    if value is None:
        return None
    return _drf_field(ProductListSerializer, "listed_at").to_representation(value)


def _billing_modes(billing_modes: str) -> list[str]:
    return [m for m in billing_modes.split(",") if m]


def product_list_item(row: tuple) -> dict:
    """ProductListSerializer's output for one `_LIST_ROW` tuple."""
    (
        pk,
        name,
        summary,
        delivery_type,
        category_id,
        slug,
        name_en,
        name_zh,
        seller_id,
        store_name,
        min_price,
        billing_modes,
        listed_at,
    ) = row
    return {
        "id": pk,
        "name": name,
        "summary": summary,
        "delivery_type": delivery_type,
        "category": None
        if category_id is None
        else {"slug": slug, "name_en": name_en, "name_zh": name_zh},
        "seller": {"id": seller_id, "store_name": store_name},
        "min_price": _decimal(min_price, ProductListSerializer, "min_price"),
        "billing_modes": _billing_modes(billing_modes),
        "listed_at": _listed_at(listed_at),
    }


def _spec(spec: Spec) -> dict:
    sold_out = spec.sold_out
    return {
        "code": spec.code,
        "name": spec.name,
        "billing_mode": spec.billing_mode,
        "trial_days": spec.trial_days,
        "package_kind": spec.package_kind,
        "package_quota": spec.package_quota,
        "sold_out": None if sold_out is None else bool(sold_out),
        "prices": [
            {
                "period": price.period,
                "amount": _decimal(price.amount, PriceSerializer, "amount"),
                "unit": price.unit,
                "max_periods": price.max_periods,
            }
            for price in spec.prices.all()
        ],
        "attributes": [
            {
                "name": item.attribute.name,
                "kind": item.attribute.kind,
                "options": item.options,
                "min_value": item.min_value,
                "max_value": item.max_value,
                "step": item.step,
                "unit": item.unit,
            }
            for item in spec.attributes.all()
        ],
    }


def _delivery(version: ProductVersion) -> dict:
    """The delivery fields (rows prefetched by `product_get_listed`, empty lists for the
    types that have none)."""
    return {
        "image_os": version.image_os,
        "image_architecture": version.image_architecture,
        "image_regions": [
            {"region": row.region.code, "image_id": row.image_id}
            for row in version.image_regions.all()
        ],
        "hardware_spec": version.hardware_spec,
        "hardware_weight_kg": _decimal(
            version.hardware_weight_kg, DeliverySerializer, "hardware_weight_kg"
        ),
        "hardware_size": version.hardware_size,
        "shipping_regions": [region.code for region in version.shipping_regions.all()],
        "avg_delivery_days": version.avg_delivery_days,
        "license_type": version.license_type,
        "license_term": version.license_term,
        "license_term_months": version.license_term_months,
        "deploy_contents": version.deploy_contents,
        "api_endpoints": [
            {"method": api.method, "path": api.path, "description": api.description}
            for api in version.api_endpoints.all()
        ],
        "api_quota_unit": version.api_quota_unit,
    }


def product_detail_data(product: Product) -> dict:
    """ProductDetailSerializer's output for a product from `product_get_listed`."""
    version = product.listed_version
    category = product.category
    seller = product.seller
    return {
        "id": product.pk,
        "name": product.name,
        "summary": product.summary,
        "delivery_type": product.delivery_type,
        "category": None
        if category is None
        else {"slug": category.slug, "name_en": category.name_en, "name_zh": category.name_zh},
        "seller": {"id": seller.id, "store_name": seller.store_name},
        "min_price": _decimal(product.min_price, ProductListSerializer, "min_price"),
        "billing_modes": _billing_modes(product.billing_modes),
        "listed_at": _listed_at(product.listed_at),
        "description": version.description,
        "tags": [t.strip() for t in version.tags.split(",") if t.strip()],
        "regions": [
            {"code": r.code, "name_en": r.name_en, "name_zh": r.name_zh}
            for r in product.regions.all()
        ],
        "specs": [_spec(spec) for spec in version.specs.all()],
        "usage_guide": version.usage_guide,
        "service_forms": _choices(version.service_forms, ServiceForm),
        "service_scope": _choices(version.service_scope, ServiceScope),
        "service_notes": version.service_notes,
        "delivery": _delivery(version),
    }


# --- Views ------------------------------------------------------------------------------
# Both answers are cached, and a cached one is served only while it is still current
# (the rule of the catalog's HTML pages, catalog/cache.py): a list page under the catalog
# generation, which every change to what a list shows (listing, a price, delisting,
# regions, categories) bumps in the transaction of the change; a product under its
# `selectors.product_stamp` (that generation, the version on sale, the store name and
# the sold-out specs), read again on every request. So a change is seen by the very next
# request after it commits, in every process. One exception, as on the HTML lists (their
# cards): a seller's new store name shows in a cached list page after LIST_TIMEOUT.


def _variant() -> str:
    """What else an answer depends on: the language (choice labels) and the time zone
    (times)."""
    return f"{get_language()}:{timezone.get_current_timezone_name()}"


def _list_key(request, pagination: CatalogPagination) -> str:
    """The cached page for this catalog generation and the query parameters that decide
    it (the filters', the page and the page size; raw, so that equal keys are equal
    requests). Other parameters only show in the links, built per request."""
    names = (
        *ProductFilter.base_filters,
        pagination.page_query_param,
        pagination.page_size_query_param,
    )
    params = [(name, request.GET.getlist(name)) for name in names]
    digest = hashlib.md5(repr(params).encode(), usedforsecurity=False).hexdigest()
    return f"catalog-api-list:{catalog_cache.generation()}:{_variant()}:{digest}"


def _product_key(product_id: int) -> str:
    return f"catalog-api-product:{_variant()}:{product_id}"


@extend_schema(tags=["catalog"], summary="Listed products, searched and filtered")
class ProductListAPI(generics.ListAPIView):
    """Listed products. `q` searches names, summaries, tags and sellers (Chinese or
    English substrings, every term must match); the other parameters filter; `sort` is
    newest, price_asc, price_desc or name."""

    permission_classes = [AllowAny]
    throttle_classes = [BatchedRateThrottles]
    serializer_class = ProductListSerializer
    pagination_class = CatalogPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProductFilter

    def get_queryset(self):
        return selectors.product_listed_queryset()

    def throttle_cache_keys(self, request) -> list[str]:
        # The cached page is read with the throttles' histories (BatchedRateThrottles).
        self.list_key = _list_key(request, self.paginator)
        return [self.list_key]

    def list(self, request, *args, **kwargs):
        # ListAPIView.list, its page of items (ApiProductPaginator) cached.
        key = getattr(self, "list_key", None) or _list_key(request, self.paginator)
        cached = cache_get(self, key)
        if cached is None:
            queryset = self.filter_queryset(self.get_queryset())
            results = self.paginate_queryset(queryset)
            page = self.paginator.page
            cached = (page.paginator.count, page.number, results)
            default_cache.set(key, cached, catalog_cache.LIST_TIMEOUT)
        else:
            self.paginator.restore(request, *cached)
        return self.paginator.get_paginated_response(cached[2])


@extend_schema(tags=["catalog"], summary="A listed product with its specs and prices")
class ProductDetailAPI(generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    throttle_classes = [BatchedRateThrottles]
    serializer_class = ProductDetailSerializer

    def get_object(self) -> Product:
        product = selectors.product_get_listed(product_id=self.kwargs["pk"])
        if product is None:
            raise Http404
        return product

    def throttle_cache_keys(self, request) -> list[str]:
        # The cached answer is read with the throttles' histories (BatchedRateThrottles).
        self.product_key = _product_key(self.kwargs["pk"])
        return [self.product_key]

    def retrieve(self, request, *args, **kwargs):
        pk = self.kwargs["pk"]
        key = getattr(self, "product_key", None) or _product_key(pk)
        cached = cache_get(self, key)
        if cached is not None and selectors.product_stamp_get(product_id=pk) == cached[0]:
            return Response(cached[1])
        product = self.get_object()
        data = product_detail_data(product)
        default_cache.set(
            key, (selectors.product_stamp(product), data), catalog_cache.PRODUCT_TIMEOUT
        )
        return Response(data)
