"""``python -m bot.finance``: JSON shapes, worked examples, tables, and exit 2 on bad input."""

import io
import json
import subprocess
import sys
from decimal import Decimal as D

import pytest

from bot.finance.cli import main
from bot.policy import ENV_VAR, clear_policy_cache


@pytest.fixture(autouse=True)
def _default_policy(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    clear_policy_cache()


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def run_json(*argv):
    code, out, err = run(*argv, "--json")
    assert code == 0, err
    return json.loads(out)


def test_schedule_json_worked_example():
    data = run_json(
        "schedule",
        "--principal",
        "10000",
        "--annual-rate",
        "0.144",
        "--months",
        "12",
        "--method",
        "equal_installment",
    )
    assert set(data) >= {"rows", "total_interest", "total_paid", "apr"}
    assert data["rows"][0] == {
        "period": 1,
        "payment": "899.75",
        "interest": "120.00",
        "principal": "779.75",
        "balance": "9220.25",
    }
    assert data["rows"][-1]["payment"] == "899.80" and data["rows"][-1]["balance"] == "0.00"
    assert data["total_interest"] == "797.05" and data["total_paid"] == "10797.05"
    assert abs(D(data["apr"]) - D("0.144")) < D("0.00001")
    for row in data["rows"]:
        for key in ("payment", "interest", "principal", "balance"):
            assert isinstance(row[key], str) and len(row[key].split(".")[1]) == 2


def test_schedule_other_methods_and_daily_rate():
    data = run_json(
        "schedule",
        "--principal",
        "10000",
        "--daily-rate",
        "0.04%",
        "--months",
        "12",
        "--method",
        "等额本金",
        "--early-days",
        "10",
    )
    assert data["rows"][0]["payment"] == "953.33" and data["rows"][-1]["payment"] == "843.37"
    assert data["total_interest"] == "780.00"
    assert data["early_repayment"] == {
        "days": 10,
        "interest": "40.00",
        "total": "10040.00",
        "day_count": 360,
    }
    data = run_json(
        "schedule",
        "--principal",
        "10000",
        "--annual-rate",
        "14.4%",
        "--months",
        "12",
        "--method",
        "interest_first",
    )
    assert data["total_interest"] == "1440.00"


def test_schedule_table():
    code, out, _ = run(
        "schedule", "--principal", "10000", "--annual-rate", "0.144", "--months", "12"
    )
    assert code == 0
    assert "899.75" in out and "899.80" in out and "797.05" in out and "等额本息" in out
    assert len([line for line in out.splitlines() if line.strip()[:2].strip().isdigit()]) == 12


def test_apr_flat_fee_worked_example():
    data = run_json("apr", "--principal", "10000", "--flat-fee-rate", "0.006", "--months", "12")
    assert data["apr_percent"] == "13.03" and data["effective_annual_rate_percent"] == "13.84"
    assert data["nominal_flat_annual_rate_percent"] == "7.20"
    assert data["payments"][0] == "893.33" and data["total_cost"] == "720.00"
    code, out, _ = run("apr", "--principal", "10000", "--flat-fee-rate", "0.006", "--months", "12")
    assert code == 0 and "13.03%" in out and "7.20%" in out


def test_apr_other_modes():
    data = run_json("apr", "--principal", "1000", "--payments", "550,550")
    assert D(data["apr"]) > 0 and data["total_paid"] == "1100.00"
    fee = run_json(
        "apr",
        "--principal",
        "10000",
        "--upfront-fee",
        "300",
        "--annual-rate",
        "0.144",
        "--months",
        "12",
    )
    assert fee["amount_received"] == "9700.00" and D(fee["apr"]) > D("0.19")
    assert run_json("apr", "--daily-rate", "0.0005")["annual_rate"] == "0.18"
    assert run_json("apr", "--annual-rate", "0.144")["daily_rate"] == "0.0004"


def test_overdue_json_worked_example():
    data = run_json("overdue", "--principal", "899.75", "--daily-rate", "0.0004", "--days", "10")
    for key in (
        "penalty_principal",
        "penalty_interest",
        "total_due",
        "report_status",
        "classification",
    ):
        assert key in data
    assert data["penalty_principal"] == "5.40" and data["penalty_interest"] == "0.00"
    assert data["total_due"] == "905.15"
    assert data["report_status"] == "1" and data["classification"] == "关注"
    assert data["next_milestones"] and all(m["day"] > 10 for m in data["next_milestones"])
    assert "grace_days" in data["policy_examples"]  # default taken from the policy: an example


def test_overdue_options():
    data = run_json(
        "overdue",
        "--principal",
        "779.75",
        "--interest",
        "120",
        "--daily-rate",
        "0.0004",
        "--days",
        "10",
        "--grace-days",
        "0",
        "--multiplier",
        "1.5",
    )
    assert (data["penalty_principal"], data["penalty_interest"], data["total_due"]) == (
        "4.68",
        "0.72",
        "905.15",
    )
    assert "grace_days" not in data["policy_examples"]
    inside = run_json("overdue", "--principal", "1000", "--daily-rate", "0.0005", "--days", "2")
    assert inside["total_due"] == "1000.00" and inside["in_grace"] is True
    far = run_json(
        "overdue", "--principal", "1000", "--annual-rate", "0.18", "--days", "200", "--timeline"
    )
    assert (far["report_status"], far["classification"]) == ("7", "损失")
    assert [m["day"] for m in far["timeline"]] == sorted(m["day"] for m in far["timeline"])


def test_overdue_by_dates():
    data = run_json(
        "overdue",
        "--principal",
        "899.75",
        "--daily-rate",
        "0.0004",
        "--due-date",
        "2024-01-10",
        "--as-of",
        "2024-01-20",
        "--daily-rows",
    )
    assert data["days"] == 10 and data["total_penalty"] == "5.40" and len(data["rows"]) == 10
    code, out, _ = run("overdue", "--principal", "899.75", "--daily-rate", "0.0004", "--days", "10")
    assert code == 0 and "5.40" in out and "关注" in out and "示例" in out


def test_payoff(tmp_path):
    loans = tmp_path / "loans.json"
    loans.write_text(
        json.dumps(
            [
                {"name": "借呗", "balance": 10000, "annual_rate": 0.144, "minimum_payment": 500},
                {
                    "name": "信用卡",
                    "balance": "3000",
                    "annual_rate": "18%",
                    "minimum_payment": "150",
                },
                {"name": "花呗", "balance": 800, "annual_rate": "0.15", "minimum_payment": 80},
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    data = run_json("payoff", "--loans", str(loans), "--budget", "1500", "--strategy", "avalanche")
    assert data["feasible"] is True and data["months"] == 10
    assert set(data) >= {"months", "total_interest", "feasible", "schedule"}
    assert data["schedule"][0]["debts"][1]["payment"] == "920.00"
    snow = run_json("payoff", "--loans", str(loans), "--budget", "1500", "--strategy", "snowball")
    assert D(snow["total_interest"]) >= D(data["total_interest"])
    both = run_json("payoff", "--loans", str(loans), "--budget", "1500", "--strategy", "compare")
    assert set(both["strategies"]) == {"avalanche", "snowball", "minimums_only"}
    short = run_json("payoff", "--loans", str(loans), "--budget", "600")
    assert short["feasible"] is False and short["months"] is None and short["shortfall"] == "130.00"
    code, out, _ = run("payoff", "--loans", str(loans), "--budget", "1500")
    assert code == 0 and "雪崩法" in out and "920.00" in out
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(
        json.dumps(
            {"loans": [{"name": "a", "balance": 100, "annual_rate": 0, "minimum_payment": 10}]}
        )
    )
    assert run_json("payoff", "--loans", str(wrapped), "--budget", "50")["months"] == 2


def test_budget():
    data = run_json("budget", "--income", "8000", "--fixed", "3000", "--minimums", "1200")
    assert data["needs"] == "4000.00" and data["debt_capacity"] == "1600.00"
    assert data["emergency_fund_min"] == "12600.00"
    code, out, _ = run("budget", "--income", "8000")
    assert code == 0 and "4,000.00" in out and "应急金" in out


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (
            ["schedule", "--principal", "-1", "--annual-rate", "0.1", "--months", "12"],
            "本金需要大于0",
        ),
        (
            ["schedule", "--principal", "0", "--annual-rate", "0.1", "--months", "12"],
            "本金需要大于0",
        ),
        (["schedule", "--principal", "1e30", "--annual-rate", "0.1", "--months", "12"], "太大"),
        (
            ["schedule", "--principal", "NaN", "--annual-rate", "0.1", "--months", "12"],
            "有限的数字",
        ),
        (
            ["schedule", "--principal", "abc", "--annual-rate", "0.1", "--months", "12"],
            "不是一个有效的数字",
        ),
        (
            ["schedule", "--principal", "100", "--annual-rate", "1.2", "--months", "12"],
            "超过了100%",
        ),
        (["schedule", "--principal", "100", "--annual-rate", "0.1", "--months", "0"], "期数"),
        (["schedule", "--principal", "100", "--annual-rate", "0.1"], "缺少参数"),
        (
            [
                "schedule",
                "--principal",
                "100",
                "--annual-rate",
                "0.1",
                "--months",
                "3",
                "--method",
                "x",
            ],
            "无效",
        ),
        (["overdue", "--principal", "100", "--daily-rate", "0.0004", "--days", "-3"], "逾期天数"),
        (["overdue", "--principal", "100", "--daily-rate", "0.01", "--days", "3"], "超过了100%"),
        (
            ["overdue", "--principal", "100", "--daily-rate", "0.0004", "--due-date", "2024-02-30"],
            "到期日格式不对",
        ),
        (["payoff", "--loans", "/nonexistent/loans.json", "--budget", "100"], "读不到"),
        (["budget", "--income", "0"], "月收入需要大于0"),
        (["apr", "--principal", "100"], "请提供"),
        (["nonsense"], "无法识别的命令"),
        ([], "请指定一个命令"),
    ],
)
def test_bad_input_exits_2_with_chinese_message(argv, fragment):
    code, out, err = run(*argv)
    assert code == 2
    assert fragment in err and "Traceback" not in err
    code, out, err = run(*argv, "--json")
    assert code == 2
    assert json.loads(out)["message_zh"] == err.strip()  # machine-readable too


def test_bad_loans_files(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert run("payoff", "--loans", str(bad), "--budget", "100")[0] == 2
    bad.write_text('[{"name": "a", "balance": 100}]', encoding="utf-8")
    code, _, err = run("payoff", "--loans", str(bad), "--budget", "100")
    assert code == 2 and "annual_rate" in err
    bad.write_text('"loans"', encoding="utf-8")
    assert run("payoff", "--loans", str(bad), "--budget", "100")[0] == 2


def test_bad_policy_file_exits_2(tmp_path):
    broken = tmp_path / "policy.yml"
    broken.write_text("grace_days: 3\n", encoding="utf-8")
    code, _, err = run(
        "overdue",
        "--principal",
        "100",
        "--daily-rate",
        "0.0004",
        "--days",
        "3",
        "--policy",
        str(broken),
    )
    assert code == 2 and "配置文件有误" in err


def test_module_entry_point_subprocess():
    ok = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.finance",
            "overdue",
            "--principal",
            "899.75",
            "--daily-rate",
            "0.0004",
            "--days",
            "10",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0 and json.loads(ok.stdout)["penalty_principal"] == "5.40"
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.finance",
            "schedule",
            "--principal",
            "1e30",
            "--annual-rate",
            "0.1",
            "--months",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "太大" in bad.stderr and "Traceback" not in bad.stderr
