"""Private documents: stored outside the media, served by a signed link to their owner
account and the operators allowed to see private documents only (the reviewer group, not
every staff account); 404 for everyone else."""

import json
import re
from pathlib import Path

import pytest
from django.core import signing
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse
from django.views.static import serve as media_serve

from marketplace.core import private_files
from marketplace.core.private_files import make_token, private_storage, private_url
from tests.conftest import make_image_bytes
from tests.core.test_settings import manage
from tests.factories.accounts import (
    EnterpriseUserFactory,
    EnterpriseVerificationFactory,
    FinanceFactory,
    IndividualVerificationFactory,
    OperatorFactory,
    ReviewerFactory,
    SupportFactory,
    UserFactory,
    make_uscc,
)
from tests.factories.sellers import JointCertificationFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture
def verification():
    return EnterpriseVerificationFactory()


@pytest.fixture
def certification():
    return JointCertificationFactory(
        authorization_letter__data=PDF, authorization_letter__filename="授权 letter.pdf"
    )


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def owner_of(obj):
    return obj.user if hasattr(obj, "user") else obj.seller.user


CASES = [
    ("verification", "licence", "image/png"),
    ("certification", "authorization_letter", "application/pdf"),
]


@pytest.mark.parametrize(("fixture", "field", "mime"), CASES)
def test_the_owner_gets_the_file(request, client, fixture, field, mime):
    obj = request.getfixturevalue(fixture)
    client.force_login(owner_of(obj))

    response = client.get(private_url(obj, field))

    assert response.status_code == 200
    with getattr(obj, field).open("rb") as stored:
        assert body(response) == stored.read()
    assert response["Content-Type"] == mime
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(("fixture", "field", "mime"), CASES)
def test_reviewers_get_the_file(request, client, fixture, field, mime):
    obj = request.getfixturevalue(fixture)
    client.force_login(ReviewerFactory())

    response = client.get(private_url(obj, field))

    assert response.status_code == 200
    assert response["Content-Type"] == mime


@pytest.mark.parametrize(
    "make_staff",
    [SupportFactory, FinanceFactory, OperatorFactory, lambda: UserFactory(is_staff=True)],
    ids=["support", "finance", "staff in no group", "bare staff"],
)
@pytest.mark.parametrize(("fixture", "field", "mime"), CASES)
def test_staff_without_the_permission_get_404(request, client, fixture, field, mime, make_staff):
    obj = request.getfixturevalue(fixture)
    client.force_login(make_staff())

    assert client.get(private_url(obj, field)).status_code == 404


def test_the_permission_without_staff_status_is_not_enough(client, verification):
    user = UserFactory()
    user.groups.add(*ReviewerFactory().groups.all())
    client.force_login(user)

    assert client.get(private_url(verification, "licence")).status_code == 404


@pytest.mark.parametrize(
    "make_user",
    [
        UserFactory,
        EnterpriseUserFactory,  # verified itself, but not this one
        lambda: JointCertificationFactory().seller.user,  # a seller, with a letter of its own
    ],
)
@pytest.mark.parametrize(("fixture", "field", "mime"), CASES)
def test_anyone_else_gets_404(request, client, fixture, field, mime, make_user):
    obj = request.getfixturevalue(fixture)
    client.force_login(make_user())

    assert client.get(private_url(obj, field)).status_code == 404


def test_inactive_accounts_may_not_see_the_file(verification):
    """(Django does not log inactive accounts in; the models refuse them anyway.)"""
    staff = ReviewerFactory(is_active=False)
    verification.user.is_active = False
    assert not verification.can_view_private_file(verification.user, "licence")
    assert not verification.can_view_private_file(staff, "licence")
    assert not verification.can_view_private_file(ReviewerFactory(), "other_field")


@pytest.mark.parametrize(("fixture", "field", "mime"), CASES)
def test_anonymous_visitors_are_sent_to_log_in(request, client, fixture, field, mime):
    obj = request.getfixturevalue(fixture)

    response = client.get(private_url(obj, field))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login") + "?next=")


def test_a_tampered_token_is_404(client, verification):
    client.force_login(verification.user)
    token = make_token(verification, "licence")

    for bad in (token[:-2] + "xx", "nonsense", token + "a"):
        assert client.get(reverse("private_file", kwargs={"token": bad})).status_code == 404


def test_a_token_signed_for_another_purpose_is_404(client, verification):
    client.force_login(verification.user)
    token = signing.dumps([verification._meta.label_lower, verification.pk, "licence"])

    assert client.get(reverse("private_file", kwargs={"token": token})).status_code == 404


