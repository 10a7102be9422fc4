"""Seller-side product API: an ISV publishes from a script (02-products › Publishing).

Mounted at /api/seller/. Session or HTTP basic authentication; only an active seller,
only its own products (another seller's id is a 404). I/O only: input serializer →
service kwargs → output serializer; the rules live in `marketplace.catalog.services`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.core.exceptions import DomainError, InvalidTransition
from marketplace.core.exceptions import PermissionDenied as DomainPermissionDenied
from sellers.models import Seller, ServiceGroup

from . import seller_selectors as selectors
from . import services
from .models import (
    AttributeName,
    BillingMode,
    Category,
    DeliveryType,
    Price,
    Product,
    ProductVersion,
    Spec,
)

# --- input -----------------------------------------------------------------------------------


class PriceIn(serializers.Serializer):
    period = serializers.ChoiceField(choices=Price.Period.choices)
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    unit = serializers.CharField(max_length=30, required=False, default="")
    max_periods = serializers.IntegerField(required=False, default=1)


class AttributeIn(serializers.Serializer):
    attribute = serializers.CharField(max_length=50, help_text="One of your attribute names.")
    kind = serializers.ChoiceField(choices=AttributeName.Kind.choices)
    options = serializers.CharField(max_length=300, required=False, default="")
    min_value = serializers.IntegerField(required=False, allow_null=True, default=None)
    max_value = serializers.IntegerField(required=False, allow_null=True, default=None)
    step = serializers.IntegerField(required=False, allow_null=True, default=None)
    unit = serializers.CharField(max_length=20, required=False, default="")


class SpecIn(serializers.Serializer):
    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=100)
    billing_mode = serializers.ChoiceField(choices=BillingMode.choices)
    trial_days = serializers.IntegerField(required=False, allow_null=True, default=None)
    package_kind = serializers.ChoiceField(
        choices=Spec.PackageKind.choices, required=False, allow_blank=True, default=""
    )
    package_quota = serializers.IntegerField(required=False, allow_null=True, default=None)
    prices = PriceIn(many=True)
    attributes = AttributeIn(many=True, required=False, default=list)


class OwnServiceGroupField(serializers.PrimaryKeyRelatedField):
    """One of the requesting seller's customer-service groups, scoped in the query:
    another seller's group id is answered like an id that doesn't exist."""

    def get_queryset(self):
        request = self.context.get("request")
        seller = getattr(request, "seller", None)
        if seller is None:
            return ServiceGroup.objects.none()
        return ServiceGroup.objects.filter(seller=seller)


class ContentIn(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    category = serializers.SlugRelatedField(slug_field="slug", queryset=Category.objects.all())
    summary = serializers.CharField(max_length=300)
    description = serializers.CharField(required=False, default="")
    tags = serializers.CharField(max_length=200, required=False, allow_blank=True)
    service_group = OwnServiceGroupField(
        queryset=ServiceGroup.objects.all(), required=False, allow_null=True
    )
    service_forms = serializers.CharField(max_length=200, required=False, allow_blank=True)
    service_scope = serializers.CharField(max_length=200, required=False, allow_blank=True)
    after_sales_scope = serializers.CharField(required=False, allow_blank=True)
    usage_guide = serializers.CharField(required=False, allow_blank=True)
    agreement_text = serializers.CharField(required=False, allow_blank=True)
    support_terms_text = serializers.CharField(required=False, allow_blank=True)
    flow_template = serializers.ChoiceField(
        choices=ProductVersion.FlowTemplate.choices, required=False, allow_blank=True
    )
    avg_delivery_days = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    specs = SpecIn(many=True, required=False)


class ProductCreateIn(ContentIn):
    delivery_type = serializers.ChoiceField(choices=DeliveryType.choices)


# --- output ------------------------------------------------------------------------------------


class PriceOut(serializers.ModelSerializer):
    class Meta:
        model = Price
        fields = ("period", "amount", "unit", "max_periods")


class AttributeOut(serializers.Serializer):
    attribute = serializers.CharField(source="attribute.name")
    kind = serializers.CharField(source="attribute.kind")
    options = serializers.CharField()
    min_value = serializers.IntegerField(allow_null=True)
    max_value = serializers.IntegerField(allow_null=True)
    step = serializers.IntegerField(allow_null=True)
    unit = serializers.CharField()


class SpecOut(serializers.ModelSerializer):
    prices = PriceOut(many=True)
    attributes = AttributeOut(many=True)

    class Meta:
        model = Spec
        fields = (
            "code",
            "name",
            "billing_mode",
            "trial_days",
            "package_kind",
            "package_quota",
            "prices",
            "attributes",
        )


class ScreenshotOut(serializers.Serializer):
    """Read-only: screenshots are uploaded on the seller center's edit page."""

    url = serializers.CharField(source="image.url", read_only=True)
    position = serializers.IntegerField(read_only=True)


