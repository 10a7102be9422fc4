"""Agreement and joint-terms checks (02-products › Information to fill in)."""

import pytest
from django.core.exceptions import ValidationError

from marketplace.catalog import agreements
from tests.factories.catalog_publishing import GOOD_AGREEMENT, filled_support_terms


@pytest.mark.parametrize(
    "line",
    [
        "甲方：__________",
        "乙方：＿＿＿＿",
        "联系人：（ ）",
        "Contact: (   )",
        "地址：【 】",
        "乙方（盖章）",
        "法定代表人签字：",
        "签约地点：上海",
        "签订地点：深圳",
        "Buyer (signature)",
        "Signature: ",
        "Company seal",
        "Stamped by the seller",
        "Signing place: Beijing",
        "Place of signing: Beijing",
        "日期：    年   月   日",
    ],
)
def test_forbidden_lines_are_reported_with_their_number(line):
    text = f"Agreement\nThe service is online.\n{line}\nEnd."
    problems = agreements.agreement_problems(text)
    assert [p.line_number for p in problems] == [3]
    with pytest.raises(ValidationError) as exc:
        agreements.check_agreement(text)
    assert "line 3" in exc.value.message_dict["agreement_text"][0]


@pytest.mark.parametrize(
    "line",
    [
        "乙方（盖 章）",  # a space inside the word
        "法定代表人签\u3000字：",  # an ideographic space
        "签 约 地 点：北京",
        "乙方盖\u200b章",  # an invisible zero-width space
        "乙方（蓋章）",  # traditional characters
        "法定代表人簽字：",
        "簽約地點：台北",
        "Buyer (ｓｉｇｎａｔｕｒｅ)",  # full-width letters
        "Ｓｉｇｎａｔｕｒｅ：",
        "Company ｓｅａｌ",
        "地址：［　］",  # full-width brackets
    ],
)
def test_disguised_forbidden_lines_are_reported_too(line):
    """Spaces, invisible or full-width characters and traditional forms don't hide a
    stamp, a signature or a blank (02 › Product service agreement)."""
    text = f"Agreement\nThe service is online.\n{line}\nEnd."
    assert [p.line_number for p in agreements.agreement_problems(text)] == [3]


@pytest.mark.parametrize(
    "line",
    [
        "The seller provides the service.",
        "服务期限：2025年1月1日起一年",
        "Research and development (R&D) team",
        "snake_case names are fine",
        "Seasonal offers are described on the product page.",
    ],
)
def test_ordinary_lines_pass(line):
    assert agreements.agreement_problems(f"Agreement\n{line}") == []


def test_empty_agreement_is_refused():
    with pytest.raises(ValidationError):
        agreements.check_agreement("  \n ")


def test_shipped_agreement_template_passes():
    agreements.check_agreement(agreements.agreement_template())
    assert agreements.agreement_problems(GOOD_AGREEMENT) == []


def test_filled_terms_pass():
    agreements.check_support_terms(filled_support_terms())


def test_filled_terms_pass_with_windows_line_endings_and_trailing_spaces():
    text = "\r\n".join(line + "  " for line in filled_support_terms().split("\n"))
    agreements.check_support_terms(text)


def test_unchanged_template_is_refused():
    problems = agreements.support_terms_problems(agreements.support_terms_template())
    assert problems and "markers" in problems[0]


def test_edit_outside_the_editable_places_is_refused_with_the_template_line():
    text = filled_support_terms().replace("争议解决", "争议处理")
    problems = agreements.support_terms_problems(text)
    assert len(problems) == 1
    assert "template line" in problems[0]


def test_text_added_at_the_end_is_refused():
    problems = agreements.support_terms_problems(filled_support_terms() + "\nExtra clause.")
    assert problems


def test_empty_field_is_refused():
    text = filled_support_terms(service_phone=" ")
    problems = agreements.support_terms_problems(text)
    assert problems and "service_phone" in problems[0]


def test_blanks_inside_an_editable_region_are_refused():
    text = filled_support_terms(seller_name="______")
    with pytest.raises(ValidationError) as exc:
        agreements.check_support_terms(text)
    assert "support_terms_text" in exc.value.message_dict


def test_custom_template_rule():
    template = "Terms of {{seller}}.\n[[scope]]\nFixed end."
    assert (
        agreements.support_terms_problems("Terms of ACME.\nAll.\nFixed end.", template=template)
        == []
    )
    assert agreements.support_terms_problems("Terms of ACME.\n\nFixed end.", template=template)
    assert agreements.support_terms_problems("Terms for ACME.\nAll.\nFixed end.", template=template)
