import datetime

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from marketplace.core.files import check_image
from marketplace.core.forms import UploadField

from .models import User
from .services import check_account_name, check_email_free
from .validators import validate_id_number, validate_mobile, validate_uscc


def _password_rules() -> str:
    """The password rules, from the validators in force, shown before the first try."""
    return " ".join(str(text) for text in password_validation.password_validators_help_texts())


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
    password1 = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput,
        strip=False,
        help_text=lazy(_password_rules, str)(),
    )
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput, strip=False)

    def clean_username(self):
        return check_account_name(self.cleaned_data["username"])

    def clean_email(self):
        return check_email_free(self.cleaned_data["email"])

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


class CreditCodeField(forms.CharField):
    """A unified social credit code, trimmed and upper-cased, checked by `validate_uscc`
    alone: its message covers the length too, so a mistyped code gets one clear message
    rather than a length message and a format message together."""

    default_validators = [validate_uscc]

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("Unified social credit code"))
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        # The browser stops at 18 characters; the server's check is validate_uscc.
        return {**super().widget_attrs(widget), "maxlength": "18"}

    def to_python(self, value):
        return super().to_python(value).upper()


class EnterpriseVerificationForm(forms.Form):
    company_name = forms.CharField(label=_("Company name"), max_length=200)
    credit_code = CreditCodeField(
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


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “billing script” or “CI server”."),
    )
    expires_on = forms.DateField(
        label=_("Expires on (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The token stops working at the end of this day (Beijing time)."),
    )

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        if day is not None and day < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later day."))
        return day

    @property
    def expires_at(self) -> datetime.datetime | None:
        """The end of the chosen day in TIME_ZONE (the next day's midnight), or None."""
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        return timezone.make_aware(
            datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
        )
