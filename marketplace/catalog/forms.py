"""Seller-center forms of product management. They validate input only; the services
in `marketplace.catalog.services` do the writing and the business rules."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.db.models import F
from django.db.models.functions import Coalesce
from django.forms.utils import ErrorDict
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from marketplace.core import limits
from marketplace.core.files import check_document, check_image, original_name, original_names
from marketplace.core.forms import ImagesField, UploadField
from sellers.models import ServiceGroup

from . import delivery
from .agreements import (
    agreement_problems,
    agreement_template,
    check_agreement,
    support_terms_template,
)
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
    ServiceForm,
    ServiceScope,
    Spec,
)
from .services import FILE_FIELDS, TRIAL_DAYS_RANGE, VERSION_FIELDS
from .widgets import AgreementTextarea


class DeliveryTypeForm(forms.Form):
    delivery_type = forms.ChoiceField(
        label=_("Delivery type"), choices=DeliveryType.choices, widget=forms.RadioSelect
    )


class ScreenshotChoiceField(forms.ModelMultipleChoiceField):
    # {storage key: uploaded name}, filled by the form in one query (files.original_names).
    names: dict[str, str] = {}

    def label_from_instance(self, obj: ProductScreenshot) -> str:
        return format_html(
            '<img src="{}" alt="" height="60" class="rounded border me-1">{}',
            obj.image.url,
            self.names.get(obj.image.name) or original_name(obj.image),
        )


class CategoryChoiceField(forms.ModelChoiceField):
    """Categories as a tree: parents first, each followed by its children, labelled
    "Parent › Child" so that the picker shows where a category sits."""

    def label_from_instance(self, obj: Category) -> str:
        return " › ".join(c.name for c in category_path(obj))


def category_path(category: Category) -> list[Category]:
    """The category's ancestors and itself, top first (parents come with select_related)."""
    path = [category]
    while path[0].parent_id is not None and path[0].parent is not None:
        path.insert(0, path[0].parent)
    return path


