"""Seller center › Vouchers (list, create, detail, "specify customers" by CSV/XLSX) and
the buyer's "My vouchers" page: ownership, the file checks row by row, all-or-nothing."""

import csv
import io
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signing import dumps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from buyers import voucher_files
from buyers.models import Voucher, VoucherGrant
from tests.factories.accounts import UserFactory
from tests.factories.buyers import VoucherFactory, VoucherGrantFactory
from tests.factories.catalog import listed_product
from tests.factories.sellers import ActiveSellerFactory, ApprovedSellerFactory

pytestmark = pytest.mark.django_db

HEADER = ["Account name", "Account ID"]


@pytest.fixture
def seller(client):
    seller = ActiveSellerFactory()
    client.force_login(seller.user)
    return seller


@pytest.fixture
def voucher(seller):
    return VoucherFactory(seller=seller)


def csv_file(rows, *, header=HEADER, encoding="utf-8", name="customers.csv"):
    out = io.StringIO()
    writer = csv.writer(out)
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode(encoding), content_type="text/csv")


def xlsx_file(rows, *, header=HEADER, name="customers.xlsx"):
    book = Workbook()
    sheet = book.active
    if header is not None:
        sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def upload(client, voucher, file):
    return client.post(reverse("seller:voucher_upload", args=[voucher.pk]), {"file": file})


def row(user):
    return [user.username, user.account_id]


def row_errors(response) -> list:
    return [(r, str(m)) for r, m in response.context["row_errors"]]


# --- list, create, detail ---------------------------------------------------------------


def test_voucher_list_counts_issued_and_used(client, seller, django_assert_max_num_queries):
    for _ in range(3):
        voucher = VoucherFactory(seller=seller)
        voucher.products.set([listed_product(seller=seller)])
        VoucherGrantFactory(voucher=voucher)
        VoucherGrantFactory(voucher=voucher, status=VoucherGrant.Status.USED)
    VoucherFactory()  # another seller's
    with django_assert_max_num_queries(10):
        response = client.get(reverse("seller:voucher_list"))
    assert response.status_code == 200
    vouchers = list(response.context["page"].object_list)
    assert len(vouchers) == 3
    assert {(v.issued_count, v.used_count) for v in vouchers} == {(2, 1)}


def test_voucher_list_queries_do_not_grow_with_rows(client, seller):
    VoucherFactory(seller=seller).products.set([listed_product(seller=seller)])
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("seller:voucher_list"))
    for _ in range(5):
        VoucherFactory(seller=seller).products.set([listed_product(seller=seller)])
    with CaptureQueriesContext(connection) as six:
        client.get(reverse("seller:voucher_list"))
    assert len(six) == len(one)


