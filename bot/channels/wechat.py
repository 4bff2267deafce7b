"""WeChat Official Account (公众号) input channel for Rasa 3.6.

Enable it in ``credentials.yml`` under the key ``bot.channels.wechat.WeChatInput``; its webhook
is ``/webhooks/wechat/webhook`` (GET: URL verification, POST: messages).  The protocol work
(signatures, AES "safe mode", XML messages and replies) is wechatpy's; this module decides
what reaches the bot and how the answer gets back:

* every request is authenticated first: a bad ``signature`` (or, in safe mode, a bad
  ``msg_signature``) gets HTTP 403 and nothing reaches the bot;
* a text message (or a recognised voice message, or a menu click) runs the bot once; if it
  answers within ``reply_timeout`` seconds the answer is the passive XML reply, otherwise
  WeChat gets "success" at once and the answer follows through the customer-service API;
* WeChat's re-deliveries of the same message (same ``MsgId``; for events the same sender and
  ``CreateTime``) never run the bot again: they wait for the same result or get it from the
  cache (:mod:`bot.channels.dedupe`) -- across every Rasa replica when Redis is configured
  (:mod:`bot.channels.shared_state`: replies, numbered options and the API's access token);
* other messages (images, voice without recognition, video, location, …) and the subscribe
  event get a short Chinese text straight from the channel.

The conversation's sender id is the user's openid, and every ``UserMessage`` carries the
signed identity ``channel="wechat", subject=openid`` (:mod:`bot.channels.identity`), which the
actions resolve to a
borrower through the loan ledger's channel identities.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text, Tuple

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.events import BaseEvent, ClickEvent, SubscribeEvent, SubscribeScanEvent
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.messages import BaseMessage, TextMessage, VoiceMessage
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

from bot import rasa_runtime
from bot.channels import shared_state
from bot.channels.identity import VerifiedIdentity, stamp
from bot.channels.user_text import TOO_LONG_ZH, too_long
from bot.channels.wechat_config import (  # noqa: F401 - the settings are part of this module's API
    DEDUPE_MAX_ENTRIES,
    DEDUPE_TTL,
    DEFAULT_REPLY_TIMEOUT,
    ENV_VARS,
    MAX_API_MESSAGES,
    MAX_BODY_BYTES,
    MAX_REPLY_TIMEOUT,
    MAX_TIMESTAMP_SKEW,
    OPTION_MAX_USERS,
    OPTION_TTL,
    SECRET_KEYS,
    WeChatConfigError,
    WeChatSettings,
    resolve_credentials,
)
from bot.channels.wechat_cs_api import DEFAULT_API_BASE_URL, CustomerServiceClient, WeChatApiError
from bot.channels.wechat_render import BotTurn, ReplyOption, TextRenderer, choose_option

logger = logging.getLogger(__name__)

CHANNEL_NAME = "wechat"

WELCOME_TEXT = (
    "你好，欢迎关注！我是还款小助手，可以帮你：\n"
    "· 查自己的借款：还欠多少、这期还多少、哪天到期\n"
    "· 算清逾期的代价：罚息、征信、催收和起诉风险\n"
    "· 定还款计划和每月预算，识别“征信修复”“代还”等骗局\n"
    "直接打字问我就行，比如“我这个月要还多少”。"
)
UNSUPPORTED_TEXT = (
    "抱歉，我暂时只能看懂文字消息。请直接打字告诉我你的问题，比如“逾期一天有什么影响”。"
)
VOICE_UNRECOGNISED_TEXT = "抱歉，这条语音没能识别成文字。请直接打字告诉我你的问题。"
EMPTY_TEXT = "没有看到文字内容，请直接输入你的问题。"
#: a message the bot could not process (the tracker store or the bot itself failed): the same
#: answer as the other channels give, so the user knows to send it again
FAILURE_TEXT = rasa_runtime.STORE_DOWN_ZH


class _WeChatTextOutput(OutputChannel):
    """Output channel rendering every bot response to WeChat text (buttons as numbers)."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    def _renderer(self) -> TextRenderer:
        raise NotImplementedError

    async def _flush(self, recipient_id: Text, renderer: TextRenderer) -> None:
        raise NotImplementedError

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        renderer = self._renderer()
        render_response(renderer, message)
        await self._flush(recipient_id, renderer)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        renderer = self._renderer()
        renderer.text(text)
        await self._flush(recipient_id, renderer)

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        renderer = self._renderer()
        renderer.text_with_buttons(text, buttons)
        await self._flush(recipient_id, renderer)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        renderer = self._renderer()
        renderer.image(image)
        await self._flush(recipient_id, renderer)

    async def send_attachment(self, recipient_id: Text, attachment: Any, **kwargs: Any) -> None:
        renderer = self._renderer()
        renderer.attachment(attachment)
        await self._flush(recipient_id, renderer)

    async def send_custom_json(
        self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any
    ) -> None:
        renderer = self._renderer()
        renderer.custom(json_message)
        await self._flush(recipient_id, renderer)


