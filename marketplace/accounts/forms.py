from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from marketplace.core.files import check_image
from marketplace.core.forms import UploadField

from .models import User
from .validators import validate_id_number, validate_mobile, validate_uscc


class SignUpForm(forms.Form):
    username = forms.RegexField(
        label=_("Account name"),
        max_length=64,
        regex=r"^[\w.@+-]+$",
        error_messages={"invalid": _("Use letters, digits and @ . + - _ only.")},
        help_text=_("Your login; letters, digits and @ . + - _."),
    )
    email = forms.EmailField(label=_("E-mail"))
    mobile = forms.CharField(
        label=_("Mobile"), max_length=20, required=False, validators=[validate_mobile]
    )
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput, strip=False)

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This account name is taken."))
        return username

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords don't match."))
        elif data.get("password1"):
            try:
                password_validation.validate_password(
                    data["password1"], User(username=data.get("username", ""))
                )
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class EnterpriseVerificationForm(forms.Form):
    company_name = forms.CharField(label=_("Company name"), max_length=200)
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=18,
        min_length=18,
        validators=[validate_uscc],
        help_text=_("18 characters, as printed on the business licence."),
    )
    legal_representative = forms.CharField(label=_("Legal representative"), max_length=100)
    licence = UploadField(
        label=_("Business licence (JPG/PNG, at most 5 MB)"),
        check=check_image,
        check_kwargs=lambda: {"max_bytes": settings.MAX_IMAGE_BYTES},
    )

    def clean_credit_code(self):
        return self.cleaned_data["credit_code"].strip().upper()


class IndividualVerificationForm(forms.Form):
    real_name = forms.CharField(label=_("Real name"), max_length=100)
    id_number = forms.CharField(
        label=_("Resident ID number"), max_length=18, validators=[validate_id_number]
    )
