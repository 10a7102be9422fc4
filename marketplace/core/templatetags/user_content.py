"""Mark text people wrote (store, product, group names ...) where a template shows it.

    {% load user_content %}
    <td data-user-content>{{ group.name }}</td>
    {% blocktranslate with name=g|user_content %}Delete “{{ name }}”?{% endblocktranslate %}

(an element of its own gets the attribute; a value inside a sentence gets the filter).

Such text is in whatever language its author chose: the browser crawl
(tests/browser/test_crawl.py) skips marked text when it checks that an English page has no
Chinese interface text and a Chinese page no English one.
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def user_content(value) -> SafeString:
    """The value, escaped, in a `<span data-user-content>`."""
    return format_html("<span data-user-content>{}</span>", value)


@register.filter
def has_user_content(field) -> bool:
    """Whether a bound field's choices are people's words: its form marks the widget with
    `attrs={"data-user-content": ""}` (the `<select>` carries it itself; includes/form.html
    marks the labels of checkbox and radio choices)."""
    return "data-user-content" in field.field.widget.attrs
