"""The seller center (卖家中心): onboarding, store, certifications, service groups, exit.

Views are thin: form → service → message → redirect. Pages that need a seller in a
given status answer 403 with a translated explanation; objects are always looked up
through the signed-in seller, so another seller's object is a 404.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from marketplace.accounts.models import User
from marketplace.core.exceptions import DomainError
from marketplace.core.forms import call_service

from . import regions, selectors, services
from .forms import (
    BusinessInfoForm,
    BusinessInfoUpdateForm,
    ExitRequestForm,
    JointCertificationForm,
    SellerApplicationForm,
    ServiceGroupForm,
    StorePageForm,
)
from .models import Seller

Status = Seller.Status
ACTIVE = (Status.ACTIVE,)


def _forbidden(request, message: str):
    return render(request, "sellers/forbidden.html", {"message": message}, status=403)


def seller_required(statuses: Iterable[str] = ACTIVE) -> Callable:
    """Let in a signed-in seller whose status is one of `statuses`; pass it as `seller`."""
    allowed = tuple(statuses)

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            seller = selectors.seller_for_user(user=request.user)
            if seller is None:
                return _forbidden(
                    request, _("This page is for sellers: onboard your company first.")
                )
            if seller.status not in allowed:
                return _forbidden(
                    request,
                    _("This page isn't available while your seller status is “%(status)s”.")
                    % {"status": seller.get_status_display()},
                )
            return view(request, *args, seller=seller, **kwargs)

        return wrapper

    return decorator


# --- dashboard and onboarding ----------------------------------------------------------------


@login_required
def dashboard(request):
    seller = selectors.seller_for_user(user=request.user)
    context = {
        "seller": seller,
        "steps": selectors.onboarding_steps(user=request.user, seller=seller),
        "is_enterprise": request.user.real_name_status == User.RealName.ENTERPRISE,
    }
    if seller is not None and seller.status in (Status.ACTIVE, Status.EXIT_PENDING):
        context.update(selectors.seller_overview(seller=seller))
        # The seller center may read any domain; sellers' own code stays below the catalog.
        from marketplace.catalog.seller_selectors import seller_product_counts

        context["product_counts"] = counts = seller_product_counts(seller=seller)
        from supervision.selectors import todo_count_for_seller

        context["supervision_todo"] = todo_count_for_seller(seller)
        if seller.status == Status.ACTIVE:
            steps = selectors.next_steps(
                service_group_count=context["service_group_count"],
                product_submitted=any(n for status, n in counts.items() if status != "draft"),
                has_store_page=context["has_store_page"],
            )
            if not all(step.done for step in steps):  # the checklist goes once all is done
                context["next_steps"] = steps
    return render(request, "sellers/dashboard.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def verify_enterprise(request):
    """Onboarding step 1, inside the seller center (the same page as the buyer center's)."""
    from buyers.views import enterprise_verification_page

    return enterprise_verification_page(request, done_url="seller:dashboard")


@login_required
@require_http_methods(["GET", "POST"])
def apply(request):
    """Onboarding application; a rejected seller corrects and resubmits it here."""
    seller = selectors.seller_for_user(user=request.user)
    if seller is not None and seller.status != Status.REJECTED:
        if seller.status == Status.EXITED:
            messages.error(
                request, _("This account has left the marketplace and can never onboard again.")
            )
        else:
            messages.info(request, _("This account has already applied to sell."))
        return redirect("seller:dashboard")
    if request.user.real_name_status != User.RealName.ENTERPRISE:
        messages.warning(
            request, _("Only an enterprise may sell: verify your enterprise first (step 1).")
        )
        return redirect("seller:dashboard")
    if seller is None and not request.user.email_verified:
        messages.warning(
            request,
            _("Verify your e-mail address first: open the link we sent to %(email)s.")
            % {"email": request.user.email or "—"},
        )
        return redirect("seller:dashboard")
    initial = {}
    if seller is not None:
        initial = {
            name: getattr(seller, name)
            for name in (
                "store_name",
                "business_scope",
                "contact_name",
                "contact_mobile",
                "contact_email",
            )
        }
    form = SellerApplicationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if seller is None:
            done = call_service(form, services.seller_apply, user=request.user, **form.cleaned_data)
        else:
            done = call_service(
                form,
                services.seller_resubmit,
                seller=seller,
                actor=request.user,
                **form.cleaned_data,
            )
        if done:
            messages.success(request, _("Your application is submitted for review."))
            return redirect("seller:dashboard")
    verification = getattr(request.user, "enterprise_verification", None)
    return render(
        request,
        "sellers/apply.html",
        {"form": form, "seller": seller, "verification": verification},
    )


@seller_required([Status.APPROVED, Status.ACTIVE, Status.EXIT_PENDING])
@require_http_methods(["GET", "POST"])
def business_info(request, *, seller: Seller):
    """Step 3 for an approved seller; afterwards a read-only view of what was certified."""
    if seller.status != Status.APPROVED:
        if request.method == "POST":
            return _forbidden(request, _("The business information is already certified."))
        return render(
            request,
            "sellers/business_info.html",
            {"seller": seller, "info": getattr(seller, "business_info", None)},
        )
    form = BusinessInfoForm(request.POST or None, request.FILES or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            services.business_info_certify,
            seller=seller,
            actor=request.user,
            **form.cleaned_data,
        )
    ):
        messages.success(
            request, _("Your business information is certified: your store is now active.")
        )
        return redirect("seller:dashboard")
    return render(request, "sellers/business_info.html", {"seller": seller, "form": form})


