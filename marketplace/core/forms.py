"""Form helpers shared by the centers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction

from .exceptions import DomainError
from .files import check_image, original_name


def call_service(form: forms.Form, service: Callable[..., Any], **kwargs) -> Any | None:
    """Run `service(**kwargs)`; on a refusal put its message on the form and return None.

    The service is atomic, so a refusal leaves nothing changed. ValidationErrors with a
    field name land on that field, others on the form.
    """
    try:
        with transaction.atomic():
            return service(**kwargs)
    except DomainError as exc:
        form.add_error(None, exc.message)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc.messages)
    return None


class _CurrentFile:
    """A stored file as the file input shows it: its link, labelled with the name it was
    uploaded with rather than its generated storage key."""

    def __init__(self, fieldfile) -> None:
        self.url = fieldfile.url
        self.name = original_name(fieldfile)

    def __str__(self) -> str:
        return self.name


class UploadInput(forms.ClearableFileInput):
    def format_value(self, value):
        value = super().format_value(value)
        return _CurrentFile(value) if value else value


class UploadField(forms.FileField):
    """A file field that runs a content check (from marketplace.core.files) on clean."""

    widget = UploadInput

    def __init__(self, *, check: Callable, check_kwargs: Callable[[], dict] | None = None, **kw):
        super().__init__(**kw)
        self.check = check
        self.check_kwargs = check_kwargs or dict

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload and upload is not initial and hasattr(upload, "size"):
            self.check(upload, **self.check_kwargs())
        return upload


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ImagesField(forms.FileField):
    """Several JPG/PNG images from one multiple file input, each checked by content with
    `check_image(upload, **check_kwargs())`; each error names the file it is about."""

    widget = MultipleImageInput

    def __init__(self, *, check_kwargs: Callable[[], dict], **kwargs) -> None:
        super().__init__(**kwargs)
        self.check_kwargs = check_kwargs

    def clean(self, data, initial=None):
        uploads = [u for u in (data if isinstance(data, list | tuple) else [data]) if u]
        if not uploads:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        cleaned = [super(ImagesField, self).clean(upload, initial) for upload in uploads]
        errors = []
        for upload in cleaned:
            try:
                check_image(upload, **self.check_kwargs())
            except forms.ValidationError as exc:
                errors.extend(f"{upload.name}: {message}" for message in exc.messages)
        if errors:
            raise forms.ValidationError(errors)
        return cleaned
