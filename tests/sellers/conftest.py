import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sellers import exit_checks

MP4_BYTES = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
MOV_BYTES = b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + b"\x00" * 64
PDF_BYTES = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture(autouse=True)
def _isolated_exit_checks():
    """Each test sees only the exit checks and steps that it registers itself."""
    saved, saved_steps = list(exit_checks._checks), list(exit_checks._steps)
    exit_checks._checks.clear()
    exit_checks._steps.clear()
    yield
    exit_checks._checks[:] = saved
    exit_checks._steps[:] = saved_steps


@pytest.fixture
def mp4_file():
    return SimpleUploadedFile("intro.mp4", MP4_BYTES, content_type="video/mp4")


@pytest.fixture
def mov_file():
    return SimpleUploadedFile("intro.mov", MOV_BYTES, content_type="video/quicktime")


@pytest.fixture
def fake_video_file():
    """A text file renamed to .mp4."""
    return SimpleUploadedFile(
        "intro.mp4", b"not a video, just words " * 10, content_type="video/mp4"
    )


@pytest.fixture
def pdf_file():
    return SimpleUploadedFile("letter.pdf", PDF_BYTES, content_type="application/pdf")


@pytest.fixture
def operator(db):
    """An operator of the reviewer group (not a superuser: the permissions are checked)."""
    from tests.factories.accounts import ReviewerFactory

    return ReviewerFactory(username="operator")