@seller_required()
@require_http_methods(["GET", "POST"])
def business_info_edit(request, *, seller: Seller):
    """An active seller changes its certified business information."""
    form = BusinessInfoUpdateForm(
        request.POST or None,
        request.FILES or None,
        initial=BusinessInfoUpdateForm.initial_from(seller.business_info),
        current_logo=seller.business_info.logo,
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            services.business_info_update,
            seller=seller,
            actor=request.user,
            **form.cleaned_data,
        )
    ):
        messages.success(request, _("Your business information is updated."))
        return redirect("seller:business_info")
    return render(
        request,
        "sellers/business_info_edit.html",
        {"seller": seller, "form": form, "info": seller.business_info},
    )


@login_required
@require_GET
def region_cities(request):
    """htmx partial: the city `<option>`s of a province (and an empty district list)."""
    province = request.GET.get("province", "")
    return render(
        request,
        "sellers/partials/region_cities.html",
        {"names": regions.cities(province)},
    )


@login_required
@require_GET
def region_districts(request):
    """htmx partial: the district `<option>`s of a province's city."""
    names = regions.districts(request.GET.get("province", ""), request.GET.get("city", ""))
    return render(request, "sellers/partials/region_options.html", {"names": names})


# --- store page ------------------------------------------------------------------------------


