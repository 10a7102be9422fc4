"""Small template helpers for the Bootstrap look."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

register = template.Library()

# Django's stock widget templates that `_fast_widget` writes in Python instead: the same
# HTML, without a template render per option (a select of 40 options cost ~1.5 ms).
_WIDGETS = "django/forms/widgets/"
_INPUT_TEMPLATES = {
    f"{_WIDGETS}{name}.html"
    for name in ("input", "text", "number", "email", "url", "password", "date", "datetime")
    + ("time", "search", "tel", "checkbox", "hidden")
}
_SELECT = (f"{_WIDGETS}select.html", f"{_WIDGETS}select_option.html")


def _attrs(attrs: dict) -> str:
    """attrs.html: in order, `name` for True, nothing for False, else name="value"."""
    return mark_safe(  # noqa: S308 - every part went through format_html
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, str(value))
            for name, value in attrs.items()
            if value is not False
        )
    )


def _select_html(widget: dict) -> str:
    parts = [format_html('<select name="{}"{}>', widget["name"], _attrs(widget["attrs"]))]
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(format_html('<optgroup label="{}">', group_name))
        parts.extend(
            format_html(
                '<option value="{}"{}>{}</option>',
                str(option["value"]),
                _attrs(option["attrs"]),
                option["label"],
            )
            for option in options
        )
        if group_name:
            parts.append("</optgroup>")
    parts.append("</select>")
    return mark_safe("\n".join(parts))  # noqa: S308 - every part went through format_html


def _input_html(widget: dict) -> str:
    value = "" if widget["value"] is None else format_html(' value="{}"', str(widget["value"]))
    return format_html(
        '<input type="{}" name="{}"{}{}>',
        widget["type"],
        widget["name"],
        value,
        _attrs(widget["attrs"]),
    )


def _fast_widget(bound_field, attrs: dict):
    """`bound_field.as_widget(attrs=attrs)` for stock inputs and selects, written in
    Python; None for any other widget (rendered by its template)."""
    widget = bound_field.field.widget
    template_name = widget.template_name
    if template_name in _INPUT_TEMPLATES:
        write = _input_html
    elif (template_name, getattr(widget, "option_template_name", None)) == _SELECT:
        write = _select_html
    else:
        return None
    if bound_field.field.localize:
        widget.is_localized = True
    attrs = bound_field.build_widget_attrs(attrs, widget)
    if bound_field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", bound_field.auto_id)
    context = widget.get_context(bound_field.html_name, bound_field.value(), attrs)
    return write(context["widget"])


@register.filter
def bootstrap(bound_field):
    """Render a bound field with Bootstrap's classes (and is-invalid when it has errors)."""
    widget = bound_field.field.widget
    kind = bound_field.widget_type
    css = {"select": "form-select", "selectmultiple": "form-select"}.get(kind, "form-control")
    if kind in ("checkbox", "radioselect", "checkboxselectmultiple"):
        css = "form-check-input"
    classes = [widget.attrs.get("class", ""), css]
    if bound_field.errors:
        classes.append("is-invalid")
    attrs = {"class": " ".join(c for c in classes if c)}
    html = _fast_widget(bound_field, attrs)
    return bound_field.as_widget(attrs=attrs) if html is None else html


# Status values (of products, versions, sellers, certifications…) → Bootstrap colour.
# One vocabulary for the whole site: on sale/approved = success, waiting = warning,
# refused = danger, not (yet or any more) on sale = secondary.
STATUS_COLOURS = {
    "listed": "success",
    "approved": "success",
    "active": "success",
    "verified": "success",
    "pending": "warning",
    "pending_review": "warning",
    "exit_pending": "warning",
    "rejected": "danger",
    "draft": "secondary",
    "delisted": "secondary",
    "superseded": "secondary",
    "exited": "secondary",
    "unverified": "secondary",
    # Orders, payments, purchased services, unsubscriptions, calls (issues 8 and 9).
    "pending_payment": "warning",
    "unpaid": "warning",
    "paid": "success",
    "paid_on_credit": "info",
    "repaid": "success",
    "processing": "info",
    "completed": "success",
    "cancelled": "secondary",
    "unsubscribed": "secondary",
    "refunded": "secondary",
    "frozen": "warning",
    "released": "secondary",
    "awaiting_return": "warning",
    "return_shipped": "info",
    "refused": "danger",
    "withdrawn": "secondary",
    "sending": "info",
    "succeeded": "success",
    "failed": "danger",
    "open": "warning",
    "available": "success",
    "used": "secondary",
    "used_up": "secondary",
    "revoked": "secondary",
    # Supervision cases and appeals (issue 11); "completed" and "open" are above.
    "in_progress": "info",
    "in_appeal": "warning",
    "closed_by_refund": "secondary",
    "decided": "success",
}


