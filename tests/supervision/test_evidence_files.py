"""Evidence files (05 › Evidence files): checked by content, stored privately, linked for
the two parties and operators only."""

from __future__ import annotations

import hashlib

import pytest

from marketplace.core.private_files import PrivateFileSystemStorage
from supervision import services as s
from supervision.files import evidence_url
from supervision.flows import FlowCode, Node
from supervision.selectors import case_evidence
from tests.factories.accounts import OperatorFactory, SupportFactory, UserFactory
from tests.factories.sellers import ActiveSellerFactory
from tests.factories.supervision import (
    evidence_docx,
    evidence_jpeg,
    evidence_pdf,
    evidence_png,
    evidence_pptx,
    evidence_xlsx,
    evidence_zip,
)

from .helpers import case_at

pytestmark = pytest.mark.django_db

OFFICE = "application/vnd.openxmlformats-officedocument."


@pytest.mark.parametrize(
    ("make", "mime"),
    [
        (evidence_pdf, "application/pdf"),
        (evidence_png, "image/png"),
        (evidence_jpeg, "image/jpeg"),
        (evidence_docx, OFFICE + "wordprocessingml.document"),
        (evidence_xlsx, OFFICE + "spreadsheetml.sheet"),
        (evidence_pptx, OFFICE + "presentationml.presentation"),
        (evidence_zip, "application/zip"),
    ],
)
def test_accepted_types_are_stored_privately_with_their_hash(make, mime):
    case = case_at(FlowCode.STANDARD, Node.IMPLEMENTING)
    upload = make()
    data = upload.read()
    upload.seek(0)
    (evidence,) = s.evidence_upload(case_id=case.pk, actor=case.seller.user, files=[upload])
    assert evidence.content_type == mime
    assert evidence.sha256 == hashlib.sha256(data).hexdigest()
    assert (evidence.size, evidence.original_name) == (len(data), upload.name)
    assert isinstance(evidence.file.storage._wrapped, PrivateFileSystemStorage)
    assert evidence.file.name.startswith("supervision/")
    with evidence.file.open("rb") as handle:
        assert handle.read() == data


@pytest.fixture
def evidence():
    case = case_at(FlowCode.STANDARD, Node.ACCEPTANCE)
    return case.evidence.get()


def test_the_parties_and_operators_get_working_links(client, evidence):
    case = evidence.case
    for user in (case.buyer, case.seller.user, SupportFactory()):
        files = case_evidence(case, user)
        assert [f["name"] for f in files] == [evidence.original_name]
        client.force_login(user)
        response = client.get(files[0]["url"])
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF")


@pytest.mark.parametrize(
    "stranger",
    [UserFactory, lambda: ActiveSellerFactory().user, OperatorFactory],
    ids=["another-buyer", "another-seller", "staff-without-permission"],
)
def test_anyone_else_gets_no_link_and_a_404(client, evidence, stranger):
    user = stranger()
    assert case_evidence(evidence.case, user) == []
    client.force_login(user)
    assert client.get(evidence_url(evidence)).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, evidence):
    response = client.get(evidence_url(evidence))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_storage_has_no_public_url(evidence):
    with pytest.raises(ValueError):
        evidence.file.url  # noqa: B018