@seller_required()
@require_http_methods(["GET", "POST"])
def store_page(request, *, seller: Seller):
    page = selectors.store_page_for(seller=seller)
    form = StorePageForm(
        request.POST or None,
        request.FILES or None,
        initial={"brand_story": page.brand_story if page else ""},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = call_service(
            form,
            services.store_page_update,
            seller=seller,
            actor=request.user,
            brand_story=data["brand_story"],
            intro_video=data["intro_video"],
            remove_intro_video=data["remove_intro_video"],
            intro_images=data["intro_images"] or None,
            certificate_image=data["certificate_image"],
        )
        if done:
            messages.success(request, _("Your store page is saved."))
            return redirect("seller:store_page")
    return render(request, "sellers/store_page.html", {"form": form, "page": page})


# --- joint-operation certification ----------------------------------------------------------


@seller_required()
@require_http_methods(["GET", "POST"])
def joint_certification(request, *, seller: Seller):
    """The seller's certifications with the products each covers, and a form to certify
    joint products no certification covers yet (issue 6 item 9). The company data comes
    from the enterprise verification: nothing to type again."""
    # The seller center may read any domain; sellers' own code stays below the catalog.
    from marketplace.catalog.seller_selectors import (
        certification_products,
        joint_products_to_certify,
    )

    certifications = list(selectors.joint_certification_list(seller=seller))
    covered = certification_products(certifications=certifications)
    for certification in certifications:
        certification.covered_names = covered[certification.pk]
    candidates = joint_products_to_certify(seller=seller)
    form = None
    if candidates.exists():
        form = JointCertificationForm(
            request.POST or None,
            request.FILES or None,
            products=candidates,
            initial={"company_name": seller.company_name, "credit_code": seller.credit_code},
        )
    if request.method == "POST":
        if form is None:
            messages.error(
                request,
                _("Every joint-operation product of yours is already covered or under review."),
            )
            return redirect("seller:joint_certification")
        if form.is_valid() and call_service(
            form,
            services.joint_certification_submit,
            seller=seller,
            actor=request.user,
            **form.cleaned_data,
        ):
            messages.success(request, _("Your joint-operation certification is submitted."))
            return redirect("seller:joint_certification")
    return render(
        request,
        "sellers/joint_certification.html",
        {
            "seller": seller,
            "certifications": certifications,
            "form": form,
            "verification": getattr(seller.user, "enterprise_verification", None),
            "info": getattr(seller, "business_info", None),
        },
    )


# --- customer-service groups --------------------------------------------------------------------


@seller_required()
def service_group_list(request, *, seller: Seller):
    groups = selectors.service_group_list(seller=seller)
    return render(request, "sellers/service_group_list.html", {"groups": groups})


@seller_required()
@require_http_methods(["GET", "POST"])
def service_group_create(request, *, seller: Seller):
    form = ServiceGroupForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            services.service_group_create,
            seller=seller,
            actor=request.user,
            **form.cleaned_data,
        )
    ):
        messages.success(request, _("The customer-service group is created."))
        return redirect("seller:service_group_list")
    return render(request, "sellers/service_group_form.html", {"form": form, "group": None})


@seller_required()
@require_http_methods(["GET", "POST"])
def service_group_edit(request, pk: int, *, seller: Seller):
    group = get_object_or_404(selectors.service_group_list(seller=seller), pk=pk)
    initial = {name: getattr(group, name) for name in ("name", "phone", "email", "hours")}
    form = ServiceGroupForm(request.POST or None, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            services.service_group_update,
            group=group,
            actor=request.user,
            **form.cleaned_data,
        )
    ):
        messages.success(request, _("The customer-service group is saved."))
        return redirect("seller:service_group_list")
    return render(request, "sellers/service_group_form.html", {"form": form, "group": group})


@seller_required()
@require_http_methods(["GET", "POST"])
def service_group_delete(request, pk: int, *, seller: Seller):
    group = get_object_or_404(selectors.service_group_list(seller=seller), pk=pk)
    if request.method == "POST":
        try:
            services.service_group_delete(group=group, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("The customer-service group “%(name)s” is deleted.") % {"name": group.name},
            )
        return redirect("seller:service_group_list")
    return render(request, "sellers/service_group_confirm_delete.html", {"group": group})


# --- exit ------------------------------------------------------------------------------------


@seller_required([Status.ACTIVE, Status.EXIT_PENDING])
@require_http_methods(["GET", "POST"])
def exit_request(request, *, seller: Seller):
    form = ExitRequestForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            services.seller_request_exit,
            seller=seller,
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
    ):
        messages.success(
            request,
            _(
                "Your exit request is sent: an operator delists your listed products, and "
                "your exit completes when nothing is listed any more."
            ),
        )
        return redirect("seller:exit")
    # The seller center may read any domain; sellers' own code stays below the catalog.
    from marketplace.catalog.seller_selectors import exit_delist_requests, listed_product_count

    active = seller.status == Status.ACTIVE
    return render(
        request,
        "sellers/exit.html",
        {
            "seller": seller,
            "form": form,
            "blocking": selectors.exit_blocking_reasons(seller=seller) if active else [],
            "listed_count": listed_product_count(seller=seller),
            "delist_requests": [] if active else list(exit_delist_requests(seller=seller)),
        },
    )


@seller_required([Status.ACTIVE, Status.EXIT_PENDING])
@require_POST
def exit_withdraw(request, *, seller: Seller):
    try:
        services.seller_withdraw_exit(seller=seller, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your exit request is withdrawn: your store stays open."))
    return redirect("seller:exit")