class VersionOut(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    specs = SpecOut(many=True)
    screenshots = ScreenshotOut(many=True, read_only=True)

    class Meta:
        model = ProductVersion
        fields = (
            "number",
            "status",
            "name",
            "category",
            "summary",
            "description",
            "tags",
            "service_group",
            "service_forms",
            "service_scope",
            "after_sales_scope",
            "usage_guide",
            "agreement_text",
            "support_terms_text",
            "flow_template",
            "avg_delivery_days",
            "submitted_at",
            "reviewed_at",
            "rejection_reason",
            "specs",
            "screenshots",
        )


class ProductOut(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    latest_status = serializers.CharField(allow_null=True)
    latest_rejection_reason = serializers.CharField(allow_null=True)

    class Meta:
        model = Product
        fields = (
            "id",
            "delivery_type",
            "status",
            "name",
            "created_at",
            "listed_at",
            "latest_status",
            "latest_rejection_reason",
        )

    def get_name(self, obj) -> str:
        return obj.name or getattr(obj, "latest_name", "") or ""


class ProductDetailOut(serializers.ModelSerializer):
    current_version = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = ("id", "delivery_type", "status", "name", "listed_at", "current_version")

    @extend_schema_field(VersionOut(allow_null=True))
    def get_current_version(self, obj) -> dict | None:
        version = selectors.product_current_version(product=obj)
        return VersionOut(version).data if version else None


class ErrorOut(serializers.Serializer):
    detail = serializers.CharField()


# --- plumbing ------------------------------------------------------------------------------


class IsActiveSeller(permissions.BasePermission):
    message = "Only an onboarded (active) seller can publish products."

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        seller = Seller.objects.filter(user=request.user).first()
        if seller is None or seller.status != Seller.Status.ACTIVE:
            raise PermissionDenied(_("Only an onboarded seller can publish products."))
        request.seller = seller
        return True


def _call(service, **kwargs):
    """Run a service; turn its refusals into API errors (400, 403 or 409)."""
    try:
        return service(**kwargs)
    except DomainPermissionDenied as exc:
        raise PermissionDenied(exc.message) from exc
    except InvalidTransition as exc:
        error = ValidationError({"detail": exc.message})
        error.status_code = status.HTTP_409_CONFLICT
        raise error from exc
    except DomainError as exc:
        raise ValidationError({"detail": exc.message}) from exc
    except DjangoValidationError as exc:
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        raise ValidationError(detail) from exc


def _service_input(seller: Seller, data: dict) -> tuple[dict, list | None]:
    """Validated input → (`fields`, `specs`) for the services; attribute names → rows."""
    data = dict(data)
    data.pop("delivery_type", None)
    specs = data.pop("specs", None)
    if specs is not None:
        names = {(a.kind, a.name): a for a in selectors.seller_attribute_names(seller=seller)}
        for spec in specs:
            for attr in spec.get("attributes", []):
                key = (attr.pop("kind"), attr["attribute"])
                if key not in names:
                    raise ValidationError(
                        {
                            "specs": _("Unknown attribute name “%(name)s”; create it first.")
                            % {"name": key[1]}
                        }
                    )
                attr["attribute"] = names[key]
    return data, specs


def _detail(product: Product) -> dict:
    return ProductDetailOut(Product.objects.get(pk=product.pk)).data


class SellerProductList(APIView):
    permission_classes = [IsActiveSeller]

    @extend_schema(responses=ProductOut(many=True), summary="List your products")
    def get(self, request):
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(
            selectors.seller_product_list(seller=request.seller), request, view=self
        )
        return paginator.get_paginated_response(ProductOut(page, many=True).data)

    @extend_schema(
        request=ProductCreateIn,
        responses={201: ProductDetailOut, 400: ErrorOut, 403: ErrorOut},
        summary="Create a draft product with its content, specs and prices",
    )
    def post(self, request):
        serializer = ProductCreateIn(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        fields, specs = _service_input(request.seller, serializer.validated_data)
        product = _call(
            services.product_create,
            seller=request.seller,
            delivery_type=serializer.validated_data["delivery_type"],
            fields=fields,
            specs=specs,
            actor=request.user,
        )
        return Response(_detail(product), status=status.HTTP_201_CREATED)


class SellerProductDetail(APIView):
    permission_classes = [IsActiveSeller]

    @extend_schema(responses={200: ProductDetailOut}, summary="One of your products")
    def get(self, request, pk: int):
        product = selectors.seller_product_get(seller=request.seller, pk=pk)
        return Response(ProductDetailOut(product).data)


class SellerProductDraft(APIView):
    permission_classes = [IsActiveSeller]

    @extend_schema(
        request=ContentIn,
        responses={200: ProductDetailOut, 400: ErrorOut},
        summary="Change the draft: the fields given; all specs when `specs` is given",
    )
    def patch(self, request, pk: int):
        product = get_object_or_404(Product, seller=request.seller, pk=pk)
        serializer = ContentIn(data=request.data, partial=True, context={"request": request})
        serializer.is_valid(raise_exception=True)
        fields, specs = _service_input(request.seller, serializer.validated_data)
        _call(
            services.product_version_update,
            product=product,
            fields=fields,
            specs=specs,
            actor=request.user,
        )
        return Response(_detail(product))


class SellerProductSubmit(APIView):
    permission_classes = [IsActiveSeller]

    @extend_schema(
        request=None,
        responses={200: ProductDetailOut, 400: ErrorOut, 409: ErrorOut},
        summary="Submit the draft for review",
    )
    def post(self, request, pk: int):
        product = get_object_or_404(Product, seller=request.seller, pk=pk)
        _call(services.product_submit, product=product, actor=request.user)
        return Response(_detail(product))
