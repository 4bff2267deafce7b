"""Rendering Rasa responses as WeChat text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.channels.wechat import render_response
from bot.channels.wechat_render import (
    MAX_TEXT_BYTES,
    BotTurn,
    ReplyOption,
    TextRenderer,
    choose_option,
    clean_text,
    split_text,
)


def rendered(*messages):
    renderer = TextRenderer()
    for message in messages:
        render_response(renderer, dict(message))
    return renderer.turn()


def test_buttons_are_numbered_across_the_turn():
    turn = rendered(
        {"text": "先选一个：", "buttons": [{"title": "查借款", "payload": "/check_loan_status"}]},
        {
            "text": "或者：",
            "quick_replies": [{"title": "算罚息", "payload": "/calculate_overdue_cost"}],
        },
    )
    assert turn.text == "先选一个：\n回复 1：查借款\n\n或者：\n回复 2：算罚息"
    assert turn.options == (
        ReplyOption(1, "查借款", "/check_loan_status"),
        ReplyOption(2, "算罚息", "/calculate_overdue_cost"),
    )


def test_url_buttons_show_the_link_and_are_not_numbered():
    turn = rendered(
        {"text": "详情：", "buttons": [{"title": "还款说明", "url": "https://example.com/r"}]}
    )
    assert turn.text == "详情：\n还款说明：https://example.com/r"
    assert turn.options == ()


def test_image_attachment_custom_and_elements_fall_back_to_text():
    turn = rendered(
        {"image": "https://example.com/chart.png"},
        {"attachment": {"type": "file", "payload": {"src": "https://example.com/plan.pdf"}}},
        {"custom": {"wechat_text": "这是给微信的文字版", "chart": [1, 2, 3]}},
        {"custom": {"widget_only": True}},  # nothing to show on WeChat
        {
            "elements": [
                {
                    "title": "借呗",
                    "subtitle": "应还 1,000.00 元",
                    "buttons": [{"title": "详情", "payload": "/x"}],
                }
            ]
        },
    )
    assert turn.texts == (
        "图片：https://example.com/chart.png",
        "附件：https://example.com/plan.pdf",
        "这是给微信的文字版",
        "借呗：应还 1,000.00 元\n回复 1：详情",
    )


def test_text_loses_characters_xml_cannot_carry():
    assert clean_text("应还\x00 1\x08,000\x1f 元\n好") == "应还 1,000 元\n好"


def test_empty_turn_has_no_parts():
    assert BotTurn().parts() == []
    assert rendered({"text": "   "}).parts() == []


def test_split_prefers_line_breaks():
    line = "款" * 400  # 1200 bytes
    parts = split_text(f"{line}\n{line}\n{line}")
    assert parts == [line, line, line]


@given(st.text(alphabet=st.sampled_from(["款", "a", "\n", " ", "😀", "，"]), max_size=3000))
def test_split_keeps_every_character_and_respects_the_limit(text):
    parts = split_text(text, max_bytes=100)
    assert all(len(part.encode("utf-8")) <= 100 for part in parts)
    assert "".join(parts).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(
        " ", ""
    )


def test_default_limit_is_wechat_text_size():
    parts = split_text("款" * 1000)
    assert [len(p.encode()) for p in parts] == [2046, 954]
    assert MAX_TEXT_BYTES == 2048


OPTIONS = (
    ReplyOption(1, "查借款", "/check_loan_status"),
    ReplyOption(2, "算罚息", "/calculate_overdue_cost"),
)


def test_choose_option_by_number():
    for text, expected in [
        ("1", 1),
        (" 2 ", 2),
        ("２", 2),
        ("回复1", 1),
        ("选 2", 2),
        ("第1个", 1),
        ("2。", 2),
    ]:
        assert choose_option(text, OPTIONS).number == expected, text


def test_choose_option_ignores_other_text():
    for text in ["3", "0", "12期", "1万", "我选1号", "查借款", ""]:
        assert choose_option(text, OPTIONS) is None, text
    assert choose_option("1", ()) is None