def render_response(renderer: TextRenderer, message: Dict[Text, Any]) -> None:
    """One Rasa response dict (text, buttons, quick_replies, image, attachment, custom,
    elements) into ``renderer``, in the order Rasa's own ``OutputChannel`` sends them."""
    text = message.get("text")
    if message.get("quick_replies"):
        renderer.text_with_buttons(text, message["quick_replies"])
    elif message.get("buttons"):
        renderer.text_with_buttons(text, message["buttons"])
    elif text:
        renderer.text(text)
    if message.get("custom"):
        renderer.custom(message["custom"])
    if message.get("image"):
        renderer.image(message["image"])
    if message.get("attachment"):
        renderer.attachment(message["attachment"])
    for element in message.get("elements") or ():
        if isinstance(element, dict):
            title = element.get("title") or ""
            subtitle = element.get("subtitle") or ""
            heading = f"{title}：{subtitle}" if title and subtitle else (title or subtitle)
            renderer.text_with_buttons(heading, element.get("buttons") or [])


class WeChatCustomerServiceOutput(_WeChatTextOutput):
    """Sends each bot response at once through the customer-service API.

    Used for answers that come after the passive window, for responses sent after the turn
    (e.g. reminders), and by Rasa's ``output_channel=wechat`` endpoints."""

    def __init__(self, deliver: Callable[[Text, BotTurn], Awaitable[None]]) -> None:
        self._deliver = deliver

    def _renderer(self) -> TextRenderer:
        return TextRenderer()

    async def _flush(self, recipient_id: Text, renderer: TextRenderer) -> None:
        turn = renderer.turn()
        if turn.texts:
            await self._deliver(recipient_id, turn)


class WeChatReplyCollector(_WeChatTextOutput):
    """Collects the bot's answer to one message; :meth:`seal` ends the turn, after which
    further responses (a reminder firing later, say) go to ``deliver_late`` at once."""

    def __init__(self, deliver_late: Callable[[Text, BotTurn], Awaitable[None]]) -> None:
        self._turn = TextRenderer()
        self._deliver_late = deliver_late
        self._sealed = False

    def _renderer(self) -> TextRenderer:
        return TextRenderer() if self._sealed else self._turn

    async def _flush(self, recipient_id: Text, renderer: TextRenderer) -> None:
        if renderer is not self._turn:
            turn = renderer.turn()
            if turn.texts:
                await self._deliver_late(recipient_id, turn)

    def seal(self) -> BotTurn:
        self._sealed = True
        return self._turn.turn()


async def _stored_turn(tracker_store: Any, openid: str, message_id: str) -> Optional[BotTurn]:
    """What the bot answered to the user message ``message_id``, if the conversation holds it."""
    from rasa.shared.core.events import BotUttered, UserUttered

    try:
        tracker = await tracker_store.retrieve(openid)
    except Exception as error:  # noqa: BLE001 - then the message is run as usual
        logger.error("wechat: could not read the conversation back (%s)", type(error).__name__)
        return None
    if tracker is None:
        return None
    found, texts = False, []
    for event in tracker.events:
        if isinstance(event, UserUttered):
            if found:
                break
            found = event.message_id == message_id
        elif found and isinstance(event, BotUttered) and event.text:
            texts.append(event.text)
    return BotTurn(tuple(texts)) if found else None


def _refuse_dtd(xml: str) -> None:
    """WeChat never sends a DTD; entities are how XML bombs and external-entity reads work."""
    head = xml.upper()
    if "<!DOCTYPE" in head or "<!ENTITY" in head:
        raise _Reject(400, "bad request: DTD not allowed", "message XML with a DTD")


