"""Small template helpers for the Bootstrap look."""

from django import template

register = template.Library()


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
    return bound_field.as_widget(attrs={"class": " ".join(c for c in classes if c)})
