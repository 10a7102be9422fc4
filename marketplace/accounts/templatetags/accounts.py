"""Template helpers of the account pages and the navbar's log-in links."""

from django import template
from django.utils.http import url_has_allowed_host_and_scheme

register = template.Library()


@register.simple_tag(takes_context=True)
def login_next(context) -> str:
    """The `next` the navbar's log-in and sign-up links carry: the page they are on, so
    the person comes back to it; on the account pages, the `next` those pages already
    have (never a log-in page sending to itself)."""
    request = context.get("request")
    if request is None:
        return ""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.app_name == "accounts":
        target = request.GET.get("next", "")
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return target
        return ""
    if request.method != "GET":
        return ""
    return request.get_full_path()