def test_an_expired_link_is_404(client, verification, settings):
    client.force_login(verification.user)
    url = private_url(verification, "licence")
    assert client.get(url).status_code == 200

    settings.PRIVATE_FILE_LINK_MAX_AGE = -1

    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "payload",
    [
        ["accounts.user", "PK", "password"],  # a model that has no private files
        ["accounts.enterpriseverification", "PK", "company_name"],  # not a file field
        ["accounts.enterpriseverification", "PK", "nothing"],
        ["nowhere.model", "PK", "licence"],
        ["accounts.enterpriseverification", 10**9, "licence"],  # no such row
    ],
)
def test_only_private_file_fields_of_existing_rows_are_served(client, verification, payload):
    """A validly signed token still only ever opens a private FileField."""
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    payload = [verification.pk if part == "PK" else part for part in payload]
    token = signing.dumps(payload, salt=private_files.SALT, compress=True)

    assert client.get(reverse("private_file", kwargs={"token": token})).status_code == 404


def test_the_permission_is_checked_again_on_every_request(client, certification):
    """A link handed out while the account could see the file stops working once the
    account no longer may (signing is not authorization)."""
    user = certification.seller.user
    client.force_login(user)
    url = private_url(certification, "authorization_letter")
    assert client.get(url).status_code == 200

    certification.seller.user = UserFactory()
    certification.seller.save(update_fields=["user"])

    assert client.get(url).status_code == 404


def test_the_link_carries_no_storage_path(verification):
    url = private_url(verification, "licence")

    assert verification.licence.name not in url
    assert verification.user.account_id not in url


def test_a_missing_file_is_404(client, verification):
    client.force_login(verification.user)
    verification.licence.storage.delete(verification.licence.name)

    assert client.get(private_url(verification, "licence")).status_code == 404


def test_no_file_no_link(verification):
    verification.licence = ""
    assert private_url(verification, "licence") == ""
    assert private_url(None, "licence") == ""


def test_the_download_name_is_the_uploaded_name_made_safe(client, certification):
    client.force_login(certification.seller.user)

    response = client.get(private_url(certification, "authorization_letter"))

    disposition = response["Content-Disposition"]
    assert "filename*=utf-8''%E6%8E%88%E6%9D%83_letter.pdf" in disposition
    assert "/" not in disposition.split("filename", 1)[1]
    assert private_files.download_name("a/b/../..", fallback="licence") == "licence"


def test_content_that_is_not_a_document_is_sent_as_a_download_type(client, verification):
    """The type comes from the bytes: HTML stored under a .png name is not rendered."""
    storage = verification.licence.storage
    name = verification.licence.name
    storage.delete(name)
    storage.save(name, ContentFile(b"<html><script>alert(1)</script></html>"))
    client.force_login(verification.user)

    response = client.get(private_url(verification, "licence"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"


# --- where the files are -----------------------------------------------------------------------


def test_the_files_are_stored_outside_the_media_root(verification, certification, settings):
    media_root = Path(settings.MEDIA_ROOT).resolve()
    for fieldfile in (verification.licence, certification.authorization_letter):
        assert fieldfile.storage is private_storage()
        path = Path(fieldfile.path).resolve()
        assert path.is_relative_to(Path(settings.PRIVATE_FILES_ROOT).resolve())
        assert not path.is_relative_to(media_root)


def test_the_files_are_not_reachable_under_the_media_url(verification, settings):
    """What serves MEDIA_URL (static() in development, a web server's alias in
    production) serves MEDIA_ROOT: the private files are not in it."""
    name = verification.licence.name
    request = RequestFactory().get(settings.MEDIA_URL + name)

    with pytest.raises(Http404):
        media_serve(request, name, document_root=settings.MEDIA_ROOT)


def test_private_files_have_no_public_url(verification):
    with pytest.raises(ValueError, match="private_url"):
        verification.licence.url  # noqa: B018


def test_the_configured_private_root_is_outside_the_media_root():
    from marketplace import settings as configured

    if configured.AWS_STORAGE_BUCKET_NAME:
        pytest.skip("object storage configured")
    location = Path(configured.STORAGES["private"]["OPTIONS"]["location"]).resolve()
    assert location == Path(configured.PRIVATE_FILES_ROOT).resolve()
    assert not location.is_relative_to(Path(configured.MEDIA_ROOT).resolve())


def test_a_private_root_inside_the_media_root_is_refused(tmp_path):
    result = manage(
        "check",
        tmp_path=tmp_path,
        MEDIA_ROOT=str(tmp_path / "media"),
        PRIVATE_FILES_ROOT=str(tmp_path / "media" / "private"),
    )

    assert result.returncode != 0
    assert "PRIVATE_FILES_ROOT" in result.stderr


@pytest.mark.parametrize(
    ("extra_env", "bucket"),
    [({}, "market"), ({"AWS_PRIVATE_STORAGE_BUCKET_NAME": "market-private"}, "market-private")],
)
def test_with_object_storage_the_private_files_get_short_signed_urls(tmp_path, extra_env, bucket):
    result = manage(
        "shell",
        "-c",
        "import json; from django.conf import settings; "
        "print(json.dumps(settings.STORAGES['private']))",
        tmp_path=tmp_path,
        AWS_STORAGE_BUCKET_NAME="market",
        **extra_env,
    )

    assert result.returncode == 0, result.stderr
    private = json.loads(result.stdout.strip().splitlines()[-1])
    assert private["BACKEND"] == "storages.backends.s3.S3Storage"
    assert private["OPTIONS"]["bucket_name"] == bucket
    assert private["OPTIONS"]["location"] == "private"
    assert private["OPTIONS"]["querystring_auth"] is True
    assert private["OPTIONS"]["querystring_expire"] == 300


def test_with_object_storage_the_view_redirects_to_a_presigned_url(client, verification, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "market",
                "endpoint_url": "https://s3.example.com",
                "region_name": "us-east-1",
                "access_key": "test-key",
                "secret_key": "test-secret",
                "location": "private",
                "querystring_auth": True,
                "querystring_expire": 300,
                "signature_version": "s3v4",
            },
        },
    }
    url = private_url(verification, "licence")
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404  # asked before anything is signed

    client.force_login(verification.user)
    response = client.get(url)

    assert response.status_code == 302
    location = response.url
    assert location.startswith("https://s3.example.com/market/private/verification/")
    assert "X-Amz-Expires=300" in location
    assert "X-Amz-Signature=" in location
    assert "response-content-disposition=inline" in location
    assert re.search(r"response-content-type=image%2Fpng", location)


