import pytest
from django.core.management import call_command

from invoices.models import InvoiceRequest

pytestmark = pytest.mark.django_db


def test_seed_demo_has_invoice_requests_in_each_state_and_is_idempotent():
    call_command("seed_demo", verbosity=0)
    states = set(InvoiceRequest.objects.values_list("status", flat=True))
    assert {"requested", "issued", "mailed", "rejected", "cancelled"} <= states
    assert InvoiceRequest.objects.filter(overdue_flagged_at__isnull=False).exists()
    count = InvoiceRequest.objects.count()
    call_command("seed_invoices", verbosity=0)
    assert InvoiceRequest.objects.count() == count