def category_tree_queryset():
    """All categories in tree order (two levels, as the catalog has): a top category,
    then its children, by position and slug."""
    return Category.objects.select_related("parent", "parent__parent").order_by(
        Coalesce("parent__position", "position"),
        Coalesce("parent__slug", "slug"),
        F("parent_id").asc(nulls_first=True),
        "position",
        "slug",
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
        # The labels are the uploaded file names (includes/form.html marks them).
        widget=forms.CheckboxSelectMultiple(attrs={"data-user-content": ""}),
    )
    service_forms = forms.MultipleChoiceField(
        label=_("Service forms"),
        choices=ServiceForm.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    service_scope = forms.MultipleChoiceField(
        label=_("Service scope"),
        choices=ServiceScope.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # Delivery-type rows (services.ROW_FIELDS); image IDs get one field per region.
    shipping_regions = forms.ModelMultipleChoiceField(
        label=_("Shipping regions"),
        queryset=Region.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    api_endpoints = forms.CharField(
        label=_("APIs"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 5, "placeholder": "POST /v1/ocr/id-card Recognise an ID card"}
        ),
        help_text=_(
            "One API a line: the method, the path, then a short description, e.g. "
            "“POST /v1/ocr/id-card Recognise an ID card”."
        ),
    )

    class Meta:
        model = ProductVersion
        fields = VERSION_FIELDS
        field_classes = {"category": CategoryChoiceField}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "after_sales_scope": forms.Textarea(attrs={"rows": 3}),
            "usage_guide": forms.Textarea(attrs={"rows": 3}),
            "agreement_text": AgreementTextarea(attrs={"rows": 10}, template=agreement_template),
            "support_terms_text": AgreementTextarea(
                attrs={"rows": 14}, template=support_terms_template
            ),
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
            "service_notes": _("Anything more about the service: hours, response times, channels."),
            "hardware_spec": _("Processor, memory, storage, ports, power: what is in the box."),
            "deploy_contents": _(
                "The software, its version and components, and what the buyer's servers need."
            ),
            "api_quota_unit": _("What a package quota and a pay-as-you-go price count, e.g. call."),
            "license_term_months": _("Only for a fixed term."),
            "avg_delivery_days": _("From payment to delivery (for hardware: to shipping)."),
        }

    def __init__(self, *args, seller, delivery_type: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = category_tree_queryset()
        self.fields["service_group"].queryset = ServiceGroup.objects.filter(seller=seller)
        self.fields["service_group"].widget.attrs["data-user-content"] = ""  # the seller's names
        if delivery_type in JOINT_TYPES:
            del self.fields["agreement_text"]
            if not self.instance.pk and not self.is_bound:
                self.initial["support_terms_text"] = support_terms_template()
        else:
            del self.fields["support_terms_text"]
            if not self.is_bound and self.instance.agreement_text:
                # A draft saved elsewhere (API, before this check): show its problems.
                self.fields["agreement_text"].widget.problems = agreement_problems(
                    self.instance.agreement_text
                )
        own = delivery.delivery_fields(delivery_type)
        if "license_term" in own:
            own = (*own, "license_term_months")
        for name in delivery.TYPE_SPECIFIC_FIELDS - set(own):
            self.fields.pop(name, None)
        self._image_fields: dict[str, Region] = {}
        if "image_regions" in own:
            current = (
                {row.region_id: row.image_id for row in self.instance.image_regions.all()}
                if self.instance.pk
                else {}
            )
            for region in Region.objects.all():
                name = f"image_id_{region.code}"
                self._image_fields[name] = region
                self.fields[name] = forms.CharField(
                    label=_("Image ID in %(region)s") % {"region": region.name},
                    max_length=100,
                    required=False,
                    initial=current.get(region.pk, ""),
                )
        if self.instance.pk:
            if "shipping_regions" in self.fields:
                self.initial["shipping_regions"] = list(self.instance.shipping_regions.all())
            if "api_endpoints" in self.fields:
                self.initial["api_endpoints"] = "\n".join(
                    f"{row.method} {row.path} {row.description}"
                    for row in self.instance.api_endpoints.all()
                )
            self.current_screenshots = list(self.instance.screenshots.all())
            self.fields["screenshots"].help_text = _(
                "JPG/JPEG or PNG, up to %(max)d screenshots; choose several files at once."
            ) % {"max": ProductScreenshot.MAX_PER_VERSION}
            self.fields["remove_screenshots"].queryset = self.instance.screenshots.all()
            self.fields["remove_screenshots"].names = original_names(
                shot.image.name for shot in self.current_screenshots
            )
            if not self.current_screenshots:
                del self.fields["remove_screenshots"]
        else:  # a new product: nothing to remove yet
            self.current_screenshots = []
            self.fields["screenshots"].help_text = _(
                "JPG/JPEG or PNG, up to %(max)d screenshots; choose several files at once."
            ) % {"max": ProductScreenshot.MAX_PER_VERSION}
            del self.fields["remove_screenshots"]
        # Screenshots next to the logo; what the delivery type describes after the tags.
        typed = [
            n
            for n in (*delivery.delivery_fields(delivery_type), "license_term_months")
            if n in self.fields and n != "image_regions"
        ]
        if "image_regions" in own:
            at = own.index("image_regions")
            typed[at:at] = list(self._image_fields)
        placed = {"screenshots", "remove_screenshots", *typed}
        names = [n for n in self.fields if n not in placed]
        names[names.index("logo") + 1 : names.index("logo") + 1] = [
            "screenshots",
            "remove_screenshots",
        ]
        at = names.index("tags") + 1
        self.order_fields([*names[:at], *typed, *names[at:]])

    def clean_agreement_text(self) -> str:
        """Refuse, on save, an agreement that online use forbids (blanks, stamps, signing
        place …), naming and highlighting the lines; an empty one waits for submit."""
        text = self.cleaned_data.get("agreement_text", "")
        problems = agreement_problems(text) if text.strip() else []
        self.fields["agreement_text"].widget.problems = problems
        if problems:
            try:
                check_agreement(text)
            except forms.ValidationError as exc:  # keyed by field: re-raise as this field's
                raise forms.ValidationError(exc.message_dict["agreement_text"]) from exc
        return text

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

    def clean_api_endpoints(self) -> list[dict]:
        """The API list, one "METHOD /path description" a line; errors name the line."""
        rows, errors = [], []
        for number, line in enumerate(self.cleaned_data.get("api_endpoints", "").splitlines(), 1):
            parts = line.split(None, 2)
            if not parts:
                continue
            if len(parts) < 3:
                errors.append(
                    _("Line %(number)d: give the method, the path and a description.")
                    % {"number": number}
                )
                continue
            rows.append({"method": parts[0].upper(), "path": parts[1], "description": parts[2]})
        if errors:
            raise forms.ValidationError(errors)
        return rows

    def delivery_rows(self) -> dict:
        """cleaned_data of the delivery-type rows as `fields=` for the services."""
        values = {}
        if self._image_fields:
            values["image_regions"] = [
                {"region": region, "image_id": self.cleaned_data[name].strip()}
                for name, region in self._image_fields.items()
                if self.cleaned_data.get(name, "").strip()
            ]
        for name in ("shipping_regions", "api_endpoints"):
            if name in self.fields and name in self.cleaned_data:
                values[name] = list(self.cleaned_data[name])
        return values

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
        return {**values, **self.delivery_rows()}


class SpecForm(forms.Form):
    """A spec's own fields. The billing modes offered are the delivery type's
    (catalog/delivery.py); the page shows trial and package fields only for the mode that
    uses them, and values left in a hidden field are dropped here."""

    name = forms.CharField(
        label=_("Name"), max_length=100, validators=[limits.validate_single_line]
    )
    billing_mode = forms.ChoiceField(label=_("Billing mode"), choices=BillingMode.choices)
    trial_days = forms.IntegerField(
        label=_("Trial days"),
        required=False,
        min_value=TRIAL_DAYS_RANGE[0],
        max_value=TRIAL_DAYS_RANGE[1],
    )
    package_kind = forms.ChoiceField(
        label=_("Package kind"),
        choices=[("", "—"), *Spec.PackageKind.choices],
        required=False,
    )
    package_quota = forms.IntegerField(
        label=_("Package quota"), required=False, min_value=1, max_value=limits.MAX_PACKAGE_QUOTA
    )
    code = forms.SlugField(
        label=_("Spec code"),
        max_length=40,
        required=False,
        help_text=_(
            "Generated from the name. It identifies the spec across versions (stock, "
            "limits, orders): change it only if your systems need a particular code."
        ),
    )

    # The fields each billing mode needs; the others are hidden and ignored.
    MODE_FIELDS = {
        "trial_days": {BillingMode.TRIAL},
        "package_kind": {BillingMode.PACKAGE},
        "package_quota": {BillingMode.PACKAGE},
    }

    def __init__(self, *args, delivery_type: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        modes = delivery.allowed_modes(delivery_type)
        self.fields["billing_mode"].choices = [
            (value, label) for value, label in BillingMode.choices if value in modes
        ]

    def clean(self):
        data = super().clean()
        mode = data.get("billing_mode")
        for name, modes in self.MODE_FIELDS.items():
            if mode not in modes:
                data[name] = "" if name == "package_kind" else None
                self.errors.pop(name, None)
        return data


class PriceForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=Price.Period.choices)
    # Range and sign are the service's rules; the form only parses the number.
    amount = forms.DecimalField(label=_("Price (CNY)"), max_digits=16, decimal_places=2)
    unit = forms.CharField(label=_("Unit"), max_length=30, required=False)
    max_periods = forms.IntegerField(
        label=_("Max periods per order"),
        initial=1,
        min_value=1,
        max_value=limits.MAX_PERIODS_PER_ORDER,
    )

    def has_changed(self) -> bool:
        # An added row left without a price is an empty row: the formset skips it
        # instead of asking the seller to fill in or remove it.
        return bool(self.data.get(self.add_prefix("amount"), "").strip())


class AttributeForm(forms.Form):
    attribute = forms.ModelChoiceField(label=_("Attribute"), queryset=AttributeName.objects.none())
    options = forms.CharField(
        label=_("Options"), max_length=300, required=False, help_text=_("enumerated: a,b,c")
    )
    # Upper bounds here; signs, order and a step that fits the range (max − min) are the
    # service's rules, with its messages.
    min_value = forms.IntegerField(
        label=_("Minimum"), required=False, max_value=limits.MAX_ATTRIBUTE_VALUE
    )
    max_value = forms.IntegerField(
        label=_("Maximum"), required=False, max_value=limits.MAX_ATTRIBUTE_VALUE
    )
    step = forms.IntegerField(label=_("Step"), required=False, max_value=limits.MAX_ATTRIBUTE_VALUE)
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)

    def __init__(self, *args, seller=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attribute"].queryset = AttributeName.objects.filter(seller=seller)
        self.fields["attribute"].widget.attrs["data-user-content"] = ""  # the seller's names

    def has_changed(self) -> bool:
        # A row whose attribute was never chosen is an empty row: skipped, not an error.
        return bool(self.data.get(self.add_prefix("attribute"), "").strip())


PriceFormSet = forms.formset_factory(
    PriceForm, extra=0, can_delete=True, max_num=limits.MAX_PRICES_PER_SPEC, validate_max=True
)
AttributeFormSet = forms.formset_factory(
    AttributeForm,
    extra=0,
    can_delete=True,
    max_num=limits.MAX_ATTRIBUTES_PER_SPEC,
    validate_max=True,
)


def rows(formset) -> list[dict]:
    """The filled, not deleted rows of a valid formset."""
    return [
        {k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class DelistForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=limits.MAX_REASON_LENGTH,
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
    # Upper bounds here (core/limits.py); the service explains the lower ones.
    stock = forms.IntegerField(
        label=_("Stock"),
        required=False,
        max_value=limits.MAX_STOCK,
        help_text=_("empty: unlimited"),
    )
    max_quantity_per_buyer = forms.IntegerField(
        label=_("Max quantity per buyer"), required=False, max_value=limits.MAX_PURCHASE_LIMIT
    )
    max_orders_per_buyer = forms.IntegerField(
        label=_("Max orders per buyer"), required=False, max_value=limits.MAX_PURCHASE_LIMIT
    )


class AllowlistAddForm(forms.Form):
    kind = forms.ChoiceField(choices=AllowlistEntry.Kind.choices, widget=forms.HiddenInput)
    account_name = forms.CharField(label=_("Account name"), max_length=150)
    account_id = forms.CharField(label=_("Account ID"), max_length=32)


class AttributeNameForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AttributeName.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=50, validators=[limits.validate_single_line])


def quiet(*forms_or_formsets) -> None:
    """Show bound forms without their errors: used when the spec form comes back with
    one more row, before the seller tried to save (the input stays, nobody is scolded)."""
    for item in forms_or_formsets:
        if isinstance(item, forms.BaseFormSet):
            item.full_clean()
            item._errors = [ErrorDict() for _form in item.forms]
            item._non_form_errors = item.error_class()
            quiet(*item.forms)
        else:
            item.full_clean()
            item._errors = ErrorDict()
