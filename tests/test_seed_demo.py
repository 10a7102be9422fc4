import pytest
from django.core.management import call_command

from marketplace.accounts.models import User
from sellers.models import Seller


@pytest.mark.django_db
def test_seed_demo_creates_everyone_and_is_idempotent(capsys):
    call_command("seed_demo")
    call_command("seed_demo")  # a second run changes nothing and does not fail
    out = capsys.readouterr().out
    assert "operator-pass-2026" in out
    assert User.objects.get(username="operator").is_superuser
    statuses = dict(Seller.objects.values_list("user__username", "status"))
    assert statuses == {
        "seller-cloudnova": Seller.Status.ACTIVE,
        "seller-datamill": Seller.Status.ACTIVE,
        "seller-pending": Seller.Status.PENDING,
    }
    assert User.objects.filter(username__startswith="buyer-").count() == 3
    active = Seller.objects.get(user__username="seller-cloudnova")
    assert active.business_info.logo
    assert active.service_groups.count() == 1
    client_user = User.objects.get(username="buyer-alice")
    assert client_user.check_password("demo-pass-2026")


@pytest.mark.django_db
def test_seed_demo_publishes_a_catalog_of_every_delivery_type():
    from marketplace.catalog.models import DeliveryType, Product

    call_command("seed_demo")
    first_run = Product.objects.count()
    call_command("seed_demo")
    assert Product.objects.count() == first_run  # idempotent: nothing published twice
    listed = Product.objects.filter(status=Product.Status.LISTED)
    assert set(listed.values_list("delivery_type", flat=True)) == set(DeliveryType.values)
    assert listed.count() == first_run
    assert Product.objects.filter(name__regex=r"[\u4e00-\u9fff]").exists()
