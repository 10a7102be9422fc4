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
    operator = User.objects.get(username="operator")
    assert operator.is_staff and not operator.is_superuser
    assert set(operator.groups.values_list("name", flat=True)) == {"reviewer", "support", "finance"}
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


# --- production guard (issue 6: no published passwords on a production site) ----------------


@pytest.fixture
def production(settings):
    settings.PRODUCTION = True


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_in_production(production, monkeypatch):
    from django.core.management import CommandError

    monkeypatch.delenv("SEED_OPERATOR_PASSWORD", raising=False)
    monkeypatch.delenv("SEED_DEMO_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="DJANGO_ENV=production"):
        call_command("seed_demo")
    with pytest.raises(CommandError, match="--operator-password, --demo-password"):
        call_command("seed_demo", force_production=True)
    with pytest.raises(CommandError, match="published demo passwords"):
        call_command(
            "seed_demo",
            force_production=True,
            operator_password="operator-pass-2026",
            demo_password="Tz8!vq-unique-demo",
        )
    with pytest.raises(CommandError, match="--demo-password: This password is too common"):
        call_command(
            "seed_demo",
            force_production=True,
            operator_password="Tz8!vq-unique-operator",
            demo_password="password",
        )
    assert not User.objects.exists()


@pytest.mark.django_db
def test_seed_demo_in_production_uses_the_new_passwords(production, monkeypatch, capsys):
    monkeypatch.setenv("SEED_DEMO_PASSWORD", "Tz8!vq-unique-demo")  # the env works too
    call_command("seed_demo", "--force-production", "--operator-password", "Tz8!vq-unique-operator")
    out = capsys.readouterr().out
    assert "operator-pass-2026" not in out and "demo-pass-2026" not in out
    assert User.objects.get(username="operator").check_password("Tz8!vq-unique-operator")
    for username in ("buyer-alice", "seller-cloudnova"):
        user = User.objects.get(username=username)
        assert user.check_password("Tz8!vq-unique-demo")
        assert not user.check_password("demo-pass-2026")


@pytest.mark.django_db
def test_seed_demo_certifies_its_joint_product_by_name():
    """The joint product's draft comes first, then a certification naming it, its
    approval, then the submission (issue 6 item 9)."""
    from marketplace.catalog.models import DeliveryType, Product

    call_command("seed_demo")
    joint = Product.objects.get(delivery_type=DeliveryType.JOINT_SAAS)
    assert joint.status == Product.Status.LISTED
    assert joint.seller.user.username == "seller-cloudnova"
    [certification] = joint.joint_certifications.all()
    assert certification.status == "approved"
    assert certification.company_name == joint.seller.company_name
