"""Form helpers shared by the centers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction

from .exceptions import DomainError


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


class UploadField(forms.FileField):
    """A file field that runs a content check (from marketplace.core.files) on clean."""

    def __init__(self, *, check: Callable, check_kwargs: Callable[[], dict] | None = None, **kw):
        super().__init__(**kw)
        self.check = check
        self.check_kwargs = check_kwargs or dict

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload and upload is not initial and hasattr(upload, "size"):
            self.check(upload, **self.check_kwargs())
        return upload
