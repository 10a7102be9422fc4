"""`{{ obj|private_url:"field" }}`: the signed link to a private document (see
marketplace.core.private_files); "" when there is no file."""

from django import template

from marketplace.core.private_files import private_url as _private_url

register = template.Library()


@register.filter
def private_url(obj, field_name: str) -> str:
    return _private_url(obj, field_name)
