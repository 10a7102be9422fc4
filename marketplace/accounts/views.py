"""Sign-up, log-in, log-out, password reset and the language switch."""

import contextlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_http_methods

from marketplace.core.exceptions import DomainError
from marketplace.core.forms import call_service

from .forms import SignUpForm
from .services import user_set_language, user_sign_up


def _safe_next(request, name: str) -> str | None:
    """A redirect target from the request, only if it points to our own host."""
    target = request.POST.get(name) or request.GET.get(name)
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@require_http_methods(["GET", "POST"])
def sign_up(request):
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = call_service(
            form,
            user_sign_up,
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            mobile=form.cleaned_data["mobile"],
            password=form.cleaned_data["password1"],
            language=get_language(),
        )
        if user:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Your account is ready."))
            return redirect(_safe_next(request, "next") or settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/sign_up.html", {"form": form})


class LogInView(auth_views.LoginView):
    template_name = "accounts/log_in.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        """Log in, and let the account's language (chosen with the switch or at sign-up)
        follow the person to this browser too."""
        response = super().form_valid(form)
        language = form.get_user().language
        if language and language in dict(settings.LANGUAGES):
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response


@require_http_methods(["GET", "POST"])
def log_out(request):
    """Log out, then go to `redirect_url` if it is on our own host, else the home page.

    GET is accepted too, because the unified-login helper of joint products links here
    (`/accounts/logout/?redirect_url=...`); a foreign `redirect_url` is ignored.
    """
    logout(request)
    return redirect(_safe_next(request, "redirect_url") or _safe_next(request, "next") or "home")


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "emails/password_reset_body.txt"
    subject_template_name = "emails/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


def set_language(request):
    """Django's language switch (cookie, `next` handling), which also remembers the choice
    on the account of a logged-in person, so that e-mails to them use it too.

    Django's view changes the language only on a POST, and only to a language it knows;
    the account keeps only one of settings.LANGUAGES, anything else leaves it unchanged.
    """
    response = i18n.set_language(request)
    language = request.POST.get(i18n.LANGUAGE_QUERY_PARAMETER)
    if request.method == "POST" and language and request.user.is_authenticated:
        with contextlib.suppress(DomainError):
            user_set_language(user=request.user, language=language)
    return response
