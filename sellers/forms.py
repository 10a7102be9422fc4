"""Forms of the seller center. They check shape and file content; the services decide."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from marketplace.accounts.forms import CreditCodeField
from marketplace.accounts.validators import validate_mobile, validate_phone
from marketplace.core import limits
from marketplace.core.files import check_document, check_image, check_video
from marketplace.core.forms import ImagesField, UploadField
from marketplace.core.widgets import ImageUploadInput

from . import regions


class SellerApplicationForm(forms.Form):
    """Onboarding application 入驻申请 (also used to resubmit a rejected one)."""

    store_name = forms.CharField(
        label=_("Store name"), max_length=100, validators=[limits.validate_single_line]
    )
    business_scope = forms.CharField(
        label=_("Main products and services"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=limits.MAX_BUSINESS_SCOPE_LENGTH,
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=100)
    contact_mobile = forms.CharField(
        label=_("Contact mobile"), max_length=20, validators=[validate_mobile]
    )
    contact_email = forms.EmailField(label=_("Contact e-mail"))


YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class BusinessInfoForm(forms.Form):
    """Business information certification 商业信息认证, with dependent address selects.

    The city and district lists follow the chosen province and city: htmx swaps the
    `<option>`s from `seller:region_cities` / `seller:region_districts`; a re-rendered
    form (after an error) builds them from the submitted data.
    """

    province = forms.ChoiceField(label=_("Province"))
    city = forms.ChoiceField(label=_("City"))
    district = forms.ChoiceField(label=_("District / county"))
    address_detail = forms.CharField(
        label=_("Detailed address"),
        max_length=200,
        help_text=_("As on the latest business licence."),
    )
    has_marketplace_contact = forms.TypedChoiceField(
        label=_("Is there a marketplace-side contact person working with you?"),
        choices=[("", "---------"), *YES_NO],
        coerce=lambda value: value == "yes",
    )
    marketplace_contact_name = forms.CharField(
        label=_("Contact person's name"),
        max_length=100,
        required=False,
        help_text=_("Required if a marketplace-side contact person works with you."),
    )
    marketplace_contact_mobile = forms.CharField(
        label=_("Contact person's mobile"),
        max_length=20,
        required=False,
        validators=[validate_mobile],
    )
    marketplace_contact_email = forms.EmailField(label=_("Contact person's e-mail"), required=False)
    logo = UploadField(
        label=_("Company logo (JPG/JPEG/PNG, at most 5 MB)"),
        check=check_image,
        check_kwargs=lambda: {"max_bytes": settings.MAX_LOGO_BYTES},
        widget=ImageUploadInput,  # preview and replace, like the other images
    )

    CONTACT_FIELDS = (
        "marketplace_contact_name",
        "marketplace_contact_mobile",
        "marketplace_contact_email",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        province = self._value("province")
        city = self._value("city")
        self.fields["province"].choices = _choices(regions.provinces())
        self.fields["city"].choices = _choices(regions.cities(province))
        self.fields["district"].choices = _choices(regions.districts(province, city))
        for name in ("province", "city", "district"):
            # The names of China's administrative divisions, in Chinese in either language.
            self.fields[name].widget.attrs["lang"] = "zh-hans"
        self.fields["province"].widget.attrs.update(
            {
                "hx-get": reverse("seller:region_cities"),
                "hx-target": "#id_city",
                "hx-trigger": "change",
                "hx-include": "[name=province]",
            }
        )
        self.fields["city"].widget.attrs.update(
            {
                "hx-get": reverse("seller:region_districts"),
                "hx-target": "#id_district",
                "hx-trigger": "change",
                "hx-include": "[name=province],[name=city]",
            }
        )

    def _value(self, name: str) -> str:
        if self.is_bound:
            return self.data.get(self.add_prefix(name), "")
        return self.initial.get(name, "")

    def clean(self):
        data = super().clean()
        if data.get("has_marketplace_contact"):
            for name in self.CONTACT_FIELDS:
                if name in data and not data[name] and name not in self.errors:
                    self.add_error(
                        name,
                        _("Required when a marketplace-side contact person works with you."),
                    )
        else:
            for name in self.CONTACT_FIELDS:
                data[name] = ""
        return data


class BusinessInfoUpdateForm(BusinessInfoForm):
    """Change certified business information: without a new logo the current one stays."""

    def __init__(self, *args, current_logo=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["logo"].required = False
        self.fields["logo"].help_text = _("Leave empty to keep the current logo.")
        # The widget shows the current logo; it is not the field's initial value, so
        # that an unchanged logo is not handed to the service as a new one.
        self.fields["logo"].widget.current = current_logo

    @classmethod
    def initial_from(cls, info) -> dict[str, str]:
        """The form's initial data from a `BusinessInfo` (its selects use the values)."""
        initial = {
            name: getattr(info, name)
            for name in ("province", "city", "district", "address_detail", *cls.CONTACT_FIELDS)
        }
        initial["has_marketplace_contact"] = "yes" if info.has_marketplace_contact else "no"
        return initial


