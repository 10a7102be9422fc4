"""An active seller updates its certified business information (`business_info_update`)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from marketplace.core.audit import history_for
from marketplace.core.exceptions import DomainError
from marketplace.core.files import original_name
from sellers import services
from sellers.models import BusinessInfo, Seller
from tests.factories.sellers import (
    ActiveSellerFactory,
    ApprovedSellerFactory,
    ExitPendingSellerFactory,
)

pytestmark = pytest.mark.django_db

# ActiveSellerFactory certifies 广东省 深圳市 南山区 科技园 1 号, without a contact.
CURRENT = {
    "province": "广东省",
    "city": "深圳市",
    "district": "南山区",
    "address_detail": "科技园 1 号",
    "has_marketplace_contact": False,
}
CONTACT = {
    "has_marketplace_contact": True,
    "marketplace_contact_name": "Zhao Liu",
    "marketplace_contact_mobile": "13600136000",
    "marketplace_contact_email": "zhao@market.example.com",
}


def update(seller, **overrides):
    return services.business_info_update(
        seller=seller, actor=seller.user, **{**CURRENT, **overrides}
    )


def snapshot(seller) -> dict:
    info = BusinessInfo.objects.get(seller=seller)
    return {
        field.name: getattr(info, field.name)
        for field in BusinessInfo._meta.concrete_fields
        if field.name != "logo"
    } | {"logo": info.logo.name}


def update_logs(seller):
    return [log for log in history_for(seller) if log.action == "update_business_info"]


# --- service ------------------------------------------------------------------------------------


def test_update_moves_the_office_and_logs_the_changed_fields():
    seller = ActiveSellerFactory()
    certified_at = seller.business_info.certified_at
    info = update(
        seller, province="北京市", city="北京市", district="海淀区", address_detail="中关村 1 号"
    )
    info.refresh_from_db()
    assert (info.province, info.city, info.district, info.address_detail) == (
        "北京市",
        "北京市",
        "海淀区",
        "中关村 1 号",
    )
    assert info.certified_at == certified_at
    seller.refresh_from_db()
    assert seller.status == Seller.Status.ACTIVE
    [log] = update_logs(seller)
    assert log.actor == seller.user
    assert log.reason == "province, city, district, address_detail"
    assert (log.from_state, log.to_state) == ("", "")


def test_update_contact_and_logo(image_file):
    seller = ActiveSellerFactory()
    old_logo = seller.business_info.logo.name
    info = update(seller, logo=image_file("new-logo.jpg"), **CONTACT)
    info.refresh_from_db()
    assert info.has_marketplace_contact
    assert info.marketplace_contact_email == "zhao@market.example.com"
    assert info.logo.name != old_logo
    assert "new-logo" in original_name(info.logo)
    [log] = update_logs(seller)
    assert log.reason == (
        "has_marketplace_contact, marketplace_contact_name, marketplace_contact_mobile, "
        "marketplace_contact_email, logo"
    )


def test_without_a_new_logo_the_current_one_stays():
    seller = ActiveSellerFactory()
    old_logo = seller.business_info.logo.name
    info = update(seller, address_detail="科技园 2 号")
    info.refresh_from_db()
    assert info.logo.name == old_logo
    assert update_logs(seller)[0].reason == "address_detail"


def test_dropping_the_contact_clears_it():
    seller = ActiveSellerFactory()
    update(seller, **CONTACT)
    info = update(seller, has_marketplace_contact=False, marketplace_contact_name="Ignored")
    info.refresh_from_db()
    assert not info.has_marketplace_contact
    assert info.marketplace_contact_name == ""


def test_nothing_changed_writes_no_history():
    seller = ActiveSellerFactory()
    update(seller)
    assert update_logs(seller) == []


def test_bad_region_combination_refused_and_nothing_changed():
    seller = ActiveSellerFactory()
    before = snapshot(seller)
    with pytest.raises(ValidationError) as exc:
        update(seller, city="上海市", address_detail="Moved")
    assert "district" in exc.value.message_dict
    assert snapshot(seller) == before
    assert update_logs(seller) == []


def test_contact_required_when_there_is_one():
    seller = ActiveSellerFactory()
    before = snapshot(seller)
    with pytest.raises(ValidationError) as exc:
        update(seller, has_marketplace_contact=True, marketplace_contact_name="Zhao Liu")
    assert set(exc.value.message_dict) == {
        "marketplace_contact_mobile",
        "marketplace_contact_email",
    }
    assert snapshot(seller) == before


def test_text_file_renamed_png_refused_and_old_logo_kept(fake_image_file):
    seller = ActiveSellerFactory()
    before = snapshot(seller)
    with pytest.raises(ValidationError, match="not a valid image") as exc:
        update(seller, logo=fake_image_file, address_detail="Moved")
    assert "logo" in exc.value.message_dict
    assert snapshot(seller) == before
    assert update_logs(seller) == []


@pytest.mark.parametrize("factory", [ApprovedSellerFactory, ExitPendingSellerFactory])
def test_only_an_active_seller(factory):
    seller = factory()
    with pytest.raises(DomainError):
        update(seller, address_detail="Moved")


# --- views -------------------------------------------------------------------------------------


def edit_post(**overrides):
    data = {
        "province": "北京市",
        "city": "北京市",
        "district": "海淀区",
        "address_detail": "中关村 1 号",
        "has_marketplace_contact": "no",
    }
    data.update(overrides)
    return data


def test_certified_page_links_to_edit(client):
    seller = ActiveSellerFactory()
    client.force_login(seller.user)
    html = client.get(reverse("seller:business_info")).content.decode()
    assert reverse("seller:business_info_edit") in html


def test_exit_pending_page_has_no_edit_link(client):
    seller = ExitPendingSellerFactory()
    client.force_login(seller.user)
    html = client.get(reverse("seller:business_info")).content.decode()
    assert reverse("seller:business_info_edit") not in html


def test_edit_form_is_prefilled_with_working_selects(client):
    seller = ActiveSellerFactory()
    client.force_login(seller.user)
    response = client.get(reverse("seller:business_info_edit"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["province"].value() == "广东省"
    assert form["has_marketplace_contact"].value() == "no"
    # The dependent lists come from the saved province and city.
    assert ("深圳市", "深圳市") in form.fields["city"].choices
    assert ("南山区", "南山区") in form.fields["district"].choices
    html = response.content.decode()
    assert f'hx-get="{reverse("seller:region_cities")}"' in html
    assert '<option value="南山区" selected>' in html


def test_edit_saves_and_redirects_with_a_message(client):
    seller = ActiveSellerFactory()
    client.force_login(seller.user)
    response = client.post(reverse("seller:business_info_edit"), edit_post(), follow=True)
    assert response.redirect_chain == [(reverse("seller:business_info"), 302)]
    assert "Your business information is updated." in response.content.decode()
    info = BusinessInfo.objects.get(seller=seller)
    assert info.district == "海淀区"


def test_edit_refuses_fake_logo(client, fake_image_file):
    seller = ActiveSellerFactory()
    client.force_login(seller.user)
    response = client.post(reverse("seller:business_info_edit"), edit_post(logo=fake_image_file))
    assert response.status_code == 200
    assert "not a valid image" in str(response.context["form"].errors["logo"])
    assert BusinessInfo.objects.get(seller=seller).district == "南山区"


@pytest.mark.parametrize("factory", [ApprovedSellerFactory, ExitPendingSellerFactory])
def test_edit_403_unless_active(client, factory):
    seller = factory()
    client.force_login(seller.user)
    assert client.get(reverse("seller:business_info_edit")).status_code == 403
    assert client.post(reverse("seller:business_info_edit"), edit_post()).status_code == 403


def test_edit_anonymous_sent_to_log_in(client):
    response = client.get(reverse("seller:business_info_edit"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_logo_uses_the_image_widget_with_a_preview_not_currently_clear_change(client):
    """Issue 7 item 10: the current logo shows in the upload widget, which replaces it;
    no "Currently / Clear / Change" of Django's clearable input."""
    seller = ActiveSellerFactory()
    client.force_login(seller.user)
    html = client.get(reverse("seller:business_info_edit")).content.decode()
    assert "data-image-upload" in html
    assert f'src="{seller.business_info.logo.url}"' in html
    assert "logo-clear" not in html and "Currently" not in html
    assert "js/image_upload.js" in html
    # The first certification has no logo yet: an empty, hidden preview.
    approved = ApprovedSellerFactory()
    client.force_login(approved.user)
    html = client.get(reverse("seller:business_info")).content.decode()
    assert "data-image-upload-preview hidden" in html
