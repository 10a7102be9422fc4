"""Read-only catalog API (listed products only): list with the catalog's filters and
search, and a product's detail with its specs and prices. DRF for I/O only: the reads
are the catalog selectors, the filters are `ProductFilter`."""

from __future__ import annotations

from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from marketplace.core.api_output import represent, represent_many

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


class CatalogPagination(PageNumberPagination):
    django_paginator_class = selectors.ProductPaginator
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = selectors.MAX_PAGE_SIZE


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
    labels = dict(choices.choices)
    return [{"code": code, "label": str(labels[code])} for code in codes if code in labels]


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


@extend_schema(tags=["catalog"], summary="Listed products, searched and filtered")
class ProductListAPI(generics.ListAPIView):
    """Listed products. `q` searches names, summaries, tags and sellers (Chinese or
    English substrings, every term must match); the other parameters filter; `sort` is
    newest, price_asc, price_desc or name."""

    permission_classes = [AllowAny]
    serializer_class = ProductListSerializer
    pagination_class = CatalogPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProductFilter

    def get_queryset(self):
        return selectors.product_listed_queryset()

    def list(self, request, *args, **kwargs):
        # ListAPIView.list with the page written by `represent_many` (fields built once
        # per process, marketplace/core/api_output.py): same output, less CPU.
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(represent_many(ProductListSerializer, page))


@extend_schema(tags=["catalog"], summary="A listed product with its specs and prices")
class ProductDetailAPI(generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    serializer_class = ProductDetailSerializer

    def get_object(self) -> Product:
        product = selectors.product_get_listed(product_id=self.kwargs["pk"])
        if product is None:
            raise Http404
        return product

    def retrieve(self, request, *args, **kwargs):
        return Response(represent(ProductDetailSerializer, self.get_object()))
