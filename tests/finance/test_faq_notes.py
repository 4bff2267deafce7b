"""FAQ notes (bot/policy/faq_notes.yml): the file is valid, its topics exist, and matching."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.policy.faq_notes import FaqNotesError, load_faq_notes, parse_faq_notes

REPO = Path(__file__).resolve().parents[2]
FAQ_TOPICS = {path.stem for path in (REPO / "data" / "responses" / "faq").glob("*.yml")}


def test_the_packaged_notes_load_and_name_only_real_faq_topics():
    notes = load_faq_notes()
    assert notes.notes and FAQ_TOPICS
    for note in notes.notes:
        assert note.topics <= FAQ_TOPICS, note.id
        assert "{" not in note.answer and len(note.answer) <= 150, note.id


@pytest.mark.parametrize(
    "topic, text, expected",
    [
        ("debt_strategy", "最低还款是啥意思", ["minimum_payment"]),
        ("installment_terms", "账单分期和借款分期有啥区别", ["bill_vs_loan_installments"]),
        ("installment_terms", "能分几期", []),
        ("auto_debit", "几点扣款啊 卡里有钱没扣", ["funds_not_debited"]),
        ("auto_debit", "绑了两张卡，工资卡里有钱，到期先从哪扣", []),
        ("how_to_repay", "钱还了显示还没还", ["paid_but_not_shown"]),
        ("after_overdue_repaid", "还清了 征信还显示逾期", []),
        ("auto_debit", "扣了两次款 还显示没还 咋回事", ["double_debit", "paid_but_not_shown"]),
        ("lawsuit_risk", "打工回家发现没钱了 会被起诉吗", []),
        (None, "最低还款", ["minimum_payment"]),
        ("collection_conduct", "去哪投诉", ["complaint"]),
        ("borrow_to_repay", "能用信用卡还借呗吗", ["pay_with_credit_card"]),
        ("collection_conduct", "他们还P了我的照片发到群里", ["photos_posted"]),
        ("collection_conduct", "催收打给我爸妈合法吗", []),
        ("negotiated_repayment", "协商要准备啥材料", ["negotiation_documents"]),
        ("negotiated_repayment", "申请了多久有结果", ["negotiation_waiting"]),
        ("negotiated_repayment", "他们不同意咋办", ["negotiation_refused"]),
        ("negotiated_repayment", "能协商延期吗", []),
        ("credit_report_usage", "去哪投诉", []),
        ("credit_report_usage", "征信报告怎么查", ["report_where"]),
        ("credit_report_overdue", "征信上的逾期记录不对 不是我借的", ["report_dispute"]),
        ("credit_report_overdue", "逾期多久上征信", []),
        ("credit_report_overdue", "逾期了会上征信吗 会被起诉吗", ["lawsuit_brief"]),
        ("lawsuit_risk", "会被起诉吗 会影响征信吗", ["report_brief"]),
        ("lawsuit_risk", "会被起诉吗", []),
    ],
)
def test_matching(topic, text, expected):
    assert [note.id for note in load_faq_notes().for_message(topic, text)] == expected


def test_at_most_max_notes_per_message():
    data = {
        "version": 1,
        "max_notes": 1,
        "notes": [
            {"id": "a", "keywords": ["甲"], "answer": "A"},
            {"id": "b", "keywords": ["乙"], "answer": "B"},
        ],
    }
    assert [n.id for n in parse_faq_notes(data).for_message("x", "甲乙")] == ["a"]


@pytest.mark.parametrize(
    "data, message",
    [
        ([], "top level"),
        ({"version": 2, "notes": []}, "version"),
        ({"version": 1, "notes": [], "extra": 1}, "unknown key"),
        ({"version": 1, "notes": []}, "non-empty list"),
        ({"version": 1, "max_notes": 0, "notes": [{}]}, "max_notes"),
        ({"version": 1, "notes": [{"id": "a", "keywords": [], "answer": "A"}]}, "keywords"),
        ({"version": 1, "notes": [{"id": "a", "keywords": ["x"], "answer": " "}]}, "answer"),
        ({"version": 1, "notes": [{"id": "a", "keywords": ["x"], "answer": "A", "k": 1}]}, "k"),
        (
            {
                "version": 1,
                "notes": [
                    {"id": "a", "keywords": ["x"], "answer": "A"},
                    {"id": "a", "keywords": ["y"], "answer": "B"},
                ],
            },
            "unique",
        ),
        ({"version": 1, "notes": [{"id": "a", "keywords": [""], "answer": "A"}]}, "non-empty"),
    ],
)
def test_invalid_files_are_refused_with_the_reason(data, message):
    with pytest.raises(FaqNotesError, match=message):
        parse_faq_notes(data)
