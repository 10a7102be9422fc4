"""Read-only catalog API (listed products only): list with the catalog's filters and
search, and a product's detail with its specs and prices. DRF for I/O only: the reads
are the catalog selectors, the filters are `ProductFilter`."""

from __future__ import annotations

from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny

from . import selectors
from .filters import ProductFilter
from .models import Category, Price, Product, Region, Spec, SpecAttribute


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

    class Meta:
        model = Spec
        fields = [
            "code",
            "name",
            "billing_mode",
            "trial_days",
            "package_kind",
            "package_quota",
            "prices",
            "attributes",
        ]


class ProductDetailSerializer(ProductListSerializer):
    description = serializers.CharField(source="listed_version.description")
    tags = serializers.SerializerMethodField()
    regions = RegionSerializer(many=True)
    specs = SpecSerializer(many=True, source="listed_version.specs")
    usage_guide = serializers.CharField(source="listed_version.usage_guide")

    class Meta(ProductListSerializer.Meta):
        fields = [
            *ProductListSerializer.Meta.fields,
            "description",
            "tags",
            "regions",
            "specs",
            "usage_guide",
        ]

    def get_tags(self, product: Product) -> list[str]:
        return [t.strip() for t in product.listed_version.tags.split(",") if t.strip()]


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


@extend_schema(tags=["catalog"], summary="A listed product with its specs and prices")
class ProductDetailAPI(generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    serializer_class = ProductDetailSerializer

    def get_object(self) -> Product:
        product = selectors.product_get_listed(product_id=self.kwargs["pk"])
        if product is None:
            raise Http404
        return product
