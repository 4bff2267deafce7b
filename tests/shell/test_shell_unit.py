"""The debug shell without a server: commands, Ctrl-C, EOF and an unreachable bot."""

from __future__ import annotations

import io

from bot.shell import ShellState, TurnReport, chat, handle_command


def scripted(*lines, then=EOFError):
    items = list(lines)

    def read(_prompt):
        if items:
            return items.pop(0)
        raise then()

    return read


def test_ctrl_c_at_the_prompt_ends_the_shell_cleanly():
    out = io.StringIO()
    assert (
        chat("http://127.0.0.1:9", ShellState(), read=scripted(then=KeyboardInterrupt), out=out)
        == 0
    )


def test_unreachable_bot_is_reported_politely_and_the_shell_goes_on():
    out = io.StringIO()
    assert (
        chat("http://127.0.0.1:9", ShellState(), read=scripted("你好", "/as", "/quit"), out=out)
        == 0
    )
    text = out.getvalue()
    assert "连不上机器人服务" in text and "demo-multi-debt" in text


def test_commands_change_identity_date_and_conversation():
    state = ShellState()
    first = state.conversation_id
    assert "demo-one-yuan" in handle_command(state, "/as demo-one-yuan")
    assert state.body("你好") == {
        "sender": state.conversation_id,
        "message": "你好",
        "as": "demo-one-yuan",
        "date": None,
    }
    assert state.tracker_id == f"shell:{state.conversation_id}"
    assert state.conversation_id != first
    assert "没有这个演示借款人" in handle_command(state, "/as demo-nobody")
    handle_command(state, "/as none")
    assert state.body("x")["as"] is None
    assert "YYYY-MM-DD" in handle_command(state, "/date 12月1号")
    handle_command(state, "/date 2026-12-01")
    assert state.body("x")["date"] == "2026-12-01"
    assert handle_command(state, "/quit") is None


def test_turn_report_reads_the_turn_from_tracker_events():
    events = [
        {
            "event": "user",
            "text": "借呗5k",
            "timestamp": 10.0,
            "parse_data": {
                "intent": {"name": "inform", "confidence": 0.91},
                "entities": [
                    {
                        "entity": "amount",
                        "value": "5000",
                        "start": 2,
                        "end": 4,
                        "extractor": "FinanceEntityExtractor",
                    }
                ],
            },
        },
        {"event": "slot", "name": "payoff_budget", "value": "5000", "timestamp": 10.05},
        {"event": "action", "name": "payoff_form", "policy": "RulePolicy", "timestamp": 10.25},
        {"event": "action", "name": "action_listen", "timestamp": 10.3},
    ]
    lines = TurnReport.from_events(events, "借呗5k").lines()
    assert lines[0] == "intent    inform 0.91"
    assert "entity    amount “5k” → 5000  (FinanceEntityExtractor)" in lines
    assert 'slot      payoff_budget = "5000"' in lines
    assert any(line.startswith("action    payoff_form  200 ms") for line in lines)


def test_a_number_picks_a_button_of_the_last_turn_as_shown():
    """Buttons are numbered across the turn's messages; "2" sends the second one's payload."""
    from bot.shell import button_options, render_bot_message

    turn = [
        {"text": "想算哪一项？", "buttons": [{"title": "算逾期的罚息", "payload": "/a"}]},
        {"buttons": [{"title": "做还款计划", "payload": "/b"}, {"title": "没有payload"}]},
    ]
    options = button_options(turn)
    assert [(o.number, o.title, o.payload) for o in options] == [
        (1, "算逾期的罚息", "/a"),
        (2, "做还款计划", "/b"),
        (3, "没有payload", "没有payload"),
    ]
    assert render_bot_message(turn[1], 2) == "  [2] 做还款计划\n  [3] 没有payload"


def test_the_shell_sends_the_chosen_buttons_payload(monkeypatch):
    import bot.shell as shell

    sent = []

    async def fake_exchange(bot, state, line):
        sent.append(line)
        if len(sent) == 1:
            return [{"text": "选一个", "buttons": [{"title": "提前3天", "payload": "/x"}]}], None
        return [{"text": "好"}], None

    monkeypatch.setattr(shell, "_exchange", fake_exchange)
    state = ShellState(verbose=False)
    out = io.StringIO()
    assert chat("http://127.0.0.1:9", state, read=scripted("提醒我", "1", "1"), out=out) == 0
    # the second "1" answers a turn without buttons: sent as typed
    assert sent == ["提醒我", "/x", "1"]
    assert "（选了 [1] 提前3天）" in out.getvalue()
