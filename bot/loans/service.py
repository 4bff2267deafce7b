"""The loan-status service: a versioned JSON API over the ledger (aiohttp).

``create_app()`` builds the application without any I/O; the database engine is created
on startup and disposed of on cleanup.  Routes (all ``/v1`` routes need
``Authorization: Bearer <LOAN_SERVICE_TOKEN>``: 401 without it, 403 with a wrong one)::

    GET    /health
    GET    /v1/identities/{channel}/{external_id}
    GET    /v1/borrowers/{borrower_id}/loans?as_of=YYYY-MM-DD[&installments=1]
    POST   /v1/borrowers/{borrower_id}/repayments          (Idempotency-Key)
    GET    /v1/borrowers/{borrower_id}/repayment-preview?loan_id=…&amount=…[&as_of=…][&horizon=…]
    POST   /v1/borrowers/{borrower_id}/relief-requests[?as_of=…]   (Idempotency-Key)
    GET    /v1/borrowers/{borrower_id}/relief-requests     (newest first)
    POST   /v1/borrowers/{borrower_id}/reminders           (Idempotency-Key)
    GET    /v1/borrowers/{borrower_id}/reminders[?status=active|scheduled|…]
    GET    /v1/borrowers/{borrower_id}/reminders/{reminder_id}
    DELETE /v1/borrowers/{borrower_id}/reminders/{reminder_id}

Errors are JSON ``{"error": {"code", "message_zh", "message_en"[, "details"]}}``; an
unexpected failure is logged with its traceback and answered 500 without one, a database
outage 503.

With ``scheduler_settings`` (``serve`` passes them when ``RASA_URL`` and ``RASA_API_TOKEN`` are
set) the service also runs the reminder scheduler (:mod:`bot.loans.reminder_scheduler`) as a
background task from startup to shutdown.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from datetime import date, datetime, timedelta
from typing import Callable, Optional

from aiohttp import web
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from bot.finance.errors import FinanceError
from bot.loans import config, validation
from bot.loans.db import Database
from bot.loans.errors import LedgerError
from bot.loans.reminder_scheduler import ReminderScheduler, SchedulerSettings
from bot.loans.store import Clock, LoanStore, WriteResult, utc_now

log = logging.getLogger(__name__)

API_VERSION = "v1"
DB_KEY = web.AppKey("loans_db", Database)
STORE_KEY = web.AppKey("loans_store", LoanStore)
SETTINGS_KEY = web.AppKey("loans_settings", dict)
SCHEDULER_KEY = web.AppKey("loans_scheduler", ReminderScheduler)
SCHEDULER_TASK_KEY = web.AppKey("loans_scheduler_task", asyncio.Task)
SCHEDULER_STOP_KEY = web.AppKey("loans_scheduler_stop", asyncio.Event)
SCHEDULER_GRACE_S = 5.0  # on shutdown, how long the round in progress may take to finish
_FROM_ENV = object()
REPLAYED_HEADER = "Idempotent-Replayed"


def error_response(
    status: int,
    code: str,
    message_zh: str,
    message_en: str,
    details: Optional[dict] = None,
    headers: Optional[dict] = None,
) -> web.Response:
    body = {"code": code, "message_zh": message_zh, "message_en": message_en}
    if details:
        body["details"] = details
    return web.json_response({"error": body}, status=status, headers=headers)


HTTP_ERRORS = {
    404: ("not_found", "没有这个接口。", "No such endpoint."),
    405: ("method_not_allowed", "这个接口不支持该请求方法。", "Method not allowed."),
    413: ("body_too_large", "请求内容太长了。", "Request body too large."),
}


def _route(request: web.Request) -> str:
    """The route template of a request (``/v1/borrowers/{borrower_id}/loans``): loggable."""
    try:
        return request.match_info.route.resource.canonical
    except AttributeError:  # no matching route
        return "(no route)"


@web.middleware
async def error_middleware(request: web.Request, handler):
    try:
        return await handler(request)
    except LedgerError as exc:
        return web.json_response(exc.to_json(), status=exc.status)
    except FinanceError as exc:
        return error_response(400, exc.code, exc.message_zh, "Invalid figure in the request.")
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code, zh, en = HTTP_ERRORS.get(exc.status, ("http_error", "请求无法处理。", exc.reason))
        return error_response(exc.status, code, zh, en)
    except (OperationalError, DBAPIError, PoolTimeoutError, OSError) as exc:
        # the route, not the path (it names the borrower), and the error's class (a database
        # error's text carries the statement's parameters)
        log.error(
            "database unavailable on %s %s: %s", request.method, _route(request), type(exc).__name__
        )
        return error_response(
            503,
            "service_unavailable",
            "账户信息暂时查不到，请稍后再试。",
            "The ledger database is unavailable; retry later.",
        )
    except Exception:  # noqa: BLE001 - the one place that turns a bug into a clean 500
        log.exception("unhandled error on %s %s", request.method, _route(request))
        return error_response(
            500, "internal_error", "系统开小差了，请稍后再试。", "Internal error; it was logged."
        )


@web.middleware
async def auth_middleware(request: web.Request, handler):
    if not request.path.startswith(f"/{API_VERSION}/"):
        return await handler(request)
    expected: str = request.app[SETTINGS_KEY]["token"]
    header = request.headers.get("Authorization", "")
    scheme, _, presented = header.partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        return error_response(
            401,
            "unauthorized",
            "缺少访问凭证。",
            "A bearer service token is required.",
            headers={"WWW-Authenticate": 'Bearer realm="loans"'},
        )
    if not hmac.compare_digest(presented.strip().encode(), expected.encode()):
        return error_response(403, "forbidden", "访问凭证无效。", "The service token is wrong.")
    return await handler(request)


def _store(request: web.Request) -> LoanStore:
    return request.app[STORE_KEY]


def _today(request: web.Request) -> date:
    return request.app[SETTINGS_KEY]["today"]()


def _borrower_id(request: web.Request) -> str:
    return validation.identifier(request.match_info["borrower_id"], "borrower_id")


def _write_response(result: WriteResult) -> web.Response:
    headers = {REPLAYED_HEADER: "true"} if result.replayed else None
    return web.json_response(result.body, status=result.status, headers=headers)


async def health(request: web.Request) -> web.Response:
    try:
        await _store(request).ping()
    except Exception as exc:  # noqa: BLE001 - health reports, never raises
        log.warning("health check: database unavailable: %s", exc)
        return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok", "database": "ok", "api": API_VERSION})


async def resolve_identity(request: web.Request) -> web.Response:
    channel = validation.channel(request.match_info["channel"], required=True)
    external_id = validation.identifier(request.match_info["external_id"], "external_id")
    return web.json_response(await _store(request).resolve_identity(channel, external_id))


async def loans(request: web.Request) -> web.Response:
    borrower_id = _borrower_id(request)
    as_of = validation.optional_date(request.query.get("as_of"), "as_of") or _today(request)
    with_installments = request.query.get("installments", "") in ("1", "true", "yes")
    body = await _store(request).overview(borrower_id, as_of, with_installments=with_installments)
    return web.json_response(body)


#: how far ahead a repayment preview looks when the request names no day
PREVIEW_DAYS = 30
#: the furthest a preview may look ahead
MAX_PREVIEW_DAYS = 3650


async def repayment_preview(request: web.Request) -> web.Response:
    """What a repayment would do, booked nowhere: ``loan_id``, ``amount``; ``as_of`` (the day
    it would be paid, default today) and ``horizon`` (the day to compare the loan on, default
    30 days later)."""
    borrower_id = _borrower_id(request)
    query = request.query
    if not query.get("loan_id"):
        raise validation.invalid_field(
            "loan_id", "请说明要还哪一笔借款（loan_id）。", "loan_id is required."
        )
    if not query.get("amount"):
        raise validation.invalid_field(
            "amount", "请说明还款金额（amount）。", "amount is required."
        )
    loan_id = validation.identifier(query["loan_id"], "loan_id")
    amount = validation.positive_money(query["amount"])
    paid_on = validation.optional_date(query.get("as_of"), "as_of") or _today(request)
    horizon = validation.optional_date(query.get("horizon"), "horizon") or (
        paid_on + timedelta(days=PREVIEW_DAYS)
    )
    if not 0 <= (horizon - paid_on).days <= MAX_PREVIEW_DAYS:
        raise validation.invalid_field(
            "horizon",
            "比较的日期需要在还款当天或之后，十年以内。",
            "horizon must be on or after the repayment day, within ten years.",
        )
    body = await _store(request).preview_repayment(borrower_id, loan_id, amount, paid_on, horizon)
    return web.json_response(body)


async def _keyed_body(request: web.Request) -> tuple[str, dict]:
    key = validation.idempotency_key(request.headers.get("Idempotency-Key"))
    return key, validation.parse_json_body(await request.read())


async def create_repayment(request: web.Request) -> web.Response:
    borrower_id = _borrower_id(request)
    key, body = await _keyed_body(request)
    parsed = validation.repayment_request(body)
    result = await _store(request).record_repayment(
        borrower_id,
        key,
        validation.request_hash(validation.canonical(parsed)),
        parsed,
        paid_on=_today(request),
    )
    return _write_response(result)


async def create_relief_request(request: web.Request) -> web.Response:
    """``as_of``, as on the reads: the day the request is filed on (the bot sends it only for
    the debug shell's ``/date``, so that the request's date and reference match the day the
    conversation's figures are for); the ledger's today without it."""
    borrower_id = _borrower_id(request)
    filed_on = validation.optional_date(request.query.get("as_of"), "as_of") or _today(request)
    key, body = await _keyed_body(request)
    parsed = validation.relief_request(body)
    result = await _store(request).create_relief_request(
        borrower_id,
        key,
        validation.request_hash(validation.canonical(parsed)),
        parsed,
        today=filed_on,
    )
    return _write_response(result)


async def list_relief_requests(request: web.Request) -> web.Response:
    return web.json_response(await _store(request).list_relief_requests(_borrower_id(request)))


async def create_reminder(request: web.Request) -> web.Response:
    borrower_id = _borrower_id(request)
    key, body = await _keyed_body(request)
    parsed = validation.reminder_request(body)
    result = await _store(request).create_reminder(
        borrower_id,
        key,
        validation.request_hash(validation.canonical(parsed)),
        parsed,
        today=_today(request),
    )
    return _write_response(result)


async def list_reminders(request: web.Request) -> web.Response:
    status = validation.reminder_status(request.query.get("status"))
    return web.json_response(await _store(request).list_reminders(_borrower_id(request), status))


async def get_reminder(request: web.Request) -> web.Response:
    reminder_id = validation.identifier(request.match_info["reminder_id"], "reminder_id")
    return web.json_response(await _store(request).get_reminder(_borrower_id(request), reminder_id))


async def reminder_delivery(request: web.Request) -> web.Response:
    reminder_id = validation.identifier(request.match_info["reminder_id"], "reminder_id")
    return web.json_response(await _store(request).reminder_delivery(reminder_id))


async def cancel_reminder(request: web.Request) -> web.Response:
    reminder_id = validation.identifier(request.match_info["reminder_id"], "reminder_id")
    return web.json_response(
        await _store(request).cancel_reminder(_borrower_id(request), reminder_id)
    )


def _default_today() -> date:
    return datetime.now(config.ledger_timezone()).date()


def create_app(
    database_url: Optional[str] = None,
    token: Optional[str] = None,
    *,
    today: Optional[Callable[[], date]] = None,
    policy=None,
    clock: Clock = utc_now,
    reminder_test_delay=_FROM_ENV,
    scheduler_settings: Optional[SchedulerSettings] = None,
) -> web.Application:
    """The service application.  ``database_url`` and ``token`` default to the environment
    (``LOAN_DATABASE_URL``, ``LOAN_SERVICE_TOKEN``); ``today`` is the booking clock (tests
    pass a fixed day); ``policy`` defaults to :func:`bot.policy.load_policy`; ``clock`` is the
    current instant (reminders' due times); ``reminder_test_delay`` defaults to
    ``REMINDER_TEST_DELAY_SECONDS`` (refused with ``BOT_ENV=production``); with
    ``scheduler_settings`` the reminder scheduler runs as a background task."""
    token = token or config.service_token()
    if not token:
        raise config.ConfigError(
            "LOAN_SERVICE_TOKEN is not set: the loan service refuses to run without a token. "
            "Set it to a long random string, e.g. `export LOAN_SERVICE_TOKEN=$(openssl rand "
            "-hex 24)`, and give the same value to the bot."
        )
    url = database_url or config.database_url()
    config.backend(url)  # refuse an unsupported URL now, not on the first request
    if reminder_test_delay is _FROM_ENV:
        reminder_test_delay = config.reminder_test_delay()
    if reminder_test_delay is not None:
        log.warning(
            "REMINDER_TEST_DELAY_SECONDS is set: new reminders are due %gs after they "
            "are set (tests and development only)",
            reminder_test_delay,
        )
    app = web.Application(
        middlewares=[error_middleware, auth_middleware],
        client_max_size=validation.MAX_BODY_BYTES,
    )
    app[SETTINGS_KEY] = {
        "token": token,
        "url": url,
        "today": today or _default_today,
        "policy": policy,
        "clock": clock,
        "reminder_test_delay": reminder_test_delay,
        "scheduler": scheduler_settings,
    }
    app.on_startup.append(_open_database)
    app.on_startup.append(_start_scheduler)
    app.on_shutdown.append(_stop_scheduler)
    app.on_cleanup.append(_close_database)
    app.router.add_get("/health", health)
    v1 = f"/{API_VERSION}"
    app.router.add_get(v1 + "/identities/{channel}/{external_id}", resolve_identity)
    app.router.add_get(v1 + "/borrowers/{borrower_id}/loans", loans)
    app.router.add_post(v1 + "/borrowers/{borrower_id}/repayments", create_repayment)
    app.router.add_get(v1 + "/borrowers/{borrower_id}/repayment-preview", repayment_preview)
    app.router.add_post(v1 + "/borrowers/{borrower_id}/relief-requests", create_relief_request)
    app.router.add_get(v1 + "/borrowers/{borrower_id}/relief-requests", list_relief_requests)
    app.router.add_post(v1 + "/borrowers/{borrower_id}/reminders", create_reminder)
    app.router.add_get(v1 + "/borrowers/{borrower_id}/reminders", list_reminders)
    app.router.add_get(v1 + "/borrowers/{borrower_id}/reminders/{reminder_id}", get_reminder)
    app.router.add_get(v1 + "/reminders/{reminder_id}", reminder_delivery)
    app.router.add_delete(v1 + "/borrowers/{borrower_id}/reminders/{reminder_id}", cancel_reminder)
    return app


async def _open_database(app: web.Application) -> None:
    settings = app[SETTINGS_KEY]
    policy = settings["policy"]
    if policy is None:
        from bot.policy import load_policy

        policy = load_policy()
    db = Database(settings["url"])
    app[DB_KEY] = db
    app[STORE_KEY] = LoanStore(
        db, policy, clock=settings["clock"], reminder_test_delay=settings["reminder_test_delay"]
    )


async def _start_scheduler(app: web.Application) -> None:
    settings = app[SETTINGS_KEY]
    if settings["scheduler"] is None:
        log.info("reminder scheduler not started here (RASA_URL / RASA_API_TOKEN not set)")
        return
    scheduler = ReminderScheduler(app[DB_KEY], settings["scheduler"], clock=settings["clock"])
    stop = asyncio.Event()
    app[SCHEDULER_KEY] = scheduler
    app[SCHEDULER_STOP_KEY] = stop
    app[SCHEDULER_TASK_KEY] = asyncio.get_running_loop().create_task(
        scheduler.run(stop), name="reminder-scheduler"
    )


async def _stop_scheduler(app: web.Application) -> None:
    """Let the round in progress finish (a few seconds at most), then cancel."""
    task = app.get(SCHEDULER_TASK_KEY)
    if task is None:
        return
    app[SCHEDULER_STOP_KEY].set()
    try:
        await asyncio.wait_for(asyncio.shield(task), timeout=SCHEDULER_GRACE_S)
    except asyncio.TimeoutError:
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
    except Exception as exc:  # noqa: BLE001 - shutting down regardless
        log.warning("reminder scheduler ended with %s", type(exc).__name__)
    await app[SCHEDULER_KEY].close()
    log.info("reminder scheduler stopped")


async def _close_database(app: web.Application) -> None:
    db = app.get(DB_KEY)
    if db is not None:
        await db.dispose()
