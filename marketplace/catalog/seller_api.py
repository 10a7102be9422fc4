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

from marketplace.core import limits
from marketplace.core.exceptions import DomainError, InvalidTransition
from marketplace.core.exceptions import PermissionDenied as DomainPermissionDenied
from sellers.models import Seller, ServiceGroup

from . import seller_selectors as selectors
from . import services
from .models import (
    ApiEndpoint,
    AttributeName,
    BillingMode,
    Category,
    DeliveryType,
    Price,
    Product,
    ProductVersion,
    Region,
    ServiceForm,
    ServiceScope,
    Spec,
)

# --- input -----------------------------------------------------------------------------------


# Bounds come from marketplace/core/limits.py (README › Limits), as in the forms and the
# services: an out-of-range value is a 400 with a message, never a database error.


class PriceIn(serializers.Serializer):
    period = serializers.ChoiceField(choices=Price.Period.choices)
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    unit = serializers.CharField(max_length=30, required=False, default="")
    max_periods = serializers.IntegerField(
        required=False, default=1, min_value=1, max_value=limits.MAX_PERIODS_PER_ORDER
    )


class AttributeIn(serializers.Serializer):
    attribute = serializers.CharField(max_length=50, help_text="One of your attribute names.")
    kind = serializers.ChoiceField(choices=AttributeName.Kind.choices)
    options = serializers.CharField(max_length=300, required=False, default="")
    min_value = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        max_value=limits.MAX_ATTRIBUTE_VALUE,
    )
    max_value = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        max_value=limits.MAX_ATTRIBUTE_VALUE,
    )
    step = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        max_value=limits.MAX_ATTRIBUTE_VALUE,
    )
    unit = serializers.CharField(max_length=20, required=False, default="")


class SpecIn(serializers.Serializer):
    code = serializers.SlugField(
        max_length=40,
        required=False,
        allow_blank=True,
        default="",
        help_text="Stable across versions; generated from the name when left out.",
    )
    name = serializers.CharField(max_length=100, validators=[limits.validate_single_line])
    billing_mode = serializers.ChoiceField(choices=BillingMode.choices)
    trial_days = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=services.TRIAL_DAYS_RANGE[0],
        max_value=services.TRIAL_DAYS_RANGE[1],
    )
    package_kind = serializers.ChoiceField(
        choices=Spec.PackageKind.choices, required=False, allow_blank=True, default=""
    )
    package_quota = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=limits.MAX_PACKAGE_QUOTA,
    )
    prices = PriceIn(many=True, max_length=limits.MAX_PRICES_PER_SPEC)
    attributes = AttributeIn(
        many=True, required=False, default=list, max_length=limits.MAX_ATTRIBUTES_PER_SPEC
    )


class ImageRegionIn(serializers.Serializer):
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    image_id = serializers.CharField(max_length=100)


class ApiEndpointIn(serializers.Serializer):
    method = serializers.ChoiceField(choices=ApiEndpoint.Method.choices)
    path = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=200)


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
    name = serializers.CharField(max_length=120, validators=[limits.validate_single_line])
    category = serializers.SlugRelatedField(slug_field="slug", queryset=Category.objects.all())
    summary = serializers.CharField(max_length=300, validators=[limits.validate_single_line])
    description = serializers.CharField(
        required=False, default="", max_length=limits.MAX_DESCRIPTION_LENGTH
    )
    tags = serializers.CharField(max_length=200, required=False, allow_blank=True)
    service_group = OwnServiceGroupField(
        queryset=ServiceGroup.objects.all(), required=False, allow_null=True
    )
    service_forms = serializers.ListField(
        child=serializers.ChoiceField(choices=ServiceForm.choices), required=False
    )
    service_scope = serializers.ListField(
        child=serializers.ChoiceField(choices=ServiceScope.choices), required=False
    )
    service_notes = serializers.CharField(
        required=False, allow_blank=True, max_length=limits.MAX_SERVICE_NOTES_LENGTH
    )
    # What the delivery type describes (README › Billing modes per delivery type lists
    # which type needs which; they are required on submit).
    image_os = serializers.CharField(max_length=100, required=False, allow_blank=True)
    image_architecture = serializers.ChoiceField(
        choices=ProductVersion.Architecture.choices, required=False, allow_blank=True
    )
    image_regions = ImageRegionIn(many=True, required=False, max_length=services.MAX_ROWS)
    hardware_spec = serializers.CharField(
        required=False, allow_blank=True, max_length=limits.MAX_DELIVERY_TEXT_LENGTH
    )
    hardware_weight_kg = serializers.DecimalField(
        max_digits=8, decimal_places=2, required=False, allow_null=True, min_value=0
    )
    hardware_size = serializers.CharField(max_length=100, required=False, allow_blank=True)
    shipping_regions = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.all(), many=True, required=False
    )
    license_type = serializers.ChoiceField(
        choices=ProductVersion.LicenseType.choices, required=False, allow_blank=True
    )
    license_term = serializers.ChoiceField(
        choices=ProductVersion.LicenseTerm.choices, required=False, allow_blank=True
    )
    license_term_months = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=limits.MAX_LICENSE_TERM_MONTHS
    )
    deploy_contents = serializers.CharField(
        required=False, allow_blank=True, max_length=limits.MAX_DELIVERY_TEXT_LENGTH
    )
    api_endpoints = ApiEndpointIn(many=True, required=False, max_length=services.MAX_ROWS)
    api_quota_unit = serializers.CharField(max_length=30, required=False, allow_blank=True)
    after_sales_scope = serializers.CharField(
        required=False, allow_blank=True, max_length=limits.MAX_AFTER_SALES_SCOPE_LENGTH
    )
    usage_guide = serializers.CharField(
        required=False, allow_blank=True, max_length=limits.MAX_USAGE_GUIDE_LENGTH
    )
    agreement_text = serializers.CharField(
        required=False, allow_blank=True, max_length=limits.MAX_AGREEMENT_LENGTH
    )
    support_terms_text = serializers.CharField(
        required=False, allow_blank=True, max_length=limits.MAX_AGREEMENT_LENGTH
    )
    flow_template = serializers.ChoiceField(
        choices=ProductVersion.FlowTemplate.choices, required=False, allow_blank=True
    )
    avg_delivery_days = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=limits.MAX_DELIVERY_DAYS
    )
    specs = SpecIn(many=True, required=False, max_length=limits.MAX_SPECS_PER_PRODUCT)


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


class ImageRegionOut(serializers.Serializer):
    region = serializers.CharField(source="region.code")
    image_id = serializers.CharField()


class ApiEndpointOut(serializers.ModelSerializer):
    class Meta:
        model = ApiEndpoint
        fields = ("method", "path", "description")


class ScreenshotOut(serializers.Serializer):
    """Read-only: screenshots are uploaded on the seller center's edit page."""

    url = serializers.CharField(source="image.url", read_only=True)
    position = serializers.IntegerField(read_only=True)


class VersionOut(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    specs = SpecOut(many=True)
    screenshots = ScreenshotOut(many=True, read_only=True)
    service_forms = serializers.ListField(child=serializers.CharField())
    service_scope = serializers.ListField(child=serializers.CharField())
    image_regions = ImageRegionOut(many=True)
    shipping_regions = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    api_endpoints = ApiEndpointOut(many=True)

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
            "service_notes",
            "image_os",
            "image_architecture",
            "image_regions",
            "hardware_spec",
            "hardware_weight_kg",
            "hardware_size",
            "shipping_regions",
            "license_type",
            "license_term",
            "license_term_months",
            "deploy_contents",
            "api_endpoints",
            "api_quota_unit",
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
