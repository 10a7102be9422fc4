"""The payment provider's side: the sandbox "provider page" and the notify endpoint.

`payments:notify` is where providers' servers POST their signed notifications: no
session, no CSRF token (a provider has neither), so it is csrf-exempt and trusts only
the signature; it answers in plain text, `success` or `fail: <reason>`, as providers
expect. `payments:sandbox_pay` exists only while PAYMENT_PROVIDER is "sandbox".
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from buyers.services.topup import top_up_complete
from marketplace.core.exceptions import DomainError

from . import get_provider, sandbox


@csrf_exempt
@require_POST
def notify(request, provider: str):
    try:
        txn_id, reference, amount, ok = get_provider(provider).verify_notification(request.POST)
        top_up_complete(provider=provider, reference=reference, txn_id=txn_id, amount=amount, ok=ok)
    except DomainError as exc:
        return HttpResponse(f"fail: {exc.message}", status=400, content_type="text/plain")
    return HttpResponse("success", content_type="text/plain")


@require_http_methods(["GET", "POST"])
def sandbox_pay(request, reference: str):
    """The sandbox provider's payment page: anyone holding the merchant-signed link may
    open it (as on a real provider); Pay or Fail answers the browser at once and sends
    the notification asynchronously."""
    if sandbox.SandboxProvider.name != settings.PAYMENT_PROVIDER:
        raise Http404
    data = request.GET
    if not sandbox.page_request_valid(reference=reference, data=data):
        return HttpResponseBadRequest("invalid sandbox payment link", content_type="text/plain")
    return_url = data["return_url"]
    if not url_has_allowed_host_and_scheme(
        return_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseBadRequest("invalid return URL", content_type="text/plain")
    if request.method == "POST":
        ok = request.POST.get("outcome") == "pay"
        sandbox.send_after_commit(
            sandbox.notification(reference=reference, amount=data["amount"], ok=ok)
        )
        return redirect(return_url)
    return render(
        request,
        "buyers/topup_sandbox.html",
        {"amount": data["amount"], "reference": reference},
    )
