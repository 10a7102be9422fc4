"""Seller center › Application tools › Interface debugging 接口调试 (issue 9 › 7).

Pick a product with a production interface and an activity; the form fills in a valid
body; "Show request" shows the signed URL and body, "Send" sends it (testFlag "1") and
shows the answer with its verdict; a request can be saved as a test case (run again by
hand and by the daily probe). "Conformance run" checks idempotency and the signature
checks of the seller's server. With htmx the answers replace `#console-output` only;
without it the whole page comes back. Every object is scoped by the seller: another
seller's product or test case is a 404.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from marketplace.catalog.models import Product, ProductVersion
from marketplace.core.exceptions import DomainError
from marketplace.core.forms import call_service

from ..forms_console import ConsoleForm, console_products, pretty
from ..isv import console as service
from ..models import InterfaceTestCase, ProductInterface
from .orders import order_seller_required

OUTPUT_TEMPLATES = {
    "preview": "orders/console_preview.html",
    "run": "orders/console_result.html",
    "conformance": "orders/console_conformance.html",
}


def seller_test_cases(*, seller):
    latest = ProductVersion.objects.filter(product=OuterRef("product_id")).order_by("-number")
    return (
        InterfaceTestCase.objects.filter(product__seller=seller)
        .annotate(product_name=Subquery(latest.values("name")[:1]))
        .order_by("-created_at", "-pk")
    )


def _own_interface(request, product_pk: int) -> ProductInterface:
    return get_object_or_404(
        ProductInterface.objects.select_related("access_key", "product"),
        product__pk=product_pk,
        product__seller=request.seller,
    )


def _own_test_case(request, pk: int) -> InterfaceTestCase:
    return get_object_or_404(
        InterfaceTestCase.objects.select_related("product"), pk=pk, product__seller=request.seller
    )


def _run_context(run: service.ConsoleRun) -> dict:
    exchange = run.exchange
    response = exchange.response_text
    if exchange.response_json is not None:
        response = pretty(exchange.response_json)
    return {
        "ok": run.ok,
        "url": exchange.url,
        "request": pretty(exchange.request_body),
        "http_status": exchange.http_status,
        "content_type": run.content_type,
        "result_code": exchange.result_code,
        "result_meaning": service.result_code_meaning(exchange.result_code),
        "latency_ms": exchange.latency_ms,
        "response": response,
        "error": exchange.error,
        "checks": service.describe_all(run.verdict.get("checks", [])),
    }


def _render(request, form, *, output: str = "", status: int = 200, **context):
    """The whole page, or with htmx only the output panel."""
    context = {"form": form, "output": output, **context}
    if request.htmx and output:
        # htmx swaps only 2xx answers: the errors are in the panel either way.
        return render(request, OUTPUT_TEMPLATES[output], context)
    seller = request.seller
    context |= {
        "test_cases": list(seller_test_cases(seller=seller)),
        "untested": list(
            console_products(seller=seller).filter(
                status=Product.Status.LISTED, interface_tests__isnull=True
            )
        ),
        "output_template": OUTPUT_TEMPLATES.get(output, ""),
    }
    return render(request, "orders/console.html", context, status=status)


@require_GET
@order_seller_required
def console(request):
    products = list(console_products(seller=request.seller))
    chosen = next((p for p in products if str(p.pk) == request.GET.get("product")), None)
    product = chosen or (products[0] if products else None)
    activity = request.GET.get("activity", "")
    if activity not in service.ACTIVITIES:
        activity = str(service.Activity.NEW_INSTANCE)
    body = service.console_default_body(activity=activity, product=product)
    form = ConsoleForm(
        seller=request.seller,
        initial={"product": product, "activity": activity, "body": pretty(body)},
    )
    return _render(request, form, products=products)


def _bound(request) -> tuple[ConsoleForm, ProductInterface | None]:
    form = ConsoleForm(request.POST, seller=request.seller)
    if not form.is_valid():
        return form, None
    return form, _own_interface(request, form.cleaned_data["product"].pk)


@require_POST
@order_seller_required
def console_preview(request):
    form, interface = _bound(request)
    if interface is None:
        return _render(request, form, output="preview", status=400)
    data = form.cleaned_data
    body = service.console_body(activity=data["activity"], body=data["body"])
    try:
        preview = service.console_preview(interface=interface, body=body)
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _render(request, form, output="preview", status=400)
    return _render(request, form, output="preview", preview=preview | {"pretty": pretty(body)})


@require_POST
@order_seller_required
def console_send(request):
    form, interface = _bound(request)
    if interface is None:
        return _render(request, form, output="run", status=400)
    data = form.cleaned_data
    run = service.console_send(interface=interface, activity=data["activity"], body=data["body"])
    return _render(request, form, output="run", run=_run_context(run))


@require_POST
@order_seller_required
def test_case_create(request):
    form, interface = _bound(request)
    if interface is not None:
        data = form.cleaned_data
        test_case = call_service(
            form,
            service.test_case_create,
            product=interface.product,
            name=data["name"],
            activity=data["activity"],
            body=data["body"],
        )
        if test_case is not None:
            messages.success(request, _("Test case “%(name)s” saved.") % {"name": test_case.name})
            url = reverse("seller:interface_console")
            return redirect(f"{url}?product={interface.product_id}&activity={data['activity']}")
    return _render(request, form, status=400)


def _form_for(request, test_case: InterfaceTestCase) -> ConsoleForm:
    return ConsoleForm(
        seller=request.seller,
        initial={
            "product": test_case.product,
            "activity": test_case.activity,
            "body": pretty(test_case.body),
            "name": test_case.name,
        },
    )


@require_POST
@order_seller_required
def test_case_run(request, pk: int):
    test_case = _own_test_case(request, pk)
    _own_interface(request, test_case.product_id)  # the interface may have been removed
    run = service.test_case_run(test_case=test_case)
    return _render(
        request,
        _form_for(request, test_case),
        output="run",
        run=_run_context(run),
        test_case=test_case,
    )


@require_POST
@order_seller_required
def test_case_delete(request, pk: int):
    test_case = _own_test_case(request, pk)
    name = test_case.name
    service.test_case_delete(test_case=test_case)
    messages.success(request, _("Test case “%(name)s” deleted.") % {"name": name})
    return redirect("seller:interface_console")


@require_POST
@order_seller_required
def conformance(request, product_pk: int):
    interface = _own_interface(request, product_pk)
    results = service.conformance_run(interface=interface)
    rows = []
    for result in results:
        label, text = service.describe(result)
        rows.append(
            {
                "ok": result["ok"],
                "label": label,
                "text": text,
                "exchanges": [
                    e | {"request_text": json.dumps(e["request"], ensure_ascii=False)}
                    for e in result["exchanges"]
                ],
            }
        )
    form = ConsoleForm(
        seller=request.seller,
        initial={
            "product": interface.product,
            "activity": str(service.Activity.NEW_INSTANCE),
            "body": pretty(
                service.console_default_body(
                    activity=service.Activity.NEW_INSTANCE, product=interface.product
                )
            ),
        },
    )
    return _render(
        request,
        form,
        output="conformance",
        conformance={"ok": all(r["ok"] for r in rows), "rows": rows, "product": interface.product},
    )
