"""Factories for service supervision (issue 11).

- `supervised_order(delivery_type=..., kind=..., **product_kw)`: a paid order (no case
  yet) of a listed product of that delivery type, with a spec its type sells.
- `open_case(flow=..., **kw)`: a case opened through `case_open` for a paid order of the
  delivery type that gets `flow` (`FLOW_TYPES`). `buyer=`, `seller=` to choose parties.
- `evidence_pdf()`, `evidence_png()`, `evidence_docx()` …: in-memory uploads with real
  content; `fake_pdf()` is a text file renamed to .pdf.
Cases are opened through the service (not inserted): the log's first row is chained.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

from marketplace.catalog.models import DeliveryType
from orders.models import Order
from supervision.flows import FlowCode
from supervision.models import Case
from supervision.services import case_open
from tests.conftest import make_image_bytes
from tests.factories.catalog import listed_product
from tests.factories.orders import PaidOrderFactory

BEIJING = dt.timezone(dt.timedelta(hours=8))
ONE_OFF = [("Service", "one_off", [("once", "500.00")])]
PERIOD = [("Standard", "period", [("month", "99.00")]), ("Trial", "trial", [("free", "0")])]

# delivery type, product fields for each flow
FLOW_TYPES: dict[str, tuple[str, dict]] = {
    FlowCode.STANDARD: (DeliveryType.MANUAL_SERVICE, {"flow_template": "standard"}),
    FlowCode.SITE_BUILDING: (DeliveryType.MANUAL_SERVICE, {"flow_template": "site_building"}),
    FlowCode.DATA_FILE: (DeliveryType.DATA_FILE, {}),
    FlowCode.ORCHESTRATION: (DeliveryType.ORCHESTRATION, {}),
    FlowCode.SAAS: (DeliveryType.SAAS, {}),
    FlowCode.JOINT: (DeliveryType.JOINT_SAAS, {}),
    FlowCode.LICENSE_PACKAGE: (DeliveryType.LICENSE_PACKAGE, {}),
    FlowCode.LICENSE_CODE: (DeliveryType.LICENSE_CODE, {}),
    FlowCode.LICENSE_CODE_LEGACY: (DeliveryType.LICENSE_CODE, {}),
    FlowCode.HARDWARE: (DeliveryType.HARDWARE, {}),
}


def specs_for(delivery_type: str) -> list:
    if delivery_type in (DeliveryType.SAAS, DeliveryType.JOINT_SAAS):
        return PERIOD
    return ONE_OFF


def supervised_order(
    *,
    delivery_type: str = DeliveryType.MANUAL_SERVICE,
    kind: str = Order.Kind.NEW,
    spec_index: int = 0,
    product=None,
    avg_delivery_days: int | None = 5,
    **kw,
) -> Order:
    """A paid order, status paid, of a supervised type (no case: call `case_open`)."""
    product_kw = {k: kw.pop(k) for k in ("flow_template", "seller") if k in kw}
    if product is None:
        product = listed_product(
            delivery_type=delivery_type,
            specs=specs_for(delivery_type),
            avg_delivery_days=avg_delivery_days,
            **product_kw,
        )
    spec = product.listed_version.specs.order_by("position").all()[spec_index]
    return PaidOrderFactory(product=product, spec=spec, kind=kind, **kw)


def open_case(*, flow: str = FlowCode.STANDARD, created_at=None, **kw) -> Case:
    """A case of `flow`, opened by the service for a freshly paid order."""
    delivery_type, product_kw = FLOW_TYPES[flow]
    order = supervised_order(delivery_type=delivery_type, **product_kw, **kw)
    if flow == FlowCode.LICENSE_CODE_LEGACY or created_at is not None:
        when = created_at or dt.datetime(2024, 9, 1, 12, 0, tzinfo=BEIJING)
        Order.objects.filter(pk=order.pk).update(created_at=when)
        order.refresh_from_db()
    case = case_open(order=order)
    assert case is not None and case.flow == flow, (case and case.flow, flow)
    return case


# --- evidence files --------------------------------------------------------------------------

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _zip(entries: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in entries:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


def evidence_pdf(name: str = "acceptance.pdf", extra: bytes = b"") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES + extra, content_type="application/pdf")


def evidence_png(name: str = "screenshot.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, make_image_bytes(), content_type="image/png")


def evidence_jpeg(name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, make_image_bytes(fmt="JPEG"), content_type="image/jpeg")


def evidence_docx(name: str = "report.docx") -> SimpleUploadedFile:
    data = _zip(["[Content_Types].xml", "_rels/.rels", "word/document.xml"])
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def evidence_xlsx(name: str = "data.xlsx") -> SimpleUploadedFile:
    data = _zip(["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml"])
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def evidence_pptx(name: str = "slides.pptx") -> SimpleUploadedFile:
    data = _zip(["[Content_Types].xml", "_rels/.rels", "ppt/presentation.xml"])
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def evidence_zip(name: str = "delivery.zip") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, _zip(["readme.txt"]), content_type="application/zip")


def fake_pdf(name: str = "invoice.pdf") -> SimpleUploadedFile:
    """A text file renamed to .pdf."""
    return SimpleUploadedFile(name, b"just some text, not a PDF", content_type="application/pdf")


def exe_file(name: str = "tool.exe") -> SimpleUploadedFile:
    data = b"MZ\x90\x00" + b"\x00" * 200
    return SimpleUploadedFile(name, data, content_type="application/x-msdownload")
