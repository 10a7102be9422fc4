"""Sign-up, log-in, log-out, password reset, e-mail verification, the language switch and
the account's personal API tokens.

Intent survives the detour through the account pages: a `next` (a path on this site,
checked with url_has_allowed_host_and_scheme) goes from log-in to sign-up and back, and
after either the person lands on it. Without one, sellers land in the seller center and
everyone else in the buyer center.
"""

import contextlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_GET, require_http_methods

from marketplace.core.exceptions import DomainError
from marketplace.core.forms import call_service

from .forms import ApiTokenForm, SignUpForm
from .models import ApiToken
from .names import email_key
from .selectors import api_token_list, api_token_of
from .services import (
    api_token_create,
    api_token_revoke,
    user_send_email_verification,
    user_set_language,
    user_sign_up,
    user_verify_email,
)
from .throttling import allow, client_ip

# The built-in auth views put the request's host ("127.0.0.1:8000") in `site_name`,
# which would replace the marketplace's name in the navbar, title and footer.
BRAND = {"site_name": settings.SITE_NAME}


def _safe_next(request, name: str) -> str | None:
    """A redirect target from the request, only if it points to our own host."""
    target = request.POST.get(name) or request.GET.get(name)
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def landing_url(user) -> str:
    """Where a person goes after logging in or signing up without a `next`."""
    # The account pages may send people anywhere; the seller center is one of them.
    from sellers.selectors import seller_for_user

    if seller_for_user(user=user) is not None:
        return reverse("seller:dashboard")
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@require_http_methods(["GET", "POST"])
def sign_up(request):
    if request.user.is_authenticated:
        return redirect(_safe_next(request, "next") or landing_url(request.user))
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
            messages.success(
                request,
                _(
                    "Welcome! Your account is ready. We sent a link to %(email)s: open it to "
                    "verify your e-mail address."
                )
                % {"email": user.email},
            )
            return redirect(_safe_next(request, "next") or landing_url(user))
    return render(
        request, "accounts/sign_up.html", {"form": form, "next": _safe_next(request, "next")}
    )


class LogInView(auth_views.LoginView):
    template_name = "accounts/log_in.html"
    redirect_authenticated_user = True
    extra_context = BRAND

    def get_default_redirect_url(self):
        if self.next_page:
            return super().get_default_redirect_url()
        return landing_url(self.request.user)

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
    """Log out by POST, then go to `redirect_url` if it is on our own host, else home.

    A GET never logs out (a link or an <img> on another site could): it asks "Log out?"
    with a POST form that keeps `redirect_url`. That is how the unified-login helper of
    joint products (`/accounts/logout/?redirect_url=...`, 04-isv-integration) works: the
    person confirms with one click. Someone already logged out goes straight on.
    A foreign `redirect_url` is ignored.
    """
    target = _safe_next(request, "redirect_url") or _safe_next(request, "next")
    if request.method == "GET":
        if request.user.is_authenticated:
            return render(request, "accounts/log_out.html", {"redirect_url": target or ""})
        return redirect(target or "home")
    logout(request)
    return redirect(target or "home")


class PasswordResetView(auth_views.PasswordResetView):
    """Password reset, at most PASSWORD_RESET_RATE_PER_HOUR e-mails an hour per client
    address and per e-mail address (whether an account has it or not: the answer must
    not tell)."""

    template_name = "accounts/password_reset.html"
    email_template_name = "emails/password_reset_body.txt"
    subject_template_name = "emails/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")
    extra_email_context = BRAND

    def form_valid(self, form):
        limit = settings.PASSWORD_RESET_RATE_PER_HOUR
        by_address = allow("password-reset-ip", client_ip(self.request) or "", limit=limit)
        by_email = allow("password-reset-email", email_key(form.cleaned_data["email"]), limit=limit)
        if not (by_address and by_email):
            form.add_error(None, _("Too many password reset requests. Try again in an hour."))
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@login_required
@require_http_methods(["GET", "POST"])
def email_verification(request):
    """Whether the account's e-mail is verified; POST sends the link again (rate-limited)."""
    user = request.user
    if request.method == "POST":
        if not allow(
            "email-verification",
            str(user.pk),
            limit=settings.EMAIL_VERIFICATION_RESENDS_PER_HOUR,
        ):
            messages.error(request, _("We sent several links already: try again in an hour."))
        else:
            try:
                user_send_email_verification(user=user)
            except DomainError as exc:
                messages.info(request, exc.message)
            else:
                messages.success(
                    request,
                    _("We sent a new link to %(email)s.") % {"email": user.email},
                )
        return redirect(_safe_next(request, "next") or "accounts:email_verification")
    return render(request, "accounts/email_verification.html")


@require_http_methods(["GET"])
def verify_email(request, token: str):
    """The signed link from the e-mail. It works in any browser, logged in or not: it
    proves only that whoever opens it reads that mailbox."""
    try:
        user_verify_email(token=token)
    except DomainError as exc:
        return render(
            request, "accounts/email_link_invalid.html", {"message": exc.message}, status=400
        )
    messages.success(request, _("Your e-mail address is verified."))
    if request.user.is_authenticated:
        return redirect(landing_url(request.user))
    return redirect("accounts:login")


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


# --- personal API tokens (README › API tokens) -------------------------------------------------


@login_required
@require_GET
def api_tokens(request):
    """The account's API tokens: name, prefix, dates and status; never the token."""
    return render(
        request,
        "accounts/api_tokens.html",
        {"tokens": api_token_list(user=request.user), "limit": settings.API_TOKENS_PER_USER},
    )


@login_required
@require_http_methods(["GET", "POST"])
def api_token_create_view(request):
    """Make a token; the answer to the POST is the only page that ever shows it (it is
    not stored, not put in the session, and the page is not cached)."""
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        made = call_service(
            form,
            api_token_create,
            user=request.user,
            name=form.cleaned_data["name"],
            expires_at=form.expires_at,
        )
        if made:
            token, secret = made
            response = render(
                request, "accounts/api_tokens_created.html", {"token": token, "secret": secret}
            )
            add_never_cache_headers(response)
            return response
    return render(request, "accounts/api_tokens_create.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def api_token_revoke_view(request, pk: int):
    """GET asks "Revoke this token?"; POST revokes. Another account's token is a 404."""
    if request.method == "POST":
        try:
            token = api_token_revoke(user=request.user, token_id=pk)
        except ApiToken.DoesNotExist:
            raise Http404 from None
        messages.success(
            request,
            _("The API token “%(name)s” is revoked: it no longer works.") % {"name": token.name},
        )
        return redirect("accounts:api_tokens")
    token = api_token_of(user=request.user, token_id=pk)
    if token is None:
        raise Http404
    return render(request, "accounts/api_tokens_revoke.html", {"token": token})
