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


# --- offline-contract wording, empty labels, signing places, placeholders, dots ------------
# (issue 6 item 10). Each refused line has a legitimate neighbour that must pass.


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("本协议一式两份，双方各执一份。", "offline_contract"),
        ("本合同一式 3 份", "offline_contract"),
        ("本协议一式X份", "offline_contract"),
        ("甲方：", "empty_label"),
        ("乙方签署：", "empty_label"),
        ("客户名称：\u3000\u3000\u3000", "empty_label"),
        ("签署日期：", "empty_label"),
        ("甲方：          乙方：", "empty_label"),
        ("Party A:", "empty_label"),
        ("Signature line: ……", "blank"),
        ("本协议在北京市海淀区签订。", "signing_place"),
        ("本协议于上海签署", "signing_place"),
        ("本合同双方在深圳签订", "signing_place"),
        ("联系人：此处填写姓名", "placeholder"),
        ("卖家：XXX有限公司", "placeholder"),
        ("卖家：xx科技", "placeholder"),
        ("金额：××元", "placeholder"),
        ("买家：某某公司", "placeholder"),
        ("地址：……", "blank"),
        ("地址：..........", "blank"),
        ("地址：・・・・", "blank"),
        ("乙方（盖-章）", "stamp_signature"),
        ("乙方盖.章", "stamp_signature"),
        ("法定代表人签·字", "stamp_signature"),
        ("Company s\u0435al", "stamp_signature"),  # Cyrillic е
        ("Company \u0455eal", "stamp_signature"),  # Cyrillic ѕ
        ("Company s-e-a-l", "stamp_signature"),
        ("Sign here", "stamp_signature"),
        ("S\u0456gn here please", "stamp_signature"),  # Cyrillic і
    ],
)
def test_new_forbidden_lines_are_reported_with_their_kind(line, kind):
    text = f"Agreement\nThe service is online.\n{line}\nEnd."
    problems = agreements.agreement_problems(text)
    assert [(p.line_number, p.kind) for p in problems] == [(3, kind)]
    with pytest.raises(ValidationError) as exc:
        agreements.check_agreement(text)
    message = exc.value.message_dict["agreement_text"][0]
    assert "line 3" in message
    assert problems[0].kind_label in message


@pytest.mark.parametrize(
    "line",
    [
        "甲方：北京云新科技有限公司",
        "乙方：购买本商品的买家",
        "客户名称：以下单账号的实名认证信息为准",
        "签署日期：以买家勾选同意的时间为准",
        "Party A: CloudNova Technology Co., Ltd.",
        "双方约定如下：",
        "服务期限：2025年1月1日起一年",
        "本协议在买家勾选同意后生效。",
        "本协议在买家下单时勾选同意即视为签署。",
        "本协议于买家勾选同意时订立。",
        "本协议即生效，无需另行签订书面合同。",
        "本协议由买卖双方在线订立，买家勾选同意后生效。",
        "本合同于线上签订，买家勾选即可。",
        "统一式样的份额说明",
        "卖家是北京某公司的全资子公司。",
        "Linux系统和Windows系统均可使用。",
        "The XL plan has more storage.",
        "The ticket is answered… usually within a day.",
        "Version 1.2.3.4 is supported.",
        "Sealing of containers is out of scope.",
        "Sign-in uses the marketplace's unified log-in.",
        "Users sign in with their marketplace account.",
        "Escalation path: support-engineer-manager.",
    ],
)
def test_legitimate_neighbours_of_the_new_rules_pass(line):
    assert agreements.agreement_problems(f"Agreement\n{line}") == []


def test_filled_support_terms_still_pass_the_new_rules():
    agreements.check_support_terms(filled_support_terms())