@register.simple_tag
def status_colour(status):
    """The Bootstrap colour name of a status value ("listed" → "success")."""
    return STATUS_COLOURS.get(str(status or ""), "secondary")


@register.inclusion_tag("includes/status_badge.html")
def status_badge(status, label, testid=""):
    """A coloured badge: {% status_badge product.status product.get_status_display %}."""
    return {"colour": status_colour(status), "label": label, "status": status, "testid": testid}


@register.filter
def check_input(bound_widget, has_errors=False):
    """One choice of a RadioSelect or CheckboxSelectMultiple as a bare <input>, Bootstrap-styled."""
    attrs = dict(bound_widget.data["attrs"])
    classes = ["form-check-input"] + (["is-invalid"] if has_errors else [])
    attrs["class"] = " ".join(c for c in [attrs.get("class", "")] + classes if c)
    context = {"widget": {**bound_widget.data, "attrs": attrs, "wrap_label": False}}
    return bound_widget.parent_widget._render(
        bound_widget.template_name, context, bound_widget.renderer
    )


# One line per delivery type for the "choose how it is delivered" step of publishing.
DELIVERY_TYPE_DESCRIPTIONS = {
    "saas": _("Software the buyer uses online; you open the account and deliver access."),
    "joint_saas": _(
        "SaaS sold together with the marketplace: three-party terms and unified login."
    ),
    "license_code": _("The buyer receives an authorization code to activate your software."),
    "license_package": _("You deploy a software package in the buyer's environment."),
    "license_auto": _("Your software is deployed automatically on the buyer's cloud resources."),
    "image": _("A machine image the buyer launches on a cloud server."),
    "hardware": _("A physical device you ship to the buyer."),
    "manual_service": _(
        "Expert work such as migration, site building or consulting, delivered by people."
    ),
    "data_file": _("A data set the buyer downloads as files."),
    "orchestration": _("A template that deploys a whole application stack in one go."),
    "api_apig": _("An API the buyer calls through the APIG gateway, billed per call or package."),
    "api_agents": _("An AI agent or model API served through the Agents gateway."),
}


@register.filter
def delivery_type_description(value):
    return DELIVERY_TYPE_DESCRIPTIONS.get(str(value), "")


# The product log's action codes, as people read them.
LOG_ACTIONS = {
    "create": _("Created"),
    "submit": _("Submitted for review"),
    "approve": _("Approved"),
    "reject": _("Rejected"),
    "revise": _("Revised"),
    "relist": _("Relisted"),
    "delist": _("Delisted"),
    "delist_by_operator": _("Delisted by the marketplace"),
    "edit_listed": _("New version started"),
    "supersede": _("Superseded"),
    "close": _("Closed"),
    "sales_settings": _("Sales configuration changed"),
    "spec_sales": _("Inventory and purchase limits changed"),
    "allowlist_add": _("Specified user added"),
    "allowlist_remove": _("Specified user removed"),
}

# Product and version states that appear in the product log.
LOG_STATES = {
    "draft": _("Draft"),
    "pending_review": _("Pending review"),
    "listed": _("Listed"),
    "approved": _("Approved"),
    "rejected": _("Rejected"),
    "delisted": _("Delisted"),
    "superseded": _("Superseded"),
}


@register.filter
def log_action(value):
    """A product-log action code → its label; unknown codes are shown as they are."""
    value = str(value or "")
    if value in LOG_ACTIONS:
        return LOG_ACTIONS[value]
    if value.startswith("allowlist_add_"):
        return LOG_ACTIONS["allowlist_add"]
    if value.startswith("allowlist_remove_"):
        return LOG_ACTIONS["allowlist_remove"]
    return value


@register.filter
def log_state(value):
    value = str(value or "")
    return LOG_STATES.get(value, value)
