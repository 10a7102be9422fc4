"""Template filters that show stored values safely: phone links and upload names.

{% load display %}
{% with uri=group.phone|phone_uri %}{% if uri %}<a href="{{ uri }}">…{% endif %}{% endwith %}
{{ version.copyright_certificate|original_name }}
"""

from django import template

from marketplace.accounts.validators import phone_uri as _phone_uri
from marketplace.core.files import original_name as _original_name

register = template.Library()


@register.filter
def phone_uri(value: str) -> str:
    """The `tel:` link of a valid phone number, "" otherwise (show it as text then)."""
    return _phone_uri(value or "")


@register.filter
def original_name(fieldfile) -> str:
    """The name a stored file was uploaded with (one query; lists use `original_names`)."""
    return _original_name(fieldfile) if fieldfile else ""
