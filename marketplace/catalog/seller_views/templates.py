"""Seller center › the agreement and support-terms templates sellers start from."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render

from ..agreements import agreement_template, support_terms_template
from ._common import active_seller_required


@active_seller_required
def product_templates(request):
    return render(request, "catalog/seller/templates.html")


TEMPLATE_FILES = {
    "agreement": ("product-service-agreement-template.txt", agreement_template),
    "support-terms": ("service-support-terms-template.txt", support_terms_template),
}


@active_seller_required
def template_download(request, name: str):
    if name not in TEMPLATE_FILES:
        raise Http404
    filename, read = TEMPLATE_FILES[name]
    response = HttpResponse(read(), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
