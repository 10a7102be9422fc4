from django.template import Context, Template


def render(source: str, **context) -> str:
    return Template("{% load i18n user_content %}" + source).render(Context(context))


def test_user_content_marks_the_value_and_escapes_it():
    html = render("{{ name|user_content }}", name="<b>云新</b> CloudNova")
    assert html == "<span data-user-content>&lt;b&gt;云新&lt;/b&gt; CloudNova</span>"


def test_user_content_inside_a_translated_sentence_stays_one_marked_span():
    html = render(
        "{% blocktranslate with name=group|user_content %}"
        "Delete “{{ name }}”?{% endblocktranslate %}",
        group="客户成功 & Co",
    )
    assert html == "Delete “<span data-user-content>客户成功 &amp; Co</span>”?"
