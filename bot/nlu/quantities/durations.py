"""ISO 8601 durations: building them from parts, and counting their days.

Durations are written with years, months and days (weeks become days × 7, as the
conversation contract (docs/contract.md) asks: 三周 → ``P21D``); hours and minutes use the time part
(半小时 → ``PT30M``).  Fractions carry down to the next smaller unit:
half a year is six months (``P6M``), half a month is 15 days (一个半月 →
``P1M15D``), half a day is 12 hours (一天半 → ``P1DT12H``).
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Optional

__all__ = ["DAYS_PER_MONTH", "DAYS_PER_YEAR", "iso_duration", "duration_days"]

#: day counts used for months and years unless the caller says otherwise: the
#: 30/360 convention of Chinese consumer-loan interest (annual rate = daily rate × 360)
DAYS_PER_MONTH = 30
DAYS_PER_YEAR = 360

_ZERO = Decimal(0)

_ISO_RE = re.compile(
    r"P(?!$)(?:(?P<y>\d+(?:[.,]\d+)?)Y)?(?:(?P<mo>\d+(?:[.,]\d+)?)M)?(?:(?P<w>\d+(?:[.,]\d+)?)W)?"
    r"(?:(?P<d>\d+(?:[.,]\d+)?)D)?"
    r"(?:T(?=\d)(?:(?P<h>\d+(?:[.,]\d+)?)H)?(?:(?P<mi>\d+(?:[.,]\d+)?)M)?(?:(?P<s>\d+(?:[.,]\d+)?)S)?)?",
    re.ASCII,
)


def iso_duration(
    years: Decimal = _ZERO,
    months: Decimal = _ZERO,
    days: Decimal = _ZERO,
    hours: Decimal = _ZERO,
    minutes: Decimal = _ZERO,
) -> str:
    """ISO 8601 duration of the given parts, fractions carried down ("P1M15D").

    Years carry into 12 months, months into 30 days, days into 24 hours, hours into
    60 minutes; a fraction of a minute is rounded half up.  All zero gives ``"P0D"``.
    """
    y = Decimal(years)
    mo = Decimal(months)
    d = Decimal(days)
    h = Decimal(hours)
    mi = Decimal(minutes)

    whole_y = int(y)
    mo += (y - whole_y) * 12
    whole_mo = int(mo)
    d += (mo - whole_mo) * DAYS_PER_MONTH
    whole_d = int(d)
    h += (d - whole_d) * 24
    whole_h = int(h)
    mi += (h - whole_h) * 60
    whole_mi = int(mi.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if whole_mi >= 60:
        whole_h += whole_mi // 60
        whole_mi %= 60

    date_part = "".join(
        f"{v}{u}" for v, u in ((whole_y, "Y"), (whole_mo, "M"), (whole_d, "D")) if v
    )
    time_part = "".join(f"{v}{u}" for v, u in ((whole_h, "H"), (whole_mi, "M")) if v)
    if not date_part and not time_part:
        return "P0D"
    return "P" + date_part + (("T" + time_part) if time_part else "")


def duration_days(
    iso: str, *, days_per_month: int = DAYS_PER_MONTH, days_per_year: int = DAYS_PER_YEAR
) -> int:
    """Whole days in an ISO 8601 duration such as ``"P1M15D"`` (→ 45).

    A month counts ``days_per_month`` (30) days and a year ``days_per_year`` (360)
    days unless told otherwise; a week is 7 days.  A part day (``"PT12H"``,
    ``"P1DT1H"``) counts as a whole day, the way lenders count a started overdue day.

    Raises ``ValueError`` for a string that is not an ISO 8601 duration: this is
    meant for values this module produced, not for user text.
    """
    if not isinstance(iso, str):
        raise ValueError(f"not an ISO 8601 duration: {iso!r}")
    m = _ISO_RE.fullmatch(iso.strip().upper())
    if m is None:
        raise ValueError(f"not an ISO 8601 duration: {iso!r}")

    def part(name: str) -> Decimal:
        raw = m.group(name)
        return Decimal(raw.replace(",", ".")) if raw else _ZERO

    days = (
        part("y") * days_per_year
        + part("mo") * days_per_month
        + part("w") * 7
        + part("d")
        + part("h") / 24
        + part("mi") / 1440
        + part("s") / 86400
    )
    return int(math.ceil(days))


def parse_iso_parts(iso: str) -> Optional[dict]:
    """The numeric parts of an ISO duration (keys y, mo, w, d, h, mi, s), or ``None``."""
    if not isinstance(iso, str):
        return None
    m = _ISO_RE.fullmatch(iso.strip().upper())
    if m is None:
        return None
    return {k: Decimal(v.replace(",", ".")) if v else _ZERO for k, v in m.groupdict().items()}