def _choices(names: list[str]) -> list[tuple[str, str]]:
    return [("", "---------")] + [(name, name) for name in names]


class StoreImagesField(ImagesField):
    """Several introduction images, each exactly `settings.STORE_IMAGE_SIZE`."""

    def __init__(self, **kwargs) -> None:
        super().__init__(
            check_kwargs=lambda: {
                "max_bytes": settings.MAX_IMAGE_BYTES,
                "exact_size": settings.STORE_IMAGE_SIZE,
            },
            **kwargs,
        )


class StorePageForm(forms.Form):
    intro_video = UploadField(
        label=_("Introduction video (MP4 or MOV)"),
        required=False,
        check=check_video,
        check_kwargs=lambda: {"max_bytes": settings.MAX_VIDEO_BYTES},
    )
    remove_intro_video = forms.BooleanField(label=_("Remove the current video"), required=False)
    intro_images = StoreImagesField(
        label=_("Introduction images"),
        required=False,
    )
    brand_story = forms.CharField(
        label=_("Brand story"),
        required=False,
        max_length=limits.MAX_BRAND_STORY_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Company profile, strengths, vision and qualifications."),
    )
    certificate_image = UploadField(
        label=_("Qualification certificates (one merged image)"),
        required=False,
        check=check_image,
        check_kwargs=lambda: {
            "max_bytes": settings.MAX_IMAGE_BYTES,
            "exact_width": settings.STORE_CERTIFICATE_WIDTH,
        },
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Sizes come from settings: format them at request time, in the user's language.
        width, height = settings.STORE_IMAGE_SIZE
        self.fields["intro_images"].help_text = gettext(
            "JPG/JPEG/PNG, exactly %(width)s×%(height)s pixels; new images replace the "
            "current ones."
        ) % {"width": width, "height": height}
        self.fields["certificate_image"].help_text = gettext(
            "JPG/JPEG/PNG, %(width)s pixels wide; several certificates merged into one image."
        ) % {"width": settings.STORE_CERTIFICATE_WIDTH}


class ProductChoiceField(forms.ModelMultipleChoiceField):
    """Products by the name of their latest version (a draft has no listed name yet)."""

    def label_from_instance(self, obj) -> str:
        return getattr(obj, "latest_name", "") or str(obj)


class JointCertificationForm(forms.Form):
    """Joint-operation certification of chosen products (issue 6 item 9). The company is
    the seller's own, filled in from the onboarding and not editable here."""

    company_name = forms.CharField(
        label=_("Certified company name"),
        max_length=200,
        disabled=True,
        help_text=_("The company that sells: the one of your enterprise verification."),
    )
    credit_code = CreditCodeField(disabled=True)
    products = ProductChoiceField(
        label=_("Joint-operation products covered"),
        queryset=None,
        # The labels are product names (includes/form.html marks them).
        widget=forms.CheckboxSelectMultiple(attrs={"data-user-content": ""}),
        help_text=_(
            "Your joint-operation products (drafts too) that no certification covers yet. "
            "Only a covered product can be submitted for review."
        ),
    )
    authorization_letter = UploadField(
        label=_("Authorization letter (PDF, JPG or PNG)"),
        check=check_document,
        check_kwargs=lambda: {"max_bytes": settings.MAX_DOCUMENT_BYTES},
    )
    products_description = forms.CharField(
        label=_("Notes for the reviewer (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=limits.MAX_JOINT_PRODUCTS_LENGTH,
        required=False,
    )

    def __init__(self, *args, products, **kwargs) -> None:
        # The candidates come from the catalog (the view passes them: sellers can't
        # import it).
        super().__init__(*args, **kwargs)
        self.fields["products"].queryset = products

    def clean_credit_code(self):
        return self.cleaned_data["credit_code"].strip().upper()


class ServiceGroupForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, validators=[limits.validate_single_line]
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        validators=[validate_phone],
        help_text=_("A mobile, a landline with its area code, or a 400/800 number."),
    )
    email = forms.EmailField(label=_("E-mail"))
    hours = forms.CharField(
        label=_("Service hours"),
        max_length=100,
        validators=[limits.validate_single_line],
        help_text=_("e.g. Mon–Fri 9:00–18:00"),
    )


class ExitRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you leaving? (optional)"),
        required=False,
        max_length=limits.MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
