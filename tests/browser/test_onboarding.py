"""The whole onboarding in a real browser: sign up → enterprise verification → application
→ operator approval in the admin → business information → active seller center.
Run once in English and once in Chinese (switched with the language buttons)."""

import re

import pytest
from django.core import mail

from marketplace.accounts.validators import uscc_check_char
from sellers.models import Seller
from tests.conftest import browser_log_in, make_image_bytes
from tests.factories.accounts import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXPECTED = {
    # language button value → (html lang, "Active" as the seller center shows it)
    "en": ("en", "Active"),
    "zh-hans": ("zh-hans", "已入驻"),
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_sign_up_to_active_seller(live_server, browser_page, tmp_path, language):
    page, base = browser_page, live_server.url
    html_lang, active_label = EXPECTED[language]
    UserFactory(username="ops", is_staff=True, is_superuser=True)
    licence = tmp_path / "licence.png"
    licence.write_bytes(make_image_bytes((300, 200)))
    logo = tmp_path / "logo.jpg"
    logo.write_bytes(make_image_bytes((200, 200), "JPEG"))
    username = f"newseller-{language}"

    # Sign up, choosing the language first.
    page.goto(base + "/accounts/signup/")
    page.click(f"#language-switch button[value='{language}']")
    assert page.locator("html").get_attribute("lang") == html_lang
    page.fill("#id_username", username)
    page.fill("#id_email", f"{username}@example.com")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(base + "/buyer/")

    # Open the link of the verification e-mail: selling needs a verified address.
    link = re.search(r"(/accounts/verify-email/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(base + link)

    # Step 1: enterprise real-name verification, reached from the seller center.
    page.goto(base + "/seller/")
    page.click("[data-step='1'] a")
    first17 = "91310115000000777"
    page.fill("#id_company_name", "浦江云软件有限公司")
    page.fill("#id_credit_code", first17 + uscc_check_char(first17))
    page.fill("#id_legal_representative", "王芳")
    page.set_input_files("#id_licence", str(licence))
    page.click("main form button[type=submit]")
    page.wait_for_url(base + "/seller/")

    # Step 2: the onboarding application.
    page.click("[data-step='2'] a")
    page.fill("#id_store_name", "浦江云 Pujiang Cloud")
    page.fill("#id_business_scope", "SaaS for small businesses")
    page.fill("#id_contact_name", "王芳")
    page.fill("#id_contact_mobile", "13900139000")
    page.fill("#id_contact_email", "contact@pujiang.example.com")
    page.click("main form button[type=submit]")
    page.wait_for_url(base + "/seller/")
    assert Seller.objects.get(user__username=username).status == Seller.Status.PENDING

    # The operator approves it in the admin (in their own session).
    page.click("nav form[action='/accounts/logout/'] button")
    browser_log_in(page, base, "ops", PASSWORD)
    page.goto(base + "/admin/sellers/seller/?status__exact=pending")
    page.check("input.action-select")
    page.select_option("select[name=action]", "approve_applications")
    page.click("button[name=index]")
    page.wait_for_load_state()
    assert Seller.objects.get(user__username=username).status == Seller.Status.APPROVED

    # Step 3: business information, with the htmx-driven address lists.
    page.goto(base + "/accounts/logout/")  # a GET asks; the button logs out
    page.click("[data-testid=confirm-log-out]")
    browser_log_in(page, base, username, PASSWORD)
    page.goto(base + "/seller/business-info/")
    page.select_option("#id_province", "上海市")
    page.wait_for_selector("#id_city option[value='上海市']", state="attached")
    page.select_option("#id_city", "上海市")
    page.wait_for_selector("#id_district option[value='徐汇区']", state="attached")
    page.select_option("#id_district", "徐汇区")
    page.fill("#id_address_detail", "漕溪北路 88 号")
    page.select_option("#id_has_marketplace_contact", "no")
    page.set_input_files("#id_logo", str(logo))
    page.click("main form button[type=submit]")
    page.wait_for_url(base + "/seller/")

    assert Seller.objects.get(user__username=username).status == Seller.Status.ACTIVE
    status = page.locator("[data-testid=seller-status]").inner_text()
    assert active_label in status
    assert page.locator("html").get_attribute("lang") == html_lang
    # The active seller's navigation offers the pages an active seller may open.
    assert page.locator("[data-testid=center-nav] a[href='/seller/service-groups/']").count() == 1