# --- where the links are shown -------------------------------------------------------------------


def test_the_buyer_verification_page_links_the_licence(client):
    user = EnterpriseUserFactory()
    client.force_login(user)

    html = client.get(reverse("buyer:verification")).content.decode()

    link = re.search(r'href="(/files/[^"]+)"[^>]*data-testid="licence-link"', html)
    assert link
    assert client.get(link.group(1)).status_code == 200


def test_the_joint_certification_page_links_the_letter(client, certification):
    client.force_login(certification.seller.user)

    html = client.get(reverse("seller:joint_certification")).content.decode()

    link = re.search(r'href="(/files/[^"]+)"[^>]*data-testid="letter-link"', html)
    assert link
    assert body(client.get(link.group(1))) == PDF


def test_the_admin_links_the_letter_and_the_licence(client, certification):
    client.force_login(ReviewerFactory())

    letter = client.get(reverse("admin:sellers_jointcertification_change", args=[certification.pk]))
    account = client.get(reverse("admin:accounts_user_change", args=[certification.seller.user.pk]))

    assert letter.status_code == 200
    assert "View the authorization letter" in letter.content.decode()
    assert account.status_code == 200
    assert "View the business licence" in account.content.decode()


def test_the_admin_hides_the_letter_and_the_licence_from_support(client, certification):
    client.force_login(SupportFactory())

    letter = client.get(reverse("admin:sellers_jointcertification_change", args=[certification.pk]))
    account = client.get(reverse("admin:accounts_user_change", args=[certification.seller.user.pk]))

    assert letter.status_code == 200
    assert "View the authorization letter" not in letter.content.decode()
    assert account.status_code == 200
    assert "View the business licence" not in account.content.decode()


def test_id_numbers_are_masked_in_the_list_and_for_support(client):
    verification = IndividualVerificationFactory(id_number="11010519491231002X")
    changelist = reverse("admin:accounts_individualverification_changelist")
    change = reverse("admin:accounts_individualverification_change", args=[verification.pk])

    for make_user in (ReviewerFactory, SupportFactory):
        client.force_login(make_user())
        listed = client.get(changelist).content.decode()
        assert "110***********002X" in listed
        assert "11010519491231002X" not in listed
    # The full number only on the change page, for whoever may see private documents.
    assert "11010519491231002X" not in client.get(change).content.decode()  # support
    client.force_login(ReviewerFactory())
    assert "11010519491231002X" in client.get(change).content.decode()


def test_the_upload_of_a_verification_goes_to_the_private_storage(client, image_file, settings):
    from marketplace.accounts.services import user_verify_enterprise

    user = UserFactory()
    verification = user_verify_enterprise(
        user=user,
        company_name="Example Co.",
        credit_code=make_uscc(7),
        legal_representative="Zhang San",
        licence=image_file("licence.png"),
    )

    assert Path(verification.licence.path).read_bytes() == make_image_bytes()
    assert not any(Path(settings.MEDIA_ROOT).rglob("*licence*"))


def test_migrations_are_in_step_with_the_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
