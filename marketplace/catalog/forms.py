"""Seller-center forms of product management. They validate input only; the services
in `marketplace.catalog.services` do the writing and the business rules."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from marketplace.core.files import check_document, check_image
from marketplace.core.forms import ImagesField, UploadField
from sellers.models import ServiceGroup

from .agreements import support_terms_template
from .models import (
    JOINT_TYPES,
    AllowlistEntry,
    AttributeName,
    BillingMode,
    Category,
    DeliveryType,
    Price,
    ProductScreenshot,
    ProductVersion,
    Region,
    Spec,
)
from .services import FILE_FIELDS, VERSION_FIELDS


class DeliveryTypeForm(forms.Form):
    delivery_type = forms.ChoiceField(
        label=_("Delivery type"), choices=DeliveryType.choices, widget=forms.RadioSelect
    )


class ScreenshotChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: ProductScreenshot) -> str:
        return format_html(
            '<img src="{}" alt="" height="60" class="rounded border me-1">{}',
            obj.image.url,
            obj.image.name.rsplit("/", 1)[-1].split("-", 1)[-1],  # without the uuid prefix
        )


class ProductContentForm(forms.ModelForm):
    """The reviewed content of a product, shaped by its delivery type (02 › Information)."""

    logo = UploadField(
        label=_("Logo"),
        required=False,
        check=check_image,
        check_kwargs=lambda: {"max_bytes": settings.MAX_LOGO_BYTES},
        help_text=_("JPG/JPEG or PNG."),
    )
    copyright_certificate = UploadField(
        label=_("Software copyright certificate"),
        required=False,
        check=check_document,
        check_kwargs=lambda: {"max_bytes": settings.MAX_DOCUMENT_BYTES},
        help_text=_("PDF, JPG or PNG."),
    )
    open_source_declaration = UploadField(
        label=_("Open-source software declaration"),
        required=False,
        check=check_document,
        check_kwargs=lambda: {"max_bytes": settings.MAX_DOCUMENT_BYTES},
        help_text=_("PDF, JPG or PNG."),
    )
    # Screenshots are rows of their own: the edit page adds and removes them through
    # `product_screenshots_update`, not through `fields=`.
    screenshots = ImagesField(
        label=_("Add screenshots"),
        required=False,
        check_kwargs=lambda: {"max_bytes": settings.MAX_IMAGE_BYTES},
    )
    remove_screenshots = ScreenshotChoiceField(
        label=_("Remove screenshots"),
        queryset=ProductScreenshot.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ProductVersion
        fields = VERSION_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "after_sales_scope": forms.Textarea(attrs={"rows": 3}),
            "usage_guide": forms.Textarea(attrs={"rows": 3}),
            "agreement_text": forms.Textarea(attrs={"rows": 10}),
            "support_terms_text": forms.Textarea(attrs={"rows": 14}),
        }
        help_texts = {
            "agreement_text": _(
                "A two-party online agreement that takes effect when the buyer ticks it: no "
                "blanks to fill in, no stamp or signature, no signing place."
            ),
            "support_terms_text": _(
                "Start from the platform template and edit only the marked places: replace "
                "each {{ … }} and [[ … ]], markers included."
            ),
            "service_forms": _("e.g. on-site support, phone support, e-mail support"),
            "service_scope": _("e.g. consulting, operation guidance, running and maintenance"),
        }

    def __init__(self, *args, seller, delivery_type: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.all()
        self.fields["service_group"].queryset = ServiceGroup.objects.filter(seller=seller)
        if delivery_type in JOINT_TYPES:
            del self.fields["agreement_text"]
            if not self.instance.pk and not self.is_bound:
                self.initial["support_terms_text"] = support_terms_template()
        else:
            del self.fields["support_terms_text"]
        if delivery_type != DeliveryType.MANUAL_SERVICE:
            del self.fields["flow_template"]
            del self.fields["avg_delivery_days"]
        if self.instance.pk:
            self.current_screenshots = list(self.instance.screenshots.all())
            self.fields["screenshots"].help_text = _(
                "JPG/JPEG or PNG, up to %(max)d screenshots; choose several files at once."
            ) % {"max": ProductScreenshot.MAX_PER_VERSION}
            self.fields["remove_screenshots"].queryset = self.instance.screenshots.all()
            if not self.current_screenshots:
                del self.fields["remove_screenshots"]
        else:  # a new product: screenshots come once its draft exists
            del self.fields["screenshots"]
            del self.fields["remove_screenshots"]
        # Next to the logo rather than after the last field.
        names = [n for n in self.fields if n not in ("screenshots", "remove_screenshots")]
        at = names.index("logo") + 1
        self.order_fields([*names[:at], "screenshots", "remove_screenshots", *names[at:]])

    def clean(self):
        data = super().clean()
        if "screenshots" in self.fields:
            kept = len(self.current_screenshots) - len(data.get("remove_screenshots") or [])
            if kept + len(data.get("screenshots") or []) > ProductScreenshot.MAX_PER_VERSION:
                self.add_error(
                    "screenshots",
                    _("A product has at most %(max)d screenshots; remove some first.")
                    % {"max": ProductScreenshot.MAX_PER_VERSION},
                )
        return data

    def screenshot_changes(self) -> dict:
        """cleaned_data as `add=` and `remove=` for `product_screenshots_update`."""
        return {
            "add": self.cleaned_data.get("screenshots") or [],
            "remove": [shot.pk for shot in self.cleaned_data.get("remove_screenshots") or []],
        }

    def service_fields(self, *, changed_only: bool) -> dict:
        """cleaned_data as `fields=` for the services (a cleared file becomes empty)."""
        names = self.changed_data if changed_only else list(self.cleaned_data)
        values = {}
        for name in names:
            if name not in self.cleaned_data or name not in VERSION_FIELDS:
                continue
            value = self.cleaned_data[name]
            if name in FILE_FIELDS and value is False:
                value = ""
            elif name in FILE_FIELDS and value is None:
                continue
            values[name] = value
        return values


class SpecForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"), max_length=40, help_text=_("Stable across versions, e.g. basic")
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    billing_mode = forms.ChoiceField(label=_("Billing mode"), choices=BillingMode.choices)
    trial_days = forms.IntegerField(label=_("Trial days"), required=False)
    package_kind = forms.ChoiceField(
        label=_("Package kind"),
        choices=[("", "—"), *Spec.PackageKind.choices],
        required=False,
    )
    package_quota = forms.IntegerField(label=_("Package quota"), required=False, min_value=1)


class PriceForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=Price.Period.choices)
    # Range and sign are the service's rules; the form only parses the number.
    amount = forms.DecimalField(label=_("Price (CNY)"), max_digits=16, decimal_places=2)
    unit = forms.CharField(label=_("Unit"), max_length=30, required=False)
    max_periods = forms.IntegerField(label=_("Max periods per order"), initial=1, min_value=1)

    def has_changed(self) -> bool:
        # An added row left without a price is an empty row: the formset skips it
        # instead of asking the seller to fill in or remove it.
        return bool(self.data.get(self.add_prefix("amount"), "").strip())


class AttributeForm(forms.Form):
    attribute = forms.ModelChoiceField(label=_("Attribute"), queryset=AttributeName.objects.none())
    options = forms.CharField(
        label=_("Options"), max_length=300, required=False, help_text=_("enumerated: a,b,c")
    )
    min_value = forms.IntegerField(label=_("Minimum"), required=False)
    max_value = forms.IntegerField(label=_("Maximum"), required=False)
    step = forms.IntegerField(label=_("Step"), required=False)
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)

    def __init__(self, *args, seller=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attribute"].queryset = AttributeName.objects.filter(seller=seller)


PriceFormSet = forms.formset_factory(PriceForm, extra=0, can_delete=True)
AttributeFormSet = forms.formset_factory(AttributeForm, extra=0, can_delete=True)


def rows(formset) -> list[dict]:
    """The filled, not deleted rows of a valid formset."""
    return [
        {k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class DelistForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class SalesSettingsForm(forms.Form):
    allowlist_enabled = forms.BooleanField(label=_("Sell only to specified users"), required=False)
    trial_allowlist_enabled = forms.BooleanField(
        label=_("Trial only for specified users"), required=False
    )
    credit_line_allowed = forms.BooleanField(label=_("Allow credit-line payment"), required=False)
    cash_coupon_allowed = forms.BooleanField(label=_("Allow cash-coupon payment"), required=False)
    credit_specified_users_only = forms.BooleanField(
        label=_("Credit payment only for specified users"), required=False
    )
    regions = forms.ModelMultipleChoiceField(
        label=_("Sales regions"),
        queryset=Region.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None selected: sold in every region."),
    )


class SpecSalesForm(forms.Form):
    stock = forms.IntegerField(label=_("Stock"), required=False, help_text=_("empty: unlimited"))
    max_quantity_per_buyer = forms.IntegerField(label=_("Max quantity per buyer"), required=False)
    max_orders_per_buyer = forms.IntegerField(label=_("Max orders per buyer"), required=False)


class AllowlistAddForm(forms.Form):
    kind = forms.ChoiceField(choices=AllowlistEntry.Kind.choices, widget=forms.HiddenInput)
    account_name = forms.CharField(label=_("Account name"), max_length=150)
    account_id = forms.CharField(label=_("Account ID"), max_length=32)


class AttributeNameForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AttributeName.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=50)
