"""What the quantity reader reports: the entity names and :class:`Quantity`."""

from __future__ import annotations

from dataclasses import dataclass

AMOUNT = "amount"
DURATION = "duration"
DAILY_RATE = "daily_rate"
ANNUAL_RATE = "annual_rate"
INSTALLMENTS = "installments"
DAY_OF_MONTH = "day_of_month"
ENTITIES = (AMOUNT, DURATION, DAILY_RATE, ANNUAL_RATE, INSTALLMENTS, DAY_OF_MONTH)
#: withheld values (not entities of the contract): an interest rate per month (月息2分, 月利率1%),
#: and a percentage per month that is not one (月费率0.6%, 每月2%); values are fractions per month
MONTHLY_RATE = "monthly_rate"
MONTHLY_CHARGE = "monthly_charge"


@dataclass(frozen=True)
class Quantity:
    """One entity found in a message; ``text == message[start:end]``."""

    entity: str
    start: int
    end: int
    text: str
    value: str