class _Reject(Exception):
    """A request refused before anything reaches the bot."""

    def __init__(self, status: int, body: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.body = body
        self.reason = reason


@dataclass(frozen=True)
class _Envelope:
    """What an authenticated POST carried."""

    xml: str
    timestamp: str
    nonce: str
    safe_mode: bool


class WeChatInput(InputChannel):
    """Rasa input channel for a WeChat Official Account (see the module docstring)."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        """The channel from its ``credentials.yml`` section and the environment.

        With none of token, app id, app secret or AES key given anywhere, the channel is
        :class:`UnconfiguredWeChatInput` (its webhook answers 503), so that listing it in
        ``credentials.yml`` does not stop Rasa where WeChat is not set up.  Given partly or
        wrongly, it raises :class:`WeChatConfigError`, which stops Rasa with the reason."""
        if not any(key in resolve_credentials(credentials) for key in SECRET_KEYS):
            logger.warning(
                "WeChat channel: not configured (set WECHAT_TOKEN, WECHAT_APP_ID and "
                "WECHAT_APP_SECRET); /webhooks/wechat/webhook answers 503 until then"
            )
            return UnconfiguredWeChatInput()
        settings = WeChatSettings.from_credentials(credentials)
        return cls(**dataclasses.asdict(settings))

    def __init__(
        self,
        token: Text,
        app_id: Text,
        app_secret: Text,
        encoding_aes_key: Optional[Text] = None,
        api_base_url: Text = DEFAULT_API_BASE_URL,
        reply_timeout: float = DEFAULT_REPLY_TIMEOUT,
        *,
        dedupe_ttl: float = DEDUPE_TTL,
        dedupe_max_entries: int = DEDUPE_MAX_ENTRIES,
        state: Optional[shared_state.WeChatState] = None,
    ) -> None:
        """``state``: where the replies, numbered options and access token live; by default
        Redis when the environment configures it (``REDIS_URL`` / ``REDIS_HOST``), else the
        process (:mod:`bot.channels.shared_state`)."""
        self.settings = WeChatSettings(
            token=token,
            app_id=app_id,
            app_secret=app_secret,
            encoding_aes_key=encoding_aes_key or None,
            api_base_url=(api_base_url or DEFAULT_API_BASE_URL).rstrip("/"),
            reply_timeout=reply_timeout,
        )
        self.reply_timeout = float(self.settings.reply_timeout)
        self.crypto: Optional[WeChatCrypto] = (
            WeChatCrypto(token, encoding_aes_key, app_id) if encoding_aes_key else None
        )
        if state is None:
            redis = shared_state.redis_settings()
            state = (
                shared_state.redis_wechat_state(redis, app_id, dedupe_ttl, OPTION_TTL)
                if redis
                else shared_state.local_wechat_state(
                    dedupe_ttl, dedupe_max_entries, OPTION_TTL, OPTION_MAX_USERS
                )
            )
            if redis:
                logger.info(
                    "wechat: replies, options and the access token are shared through Redis"
                )
        self.state = state
        self.api = CustomerServiceClient(
            app_id, app_secret, self.settings.api_base_url, token_cache=state.tokens
        )
        self._tasks: Set[asyncio.Task] = set()

    @property
    def pending(self) -> Any:
        """The in-process replies (:class:`bot.channels.dedupe.TTLCache` of ``PendingReply``);
        only with the in-process state."""
        return self.state.replies.pending

    @property
    def safe_mode(self) -> bool:
        return self.crypto is not None

    # -- Rasa InputChannel API ------------------------------------------------------------

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        """The signed identity of the message's sender (:mod:`bot.channels.identity`): the OpenID
        of the message whose signature was checked, never the URL's ``openid`` parameter."""
        openid = getattr(request.ctx, "wechat_openid", None)
        if not openid:
            return None
        return stamp({}, VerifiedIdentity(CHANNEL_NAME, openid, openid))

    def get_output_channel(self) -> OutputChannel:
        return WeChatCustomerServiceOutput(self.deliver_via_api)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        rasa_runtime.install()
        wechat_webhook = Blueprint("wechat_webhook")

        @wechat_webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @wechat_webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            return self._verify_url(request)

        @wechat_webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self._receive(request, on_new_message)

        @wechat_webhook.listener("after_server_stop")
        async def close_api_session(app: Any, loop: Any) -> None:
            await self.close()

        return wechat_webhook

    async def wait_idle(self, timeout: Optional[float] = None) -> bool:
        """Wait until no bot turn or API delivery of this channel is running (tasks started
        meanwhile included); ``False`` if ``timeout`` seconds passed first."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            running = [task for task in self._tasks if not task.done()]
            if not running:
                return True
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                return False
            await asyncio.wait(running, timeout=remaining)

    async def close(self) -> None:
        """Let running deliveries finish (briefly), then close the HTTP session."""
        if not await self.wait_idle(timeout=5):
            logger.warning("wechat: %d deliveries still running at shutdown", len(self._tasks))
        await self.api.close()
        await self.state.close()

    # -- URL verification -----------------------------------------------------------------

    def _verify_url(self, request: Request) -> HTTPResponse:
        args = request.args
        signature, timestamp, nonce = (
            args.get("signature"),
            args.get("timestamp"),
            args.get("nonce"),
        )
        echostr = args.get("echostr")
        if not (signature and timestamp and nonce and echostr):
            logger.warning("wechat: URL verification without signature/timestamp/nonce/echostr")
            return response.text("forbidden", status=403)
        try:
            check_signature(self.settings.token, signature, timestamp, nonce)
        except InvalidSignatureException:
            logger.warning("wechat: URL verification with a bad signature from %s", request.ip)
            return response.text("forbidden", status=403)
        return response.text(echostr)

    # -- messages -------------------------------------------------------------------------

    async def _receive(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        message: Optional[BaseMessage] = None
        envelope: Optional[_Envelope] = None
        try:
            envelope = self._open_envelope(request)
            message = self._parse(envelope)
            request.ctx.wechat_openid = message.source
            return await self._answer(request, envelope, message, on_new_message)
        except _Reject as reject:
            logger.warning(
                "wechat: %s -> HTTP %s (from %s)", reject.reason, reject.status, request.ip
            )
            return response.text(reject.body, status=reject.status)
        except Exception:
            logger.exception("wechat: unexpected error while handling a message")
            if message is not None and envelope is not None:
                try:
                    return self._passive_reply(envelope, message, FAILURE_TEXT)
                except Exception:
                    logger.exception("wechat: could not even render the apology")
            return response.text("success")

    def _open_envelope(self, request: Request) -> _Envelope:
        """Authenticate the request and return the message XML, decrypted in safe mode."""
        args = request.args
        timestamp, nonce = args.get("timestamp"), args.get("nonce")
        signature = args.get("signature")
        safe_mode = (args.get("encrypt_type") or "").lower() == "aes"
        if not timestamp or not nonce:
            raise _Reject(403, "forbidden", "message without timestamp/nonce")
        # a captured signature (it covers token, timestamp and nonce, not the plaintext body)
        # cannot be replayed later with another body and another sender
        try:
            skew = abs(time.time() - int(timestamp))
        except ValueError:
            raise _Reject(403, "forbidden", "message with a malformed timestamp") from None
        if skew > MAX_TIMESTAMP_SKEW:
            raise _Reject(403, "forbidden", "message with a stale timestamp")
        # The token signature is checked whenever it is sent, and is required unless the body
        # is an encrypted one whose msg_signature will be checked instead.
        if signature is not None or not safe_mode or self.crypto is None:
            try:
                check_signature(self.settings.token, signature or "", timestamp, nonce)
            except InvalidSignatureException:
                raise _Reject(403, "forbidden", "message with a bad signature") from None

        body = request.body or b""
        if len(body) > MAX_BODY_BYTES:
            raise _Reject(413, "payload too large", f"message body of {len(body)} bytes")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise _Reject(
                400, "bad request: body is not UTF-8", "message body is not UTF-8"
            ) from None
        if not text.strip():
            raise _Reject(400, "bad request: empty body", "empty message body")
        _refuse_dtd(text)

        if not safe_mode:
            if self.crypto is not None:
                raise _Reject(
                    403,
                    "forbidden",
                    "plaintext message refused: WECHAT_ENCODING_AES_KEY is set, so the 公众号 "
                    "must use 安全模式 or 兼容模式",
                )
            return _Envelope(text, timestamp, nonce, safe_mode=False)
        if self.crypto is None:
            # 兼容模式 also carries the plaintext fields; 安全模式 does not (see _parse).
            return _Envelope(text, timestamp, nonce, safe_mode=True)

        msg_signature = args.get("msg_signature")
        if not msg_signature:
            raise _Reject(403, "forbidden", "safe-mode message without msg_signature")
        try:
            xml = self.crypto.decrypt_message(text, msg_signature, timestamp, nonce)
        except InvalidSignatureException:
            raise _Reject(403, "forbidden", "safe-mode message with a bad msg_signature") from None
        except InvalidAppIdException:
            raise _Reject(403, "forbidden", "safe-mode message for another app id") from None
        except Exception as error:
            raise _Reject(
                400,
                "bad request: cannot decrypt",
                f"undecryptable safe-mode message ({type(error).__name__})",
            ) from None
        return _Envelope(xml, timestamp, nonce, safe_mode=True)

    def _parse(self, envelope: _Envelope) -> BaseMessage:
        _refuse_dtd(envelope.xml)
        try:
            message = parse_message(envelope.xml)
            openid = message.source
            message_type = message.type
        except Exception as error:
            if envelope.safe_mode and self.crypto is None:
                raise _Reject(
                    503,
                    "safe mode is not configured",
                    "encrypted message but no WECHAT_ENCODING_AES_KEY configured",
                ) from None
            raise _Reject(
                400, "bad request: malformed message XML", f"malformed XML ({type(error).__name__})"
            ) from None
        if not isinstance(openid, str) or not openid.strip() or not isinstance(message_type, str):
            raise _Reject(
                400, "bad request: message without FromUserName", "message without sender"
            )
        if not isinstance(message.target, str) or not message.target.strip():
            raise _Reject(
                400, "bad request: message without ToUserName", "message without recipient"
            )
        return message

    async def _answer(
        self,
        request: Request,
        envelope: _Envelope,
        message: BaseMessage,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> HTTPResponse:
        if isinstance(message, TextMessage):
            text = message.content or ""
            if not text.strip():
                return self._passive_reply(envelope, message, EMPTY_TEXT)
            if too_long(text):
                return self._passive_reply(envelope, message, TOO_LONG_ZH)
        elif isinstance(message, VoiceMessage):
            text = (message.recognition or "").strip()
            if not text:
                return self._passive_reply(envelope, message, VOICE_UNRECOGNISED_TEXT)
        elif isinstance(message, (SubscribeEvent, SubscribeScanEvent)):
            return self._passive_reply(envelope, message, WELCOME_TEXT)
        elif isinstance(message, ClickEvent):
            text = (message.key or "").strip()
            if not text:
                return response.text("success")
        elif isinstance(message, BaseEvent) or message.type == "event":
            # unsubscribe, menu links, location reports, template receipts …: nothing to say.
            return response.text("success")
        else:
            return self._passive_reply(envelope, message, UNSUPPORTED_TEXT)

        openid = message.source
        key = self._dedupe_key(message)
        metadata = self.get_metadata(request)
        message_id = self._message_id(message)
        tracker_store = getattr(getattr(request.app.ctx, "agent", None), "tracker_store", None)
        run = functools.partial(
            self._run_bot, on_new_message, openid, text, message_id, metadata, tracker_store
        )
        turn, passive_claims = await self.state.replies.deliver(
            key,
            run,
            functools.partial(self._deliver_late_turn, openid),
            self.reply_timeout,
            self._spawn,
        )
        if turn is None:
            return response.text("success")
        parts = turn.parts()
        if not parts:
            return response.text("success")
        if len(parts) > 1 and passive_claims == 1:
            self._spawn(self._send_parts(openid, parts[1:MAX_API_MESSAGES]))
        return self._passive_reply(envelope, message, parts[0])

    async def _run_bot(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        openid: str,
        text: str,
        message_id: Optional[str],
        metadata: Optional[Dict[Text, Any]],
        tracker_store: Any = None,
        resumed: bool = False,
    ) -> BotTurn:
        """Run the bot once for a message; the turn it answered (with the apology if it failed).

        ``resumed``: another replica claimed the message and died before answering. If it died
        after Rasa saved the turn, the conversation already holds the message (by its MsgId)
        and the answer: that answer is sent, and the message is not run a second time."""
        if resumed and message_id and tracker_store is not None:
            stored = await _stored_turn(tracker_store, openid, message_id)
            if stored is not None:
                logger.warning("wechat: a message taken over was already answered; replaying it")
                return stored
        collector = WeChatReplyCollector(self.deliver_via_api)
        failed = False
        try:
            choice = choose_option(text, await self.state.options.get(openid))
            if choice is not None:
                text = choice.payload
            await on_new_message(
                UserMessage(
                    text,
                    collector,
                    openid,
                    input_channel=self.name(),
                    message_id=message_id,
                    metadata=metadata,
                )
            )
        except Exception as error:  # noqa: BLE001 - the user gets the apology
            logger.error("wechat: the bot failed on a message (%s)", type(error).__name__)
            failed = True
        turn = collector.seal()
        if failed:
            turn = BotTurn(turn.texts + (FAILURE_TEXT,), turn.options)
        try:
            await self._remember_options(openid, turn.options)
        except Exception as error:  # noqa: BLE001 - the reply still goes out
            logger.error(
                "wechat: could not remember the numbered options (%s)", type(error).__name__
            )
        return turn

    def _passive_reply(
        self, envelope: _Envelope, message: BaseMessage, content: str
    ) -> HTTPResponse:
        xml = TextReply(message=message, content=_cdata_safe(content)).render()
        if self.crypto is not None:
            xml = self.crypto.encrypt_message(xml, envelope.nonce, envelope.timestamp)
        return response.text(xml, content_type="application/xml; charset=utf-8")

    # -- customer-service API delivery ----------------------------------------------------

    async def deliver_via_api(self, openid: str, turn: BotTurn) -> None:
        """Send a bot turn as customer-service message(s); failures are logged, not raised."""
        if turn.options:
            try:
                await self._remember_options(openid, turn.options)
            except Exception as error:  # noqa: BLE001 - the message still goes out
                logger.error(
                    "wechat: could not remember the numbered options (%s)", type(error).__name__
                )
        await self._send_parts(openid, turn.parts())

    def _deliver_late_turn(self, openid: str, turn: BotTurn) -> None:
        """The bot's answer missed every passive window: send it through the API."""
        parts = turn.parts()
        if parts:
            self._spawn(self._send_parts(openid, parts))

    async def _send_parts(self, openid: str, parts: List[str]) -> None:
        if len(parts) > MAX_API_MESSAGES:
            logger.warning(
                "wechat: answer has %d parts, WeChat allows %d customer-service messages; "
                "sending the first ones",
                len(parts),
                MAX_API_MESSAGES,
            )
            parts = parts[:MAX_API_MESSAGES]
        for part in parts:
            try:
                await self.api.send_text(openid, part)
            except WeChatApiError as error:
                hint = (
                    " (more than 48 h since the user's last message?)"
                    if error.errcode == 45015
                    else ""
                )
                logger.error("wechat: customer-service message not sent: %s%s", error, hint)
                return
            except Exception as error:  # aiohttp.ClientError, asyncio.TimeoutError, …
                logger.error(
                    "wechat: customer-service message not sent: %s: %s", type(error).__name__, error
                )
                return

    # -- helpers --------------------------------------------------------------------------

    async def _remember_options(self, openid: str, options: Tuple[ReplyOption, ...]) -> None:
        await self.state.options.remember(openid, options)

    def _spawn(self, coroutine: Awaitable[Any]) -> asyncio.Task:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("wechat: background task failed", exc_info=task.exception())

    # wechatpy keeps the parsed XML fields in ``_data``; the raw strings are read from there
    # because its typed fields raise on malformed numbers.

    @staticmethod
    def _dedupe_key(message: BaseMessage) -> str:
        msg_id = WeChatInput._message_id(message)
        if msg_id:
            return f"msg:{message.source}:{msg_id}"
        event = getattr(message, "event", "") or ""
        return f"evt:{message.source}:{message._data.get('CreateTime', '')}:{event}"

    @staticmethod
    def _message_id(message: BaseMessage) -> Optional[str]:
        raw = message._data.get("MsgId")
        if raw is None or not str(raw).strip() or str(raw).strip() == "0":
            return None
        return str(raw).strip()


class UnconfiguredWeChatInput(InputChannel):
    """Stand-in for :class:`WeChatInput` when no WeChat settings are given at all: the
    webhook exists but answers 503, and nothing reaches the bot."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        wechat_webhook = Blueprint("wechat_webhook")

        @wechat_webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "not configured"}, status=503)

        @wechat_webhook.route("/webhook", methods=["GET", "POST"])
        async def webhook(request: Request) -> HTTPResponse:
            logger.warning(
                "wechat: request to the webhook, but the channel is not configured "
                "(WECHAT_TOKEN, WECHAT_APP_ID, WECHAT_APP_SECRET)"
            )
            return response.text("wechat channel not configured", status=503)

        return wechat_webhook


def _cdata_safe(text: str) -> str:
    """``text`` that cannot end the CDATA section wechatpy wraps it in."""
    return text.replace("]]>", "]]]]><![CDATA[>")
