"""Upload checks go by the bytes, not by the name."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from marketplace.core.files import check_document, check_image, check_video
from tests.conftest import make_image_bytes

MB = 1024 * 1024
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00\x00\x00\x00mp42isom" + b"\x00" * 64
MOV = b"\x00\x00\x00\x14ftypqt  " + b"\x00\x00\x00\x00qt  " + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def codes(excinfo) -> set[str]:
    return {error.code for error in excinfo.value.error_list}


@pytest.mark.parametrize(
    ("name", "fmt"), [("logo.png", "PNG"), ("photo.jpg", "JPEG"), ("PHOTO.JPEG", "JPEG")]
)
def test_real_images_are_accepted(image_file, name, fmt):
    file = image_file(name, size=(120, 80), fmt=fmt)

    assert check_image(file, max_bytes=MB) == (120, 80)
    assert file.tell() == 0  # left ready for saving


def test_text_file_renamed_to_png_is_refused(fake_image_file):
    with pytest.raises(ValidationError) as excinfo:
        check_image(fake_image_file, max_bytes=MB)
    assert codes(excinfo) == {"not_an_image"}


def test_image_whose_extension_lies_about_its_format_is_refused(image_file):
    png_named_jpg = image_file("photo.jpg", fmt="PNG")
    with pytest.raises(ValidationError) as excinfo:
        check_image(png_named_jpg, max_bytes=MB)
    assert codes(excinfo) == {"bad_image_format"}


def test_gif_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        check_image(upload("anim.gif", make_image_bytes(fmt="GIF")), max_bytes=MB)
    assert codes(excinfo) == {"bad_image_format"}


def test_oversize_image_is_refused(image_file):
    file = image_file("big.png", size=(300, 300))
    with pytest.raises(ValidationError, match="too large") as excinfo:
        check_image(file, max_bytes=file.size - 1)
    assert codes(excinfo) == {"file_too_large"}


def test_empty_file_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        check_image(upload("empty.png", b""), max_bytes=MB)
    assert codes(excinfo) == {"empty_file"}


def test_exact_size_is_enforced(image_file):
    assert check_image(image_file("s.png", size=(780, 440)), max_bytes=MB, exact_size=(780, 440))
    with pytest.raises(ValidationError, match="780×440") as excinfo:
        check_image(image_file("s.png", size=(781, 440)), max_bytes=MB, exact_size=(780, 440))
    assert codes(excinfo) == {"bad_image_size"}


def test_exact_width_is_enforced(image_file):
    assert check_image(image_file("c.png", size=(990, 1400)), max_bytes=MB, exact_width=990)
    with pytest.raises(ValidationError) as excinfo:
        check_image(image_file("c.png", size=(900, 1400)), max_bytes=MB, exact_width=990)
    assert codes(excinfo) == {"bad_image_width"}


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [("demo.mp4", MP4, "video/mp4"), ("demo.MOV", MOV, "video/quicktime")],
)
def test_videos_are_recognised_by_their_header(name, content, mime):
    assert check_video(upload(name, content), max_bytes=MB) == mime


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("junk.mp4", b"definitely not a video" * 10),
        ("demo.mov", MP4),  # an MP4 renamed .mov
        ("demo.avi", MP4),
    ],
)
def test_junk_or_misnamed_videos_are_refused(name, content):
    with pytest.raises(ValidationError) as excinfo:
        check_video(upload(name, content), max_bytes=MB)
    assert codes(excinfo) == {"bad_video"}


def test_oversize_video_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        check_video(upload("demo.mp4", MP4), max_bytes=len(MP4) - 1)
    assert codes(excinfo) == {"file_too_large"}


def test_documents(image_file):
    assert check_document(upload("contract.pdf", PDF), max_bytes=MB) == "application/pdf"
    assert check_document(image_file("scan.png"), max_bytes=MB) == "image/png"
    with pytest.raises(ValidationError, match=r"\.pdf") as excinfo:
        check_document(upload("contract.pdf", b"plain text, not a PDF"), max_bytes=MB)
    assert codes(excinfo) == {"bad_document"}


def test_decompression_bomb_is_refused_with_a_message():
    """A tiny PNG that declares 40000×40000 pixels: Pillow refuses to open it, and the
    seller gets the usual "not a valid image" message rather than a server error."""
    import struct
    import zlib

    data = bytearray(make_image_bytes((1, 1), "PNG"))
    ihdr = b"IHDR" + struct.pack(">II", 40000, 40000) + bytes(data[24:29])
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(ihdr))
    with pytest.raises(ValidationError) as excinfo:
        check_image(upload("bomb.png", bytes(data)), max_bytes=MB)
    assert codes(excinfo) == {"not_an_image"}


def test_camera_jpeg_reported_as_mpo_is_accepted():
    # Pillow calls JPEGs with extra frames (many phone cameras) "MPO"; they are JPEGs.
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    frames = [Image.new("RGB", (40, 30), "red"), Image.new("RGB", (40, 30), "blue")]
    frames[0].save(buffer, format="MPO", save_all=True, append_images=frames[1:])
    upload = SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")
    assert check_image(upload, max_bytes=10**6) == (40, 30)
