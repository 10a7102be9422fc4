"""Forms of the seller center's application tools: access keys and production interfaces.

Key choices are limited to the signed-in seller's usable INTERFACE keys, so another
seller's key (a forged id in the POST) is refused as an invalid choice before the
service runs; the service checks ownership again.
"""

from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from .models import AccessKey, Seller


def usable_interface_keys(*, seller: Seller) -> QuerySet[AccessKey]:
    now = timezone.now()
    return AccessKey.objects.filter(
        seller=seller, kind=AccessKey.Kind.INTERFACE, revoked_at__isnull=True
    ).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


class _KeyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: AccessKey) -> str:
        # Dates as the rest of the seller center shows them (2026-12-03 15:38).
        created = formats.date_format(timezone.localtime(obj.created_at), "Y-m-d")
        if obj.expires_at:
            until = formats.date_format(timezone.localtime(obj.expires_at), "Y-m-d H:i")
            return _("%(key_id)s (created %(created)s, valid until %(until)s)") % {
                "key_id": obj.key_id,
                "created": created,
                "until": until,
            }
        return _("%(key_id)s (created %(created)s)") % {"key_id": obj.key_id, "created": created}


class AccessKeyCreateForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of key"),
        choices=AccessKey.Kind.choices,
        initial=AccessKey.Kind.INTERFACE,
        widget=forms.RadioSelect,
        help_text=_(
            "A production interface key signs the marketplace's calls to your production URL; "
            "an open API key (AK/SK) signs your server's calls to the marketplace's open API."
        ),
    )


class ProductInterfaceForm(forms.Form):
    production_url = forms.CharField(
        label=_("Production URL"),
        max_length=500,
        help_text=_(
            "All provisioning calls of this product are POSTed to this address, for example "
            "https://isv.example.com/produce. In production it must be HTTPS on a public "
            "domain name."
        ),
    )
    access_key = _KeyChoiceField(
        label=_("Signing key (basic interfaces)"),
        queryset=AccessKey.objects.none(),
        empty_label=None,
        help_text=_("Your server verifies each call's signature with this key's secret."),
    )
    kit_access_key = _KeyChoiceField(
        label=_("Signing key (kit sync interfaces)"),
        queryset=AccessKey.objects.none(),
        required=False,
        empty_label=_("Same as the basic key"),
    )

    def __init__(self, *args, seller: Seller, joint: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        keys = usable_interface_keys(seller=seller).order_by("-created_at", "-pk")
        self.fields["access_key"].queryset = keys
        if joint:
            self.fields["kit_access_key"].queryset = keys
        else:
            del self.fields["kit_access_key"]
