"""Uploads are stored under a short generated key whatever their name; the name they were
uploaded with is kept for display and downloads (core/files.py, core.UploadName)."""

import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from marketplace.accounts.models import EnterpriseVerification
from marketplace.catalog.forms import ProductContentForm
from marketplace.core import files
from marketplace.core.models import UploadName
from marketplace.core.private_files import private_url
from tests.conftest import make_image_bytes
from tests.factories.accounts import UserFactory, make_uscc
from tests.factories.catalog_publishing import PublishingSellerFactory, draft_product

pytestmark = pytest.mark.django_db

LONG_ASCII = "a" * 246 + ".png"  # 250 characters
LONG_CHINESE = "营" * 76 + "执照图片" + ".png"  # 80 Chinese characters: 240 bytes in UTF-8
KEY = re.compile(r"^(?P<prefix>[a-z]+)/\d{4}/\d{2}/[0-9a-f]{32}\.png$")


def png(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, make_image_bytes(), content_type="image/png")


def test_the_key_is_short_dated_and_has_the_canonical_extension():
    with time_machine.travel("2026-03-05 12:00 +08:00", tick=False):
        key = files.new_upload_key("catalog", "Photo Of Me.JPEG")
    assert re.fullmatch(r"catalog/2026/03/[0-9a-f]{32}\.jpg", key)
    assert UploadName.objects.get(key=key).original_name == "Photo Of Me.JPEG"
    assert files.new_upload_key("catalog", "no-extension").count(".") == 0


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("C:\\Users\\li\\licence.png", "licence.png"),
        ("../../etc/passwd", "passwd"),
        ("line\nbreak\x00.pdf", "linebreak.pdf"),
        ("", "file"),
        ("营" * 300 + ".pdf", "营" * 251 + ".pdf"),
        ("x" * 300, "x" * 255),
    ],
)
def test_display_name_is_safe_and_at_most_255_characters(name, shown):
    assert files.display_name(name) == shown
    assert len(files.display_name(name)) <= 255


def test_files_stored_before_keep_their_name_without_the_old_prefix():
    old = "catalog/0123456789abcdef0123456789abcdef-brochure.pdf"
    assert files.original_name(old) == "brochure.pdf"
    assert files.original_names([old, ""]) == {old: "brochure.pdf"}


@pytest.mark.parametrize("name", [LONG_ASCII, LONG_CHINESE])
def test_a_long_name_uploads_to_public_storage(client, name):
    """Before: the stored name was "<uuid>-<name>": 80 Chinese characters overflowed a
    file-system name (255 bytes) and the upload was a 500."""
    seller = PublishingSellerFactory()
    product = draft_product(seller)
    version = product.versions.get()
    client.force_login(seller.user)

    response = client.post(
        reverse("seller:product_edit", args=[product.pk]),
        {
            "name": version.name,
            "category": version.category_id,
            "summary": version.summary,
            "description": version.description,
            "tags": version.tags,
            "service_group": version.service_group_id,
            "agreement_text": version.agreement_text,
            "logo": png(name),
        },
    )

    assert response.status_code == 302, response.context["form"].errors
    version.refresh_from_db()
    assert KEY.match(version.logo.name)["prefix"] == "catalog"
    assert version.logo.storage.exists(version.logo.name)
    assert files.original_name(version.logo) == name
    # The edit form shows the file by the name it was uploaded with.
    page = client.get(reverse("seller:product_edit", args=[product.pk])).content.decode()
    assert f">{name}</a>" in page


@pytest.mark.parametrize("name", [LONG_ASCII, LONG_CHINESE])
def test_a_long_name_uploads_to_private_storage_and_downloads_under_it(client, name):
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        reverse("buyer:verify_enterprise"),
        {
            "company_name": "Example Software Co.",
            "credit_code": make_uscc(7),
            "legal_representative": "Li Si",
            "licence": png(name),
        },
    )

    assert response.status_code == 302
    verification = EnterpriseVerification.objects.get(user=user)
    assert KEY.match(verification.licence.name)["prefix"] == "verification"
    assert files.original_name(verification.licence) == name
    download = client.get(private_url(verification, "licence"))
    assert download.status_code == 200
    disposition = download["Content-Disposition"]
    if name.isascii():
        assert f'filename="{name}"' in disposition
    else:
        assert "filename*=utf-8''" + "%E8%90%A5" * 76 in disposition


def test_the_screenshot_list_shows_uploaded_names():
    from marketplace.catalog import services

    seller = PublishingSellerFactory()
    product = draft_product(seller)
    services.product_screenshots_update(product=product, add=[png("首页截图.png")])
    version = product.versions.get()

    form = ProductContentForm(instance=version, seller=seller, delivery_type=product.delivery_type)

    labels = [str(label) for _value, label in form.fields["remove_screenshots"].choices]
    assert any(label.endswith("首页截图.png") for label in labels)