def test_create_a_voucher(client, seller):
    product = listed_product(seller=seller)
    now = timezone.localtime()
    response = client.post(
        reverse("seller:voucher_create"),
        {
            "name": "Welcome",
            "amount": "15.00",
            "min_order_amount": "50",
            "valid_from": now.strftime("%Y-%m-%dT%H:%M"),
            "valid_until": (now + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"),
            "products": [product.pk],
        },
    )
    voucher = Voucher.objects.get(seller=seller)
    assert response.status_code == 302
    assert response.url == reverse("seller:voucher_detail", args=[voucher.pk])
    assert voucher.amount == Decimal("15.00")
    assert list(voucher.products.all()) == [product]


def test_create_with_bad_input_changes_nothing(client, seller):
    now = timezone.localtime()
    response = client.post(
        reverse("seller:voucher_create"),
        {
            "name": "Welcome",
            "amount": "0",
            "min_order_amount": "0",
            "valid_from": (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "valid_until": now.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Voucher.objects.exists()


def test_create_offers_only_own_listed_products(client, seller):
    own = listed_product(seller=seller)
    other = listed_product()
    form = client.get(reverse("seller:voucher_create")).context["form"]
    assert list(form.fields["products"].queryset) == [own]
    now = timezone.localtime()
    client.post(
        reverse("seller:voucher_create"),
        {
            "name": "Sneaky",
            "amount": "5",
            "min_order_amount": "0",
            "valid_from": now.strftime("%Y-%m-%dT%H:%M"),
            "valid_until": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "products": [other.pk],
        },
    )
    assert not Voucher.objects.exists()


def test_detail_shows_grants_and_counts(client, seller, voucher):
    VoucherGrantFactory(voucher=voucher)
    VoucherGrantFactory(voucher=voucher, status=VoucherGrant.Status.USED)
    response = client.get(reverse("seller:voucher_detail", args=[voucher.pk]))
    assert response.status_code == 200
    shown = response.context["voucher"]
    assert (shown.issued_count, shown.used_count, shown.available_count) == (2, 1, 1)
    assert len(response.context["page"].object_list) == 2


# --- ownership and roles ----------------------------------------------------------------


def other_voucher_urls(voucher):
    return [
        reverse(name, args=[voucher.pk])
        for name in (
            "seller:voucher_detail",
            "seller:voucher_upload",
            "seller:voucher_issue_confirm",
        )
    ]


def test_another_sellers_voucher_is_404_and_nothing_changes(client, seller):
    other = VoucherFactory()
    buyer = UserFactory()
    token = dumps(
        {"voucher": other.pk, "buyers": [buyer.pk]}, salt=f"buyers.voucher_issue:{seller.pk}"
    )
    for url in other_voucher_urls(other):
        assert client.get(url).status_code == 404
        # The detail page is GET only: 405 before any lookup, for any voucher.
        assert client.post(url).status_code in (404, 405)
    assert upload(client, other, csv_file([row(buyer)])).status_code == 404
    response = client.post(
        reverse("seller:voucher_issue_confirm", args=[other.pk]), {"token": token}
    )
    assert response.status_code == 404
    assert not VoucherGrant.objects.exists()


@pytest.mark.parametrize(
    "name",
    ["seller:voucher_list", "seller:voucher_create"],
)
def test_seller_pages_refuse_buyers_and_anonymous(client, name):
    url = reverse(name)
    assert client.get(url).status_code == 302  # to log in
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    client.force_login(ApprovedSellerFactory().user)  # not yet onboarded
    assert client.get(url).status_code == 403


def test_template_download_refuses_buyers(client):
    client.force_login(UserFactory())
    assert client.get(reverse("seller:voucher_template", args=["csv"])).status_code == 403


# --- template --------------------------------------------------------------------------------


def test_csv_template(client, seller):
    response = client.get(reverse("seller:voucher_template", args=["csv"]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    assert header[0].startswith("Account name") and "账号名" in header[0]
    assert header[1].startswith("Account ID") and "账号ID" in header[1]


def test_xlsx_template(client, seller):
    response = client.get(reverse("seller:voucher_template", args=["xlsx"]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]][0].startswith("Account name")


def test_unknown_template_format_is_404(client, seller):
    assert client.get(reverse("seller:voucher_template", args=["pdf"])).status_code == 404


def test_the_templates_header_is_accepted_as_it_is(client, seller, voucher):
    buyer = UserFactory()
    template = client.get(reverse("seller:voucher_template", args=["csv"])).content
    file = SimpleUploadedFile(
        "t.csv", template + f"{buyer.username},{buyer.account_id}\r\n".encode()
    )
    response = upload(client, voucher, file)
    assert [r.user_id for r in response.context["rows"]] == [buyer.pk]


# --- upload, preview, confirm ------------------------------------------------------------


def confirm(client, voucher, response):
    token = response.context["confirm_form"].initial["token"]
    return client.post(reverse("seller:voucher_issue_confirm", args=[voucher.pk]), {"token": token})


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_upload_preview_then_confirm(client, seller, voucher, encoding):
    buyers = [UserFactory(username=f"买家{n}") for n in range(3)]
    response = upload(client, voucher, csv_file([row(b) for b in buyers], encoding=encoding))
    assert response.status_code == 200
    assert [r.account_name for r in response.context["rows"]] == [b.username for b in buyers]
    assert not VoucherGrant.objects.exists()  # nothing before the confirmation
    response = confirm(client, voucher, response)
    assert response.status_code == 302
    assert set(VoucherGrant.objects.values_list("buyer_id", flat=True)) == {b.pk for b in buyers}


def test_xlsx_upload_preview_then_confirm(client, seller, voucher):
    buyers = [UserFactory() for _ in range(2)]
    response = upload(client, voucher, xlsx_file([row(b) for b in buyers]))
    response = confirm(client, voucher, response)
    assert VoucherGrant.objects.filter(voucher=voucher).count() == 2


def test_chinese_header_and_swapped_columns(client, seller, voucher):
    buyer = UserFactory()
    file = csv_file([[buyer.account_id, buyer.username]], header=["账号ID", "账号名"])
    response = upload(client, voucher, file)
    assert [r.user_id for r in response.context["rows"]] == [buyer.pk]


def test_blank_lines_are_skipped(client, seller, voucher):
    buyer = UserFactory()
    file = csv_file([row(buyer), ["", ""], []])
    response = upload(client, voucher, file)
    assert len(response.context["rows"]) == 1


def test_a_tampered_token_issues_nothing(client, seller, voucher):
    buyer = UserFactory()
    response = upload(client, voucher, csv_file([row(buyer)]))
    token = response.context["confirm_form"].initial["token"]
    client.post(reverse("seller:voucher_issue_confirm", args=[voucher.pk]), {"token": token + "x"})
    forged = dumps({"voucher": voucher.pk, "buyers": [UserFactory().pk]}, salt="wrong")
    client.post(reverse("seller:voucher_issue_confirm", args=[voucher.pk]), {"token": forged})
    assert not VoucherGrant.objects.exists()


def test_a_token_for_another_voucher_of_mine_issues_nothing(client, seller, voucher):
    second = VoucherFactory(seller=seller)
    response = upload(client, voucher, csv_file([row(UserFactory())]))
    token = response.context["confirm_form"].initial["token"]
    client.post(reverse("seller:voucher_issue_confirm", args=[second.pk]), {"token": token})
    assert not VoucherGrant.objects.exists()


def test_confirming_twice_issues_once(client, seller, voucher):
    response = upload(client, voucher, csv_file([row(UserFactory())]))
    confirm(client, voucher, response)
    confirm(client, voucher, response)
    assert VoucherGrant.objects.count() == 1


def test_an_expired_voucher_cant_be_issued(client, seller):
    voucher = VoucherFactory(
        seller=seller,
        valid_from=timezone.now() - timedelta(days=5),
        valid_until=timezone.now() - timedelta(days=1),
    )
    response = upload(client, voucher, csv_file([row(UserFactory())]))
    assert response.status_code == 200
    assert "rows" not in response.context
    assert not VoucherGrant.objects.exists()


def test_voucher_expiring_before_confirmation_issues_nothing(client, seller, voucher):
    response = upload(client, voucher, csv_file([row(UserFactory())]))
    Voucher.objects.filter(pk=voucher.pk).update(
        valid_from=timezone.now() - timedelta(days=5), valid_until=timezone.now()
    )
    confirm(client, voucher, response)
    assert not VoucherGrant.objects.exists()


# --- the file's problems, row by row; nothing issued -------------------------------------


def test_every_bad_row_is_reported_and_nothing_is_issued(client, seller, voucher):
    good = UserFactory()
    holder = UserFactory()
    VoucherGrantFactory(voucher=voucher, buyer=holder)
    a, b = UserFactory(), UserFactory()
    rows = [
        row(good),  # 2
        ["", good.account_id],  # 3 empty name
        [good.username, ""],  # 4 empty id
        ["nobody-here", "f" * 32],  # 5 unknown
        [a.username, b.account_id],  # 6 of different accounts
        row(good),  # 7 duplicate of row 2
        row(holder),  # 8 already holds
        row(seller.user),  # 9 own account
        [a.username, a.account_id, "extra"],  # 10 too many columns
        ["nobody-here", a.account_id],  # 11 unknown name
    ]
    response = upload(client, voucher, csv_file(rows))
    errors = row_errors(response)
    assert [r for r, _ in errors] == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    messages = dict(errors)
    assert "account name is empty" in messages[3]
    assert "account ID is empty" in messages[4]
    assert "No account" in messages[5]
    assert "different accounts" in messages[6]
    assert "row 2" in messages[7]
    assert "already holds" in messages[8]
    assert "your own account" in messages[9]
    assert "No account has this account name" in messages[11]
    assert "Row 3:" in response.content.decode()
    assert VoucherGrant.objects.filter(voucher=voucher).count() == 1  # the holder's only


@pytest.mark.parametrize(
    "header",
    [
        ["Name", "ID"],
        ["Account name"],
        ["Account name", "Account ID", "Phone"],
        None,  # no header: the first customer is taken for it
    ],
)
def test_wrong_columns_are_refused(client, seller, voucher, header):
    buyer = UserFactory()
    response = upload(client, voucher, csv_file([row(buyer)], header=header))
    assert row_errors(response)[0][0] == 1
    assert not VoucherGrant.objects.exists()


def test_a_file_with_only_the_header_is_refused(client, seller, voucher):
    response = upload(client, voucher, csv_file([]))
    assert "no customers" in row_errors(response)[0][1]


def test_too_many_rows_are_refused(client, seller, voucher, monkeypatch):
    monkeypatch.setattr(voucher_files, "MAX_GRANTS_PER_FILE", 2)
    rows = [row(UserFactory()) for _ in range(3)]
    response = upload(client, voucher, csv_file(rows))
    assert "at most 2" in row_errors(response)[0][1]
    assert not VoucherGrant.objects.exists()


# --- file type by content ----------------------------------------------------------------


def bad_upload(client, voucher, file):
    response = upload(client, voucher, file)
    assert response.status_code == 200
    assert response.context["upload_form"].errors.get("file"), response.context.get("row_errors")
    assert "rows" not in response.context
    return response


def test_a_png_named_csv_is_refused(client, seller, voucher, image_file):
    png = image_file("x.png")
    bad_upload(client, voucher, SimpleUploadedFile("customers.csv", png.read()))


def test_binary_bytes_named_csv_are_refused(client, seller, voucher):
    bad_upload(client, voucher, SimpleUploadedFile("c.csv", b"\xff\xfe\x00A\x00c\x00c"))


def test_utf16_text_is_refused(client, seller, voucher):
    text = "Account name,Account ID\r\nbob,123\r\n".encode("utf-16")
    bad_upload(client, voucher, SimpleUploadedFile("c.csv", text))


def test_a_zip_named_xlsx_is_refused(client, seller, voucher):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    bad_upload(client, voucher, SimpleUploadedFile("c.xlsx", out.getvalue()))


def test_a_pdf_named_xlsx_is_refused(client, seller, voucher):
    bad_upload(client, voucher, SimpleUploadedFile("c.xlsx", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"))


def test_an_xlsx_named_csv_is_refused(client, seller, voucher):
    file = xlsx_file([row(UserFactory())], name="c.csv")
    bad_upload(client, voucher, file)


def test_an_empty_file_is_refused(client, seller, voucher):
    bad_upload(client, voucher, SimpleUploadedFile("c.csv", b""))


def test_a_broken_xlsx_is_refused(client, seller, voucher):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<broken")
        archive.writestr("xl/workbook.xml", "<broken")
    bad_upload(client, voucher, SimpleUploadedFile("c.xlsx", out.getvalue()))


def test_a_too_large_file_is_refused(client, seller, voucher, monkeypatch):
    monkeypatch.setattr(voucher_files, "MAX_FILE_BYTES", 10)
    bad_upload(client, voucher, csv_file([row(UserFactory())]))


# --- buyer center › My vouchers ----------------------------------------------------------


def test_my_vouchers_shows_only_own_grants(client, django_assert_max_num_queries):
    buyer = UserFactory()
    mine = [VoucherGrantFactory(buyer=buyer) for _ in range(3)]
    mine[0].voucher.products.set([listed_product(seller=mine[0].voucher.seller)])
    VoucherGrantFactory()  # someone else's
    client.force_login(buyer)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("buyer:my_vouchers"))
    assert response.status_code == 200
    assert {g.pk for g in response.context["page"].object_list} == {g.pk for g in mine}
    assert [g.state for g in response.context["page"].object_list] == ["active"] * 3


def test_my_vouchers_states(client):
    buyer = UserFactory()
    now = timezone.now()
    VoucherGrantFactory(buyer=buyer, status=VoucherGrant.Status.USED)
    VoucherGrantFactory(
        buyer=buyer,
        voucher=VoucherFactory(valid_from=now - timedelta(days=3), valid_until=now),
    )
    VoucherGrantFactory(buyer=buyer, voucher=VoucherFactory(valid_from=now + timedelta(days=1)))
    client.force_login(buyer)
    response = client.get(reverse("buyer:my_vouchers"))
    assert sorted(g.state for g in response.context["page"].object_list) == [
        "expired",
        "pending",
        "used",
    ]


def test_my_vouchers_needs_login(client):
    assert client.get(reverse("buyer:my_vouchers")).status_code == 302


def test_nav_entries(client, seller):
    response = client.get(reverse("seller:voucher_list"))
    urls = [e.url_name for e in response.context["center_nav"]]
    assert "seller:voucher_list" in urls
    assert "seller:private_offer_list" in urls
    client.force_login(UserFactory())
    response = client.get(reverse("buyer:my_vouchers"))
    assert "buyer:my_vouchers" in [e.url_name for e in response.context["center_nav"]]


def test_row_errors_in_chinese(client, seller, voucher, settings):
    good = UserFactory()
    file = csv_file([row(good), ["", good.account_id]], header=["账号名", "账号ID"])
    with translation.override("zh-hans"):
        response = client.post(
            reverse("seller:voucher_upload", args=[voucher.pk]),
            {"file": file},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
    page = response.content.decode()
    assert "第3行" in page
    assert "账号名为空" in page
    assert not VoucherGrant.objects.exists()


@pytest.mark.parametrize("name", ["seller:voucher_list", "seller:voucher_create"])
def test_seller_pages_render_in_chinese(client, seller, voucher, name):
    response = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
