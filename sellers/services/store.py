"""The seller's store page 店铺: brand story, video, images, certificate."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from marketplace.accounts.models import User
from marketplace.core import limits
from marketplace.core.audit import check_state, log_transition
from marketplace.core.files import check_image, check_video

from ..models import Seller, StoreImage, StorePage
from ._common import MAX_STORE_IMAGES, Status, _lock_seller


@transaction.atomic
def store_page_update(
    *,
    seller: Seller,
    actor: User,
    brand_story: str | None = None,
    intro_video=None,
    remove_intro_video: bool = False,
    intro_images: Sequence | None = None,
    certificate_image=None,
) -> StorePage:
    """Update the store page of an active seller; `None` leaves a part as it is.

    - `intro_video`: MP4 or MOV, recognised by its bytes;
    - `intro_images`: replaces all introduction images; each a JPG/JPEG/PNG of exactly
      `settings.STORE_IMAGE_SIZE`, at most `MAX_STORE_IMAGES` of them;
    - `certificate_image`: the qualification certificates merged into one JPG/JPEG/PNG of
      width `settings.STORE_CERTIFICATE_WIDTH` (the seed is cut off at "宽度为9…").
    """
    seller = _lock_seller(seller)
    check_state(seller, allowed=[Status.ACTIVE])
    errors: dict[str, list] = {}
    if brand_story is not None:
        limits.check_length(
            errors, "brand_story", brand_story.strip(), limits.MAX_BRAND_STORY_LENGTH
        )
    if intro_video:
        try:
            check_video(intro_video, max_bytes=settings.MAX_VIDEO_BYTES)
        except ValidationError as exc:
            errors["intro_video"] = exc.messages
    images = list(intro_images or [])
    if len(images) > MAX_STORE_IMAGES:
        errors["intro_images"] = [
            _("Upload at most %(count)d introduction images.") % {"count": MAX_STORE_IMAGES}
        ]
    for image in images:
        try:
            check_image(
                image, max_bytes=settings.MAX_IMAGE_BYTES, exact_size=settings.STORE_IMAGE_SIZE
            )
        except ValidationError as exc:
            errors.setdefault("intro_images", []).extend(
                f"{image.name}: {message}" for message in exc.messages
            )
    if certificate_image:
        try:
            check_image(
                certificate_image,
                max_bytes=settings.MAX_IMAGE_BYTES,
                exact_width=settings.STORE_CERTIFICATE_WIDTH,
            )
        except ValidationError as exc:
            errors["certificate_image"] = exc.messages
    if errors:
        raise ValidationError(errors)

    page, _created = StorePage.objects.get_or_create(seller=seller)
    changed: list[str] = []
    if brand_story is not None and brand_story.strip() != page.brand_story:
        page.brand_story = brand_story.strip()
        changed.append("brand_story")
    if intro_video:
        page.intro_video = intro_video
        changed.append("intro_video")
    elif remove_intro_video and page.intro_video:
        page.intro_video = ""
        changed.append("intro_video")
    if certificate_image:
        page.certificate_image = certificate_image
        changed.append("certificate_image")
    page.save()
    if images:
        page.images.all().delete()
        StoreImage.objects.bulk_create(
            StoreImage(store_page=page, image=image, position=position)
            for position, image in enumerate(images)
        )
        changed.append("intro_images")
    if changed:
        log_transition(seller, action="update_store_page", actor=actor, reason=", ".join(changed))
    return page
