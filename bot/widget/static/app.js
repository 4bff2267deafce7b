/*
 * The page's glue: reads /config.json, lets the visitor log in as a demo borrower (development
 * mode only), and mounts the vendored rasa-webchat widget (embedded, talking to Rasa's socket.io
 * channel).
 *
 * - Who the visitor is travels only as a signed token: on every (re)connection the socket's
 *   auth asks the page server's demo login for a fresh JWT (a lender's page would ask its own
 *   login), and the Rasa channel verifies it. Nothing in customData can name a borrower. Without
 *   a login the visitor is anonymous: FAQ and calculators, no account data.
 * - The widget keeps its session id and the conversation in localStorage ("chat_session"), so
 *   a reload shows the history and continues the same Rasa conversation. Switching the
 *   borrower or pressing 新对话 starts a new conversation.
 * - Custom payloads (the payoff plan) are drawn by PayoffPlan.render with text nodes only.
 */
(function () {
  "use strict";

  var BORROWER_KEY = "huankuan.borrower";
  var SESSION_KEY = "chat_session"; // rasa-webchat's own storage key

  var notice = document.getElementById("hk-notice");
  var select = document.getElementById("hk-borrower");
  var newChat = document.getElementById("hk-new-chat");
  var mount = document.getElementById("hk-chat");

  function say(message) {
    notice.textContent = message;
    notice.hidden = !message;
  }

  function storage() {
    try {
      window.localStorage.setItem("huankuan.probe", "1");
      window.localStorage.removeItem("huankuan.probe");
      return window.localStorage;
    } catch (error) {
      return null;
    }
  }

  function restart(borrower) {
    var store = storage();
    if (store) {
      if (borrower === undefined) borrower = store.getItem(BORROWER_KEY) || "";
      if (borrower) store.setItem(BORROWER_KEY, borrower);
      else store.removeItem(BORROWER_KEY);
      store.removeItem(SESSION_KEY);
    }
    window.location.reload();
  }

  function chosenBorrower(config, store) {
    var saved = store ? store.getItem(BORROWER_KEY) || "" : "";
    var known = config.borrowers.some(function (b) { return b.id === saved; });
    return config.demoLogin && known ? saved : "";
  }

  /* socket.io auth: called on every (re)connection, so an expired token is replaced */
  function demoAuth(borrower) {
    return function (callback) {
      fetch("/demo/login", {
        method: "POST", cache: "no-store",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ borrower: borrower })
      })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (body) { callback({ token: body.token }); })
        .catch(function () {
          say("演示登录失败，现在以未登录身份聊天。");
          callback({});
        });
    };
  }

  function fillSelect(config, current) {
    if (!config.demoLogin) {
      select.hidden = true;
      document.getElementById("hk-borrower-label").hidden = true;
    }
    config.borrowers.forEach(function (borrower) {
      var option = document.createElement("option");
      option.value = borrower.id;
      option.textContent = borrower.label;
      select.appendChild(option);
    });
    select.value = current;
    select.addEventListener("change", function () { restart(select.value); });
    newChat.addEventListener("click", function () { restart(); });
  }

  function customMessage(props) {
    var ref = React.useRef(null);
    var payload = {
      type: props.type, title: props.title, summary: props.summary, note: props.note,
      chosen: props.chosen, monthly_budget: props.monthly_budget, strategies: props.strategies,
      chart: props.chart, table: props.table, text: props.text
    };
    var key = JSON.stringify(payload);
    React.useEffect(function () {
      var node = ref.current;
      if (!node) return;
      while (node.firstChild) node.removeChild(node.firstChild);
      node.appendChild(window.PayoffPlan.render(payload));
    }, [key]);
    return React.createElement("div", { ref: ref, className: "hk-custom" });
  }

  function messageDelay(message) {
    var length = message ? String(message).length : 0;
    return Math.min(900, Math.max(250, length * 8));
  }

  /* quick replies are plain <div>s in the widget: make them reachable and usable by keyboard */
  function makeRepliesKeyboardFriendly(root) {
    var replies = root.querySelectorAll(".rw-reply:not([role])");
    Array.prototype.forEach.call(replies, function (reply) {
      reply.setAttribute("role", "button");
      reply.setAttribute("tabindex", "0");
      reply.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          reply.click();
        }
      });
    });
  }

  /* keep the newest message in view (also after a reload and when a chart is drawn late),
     unless the reader has scrolled up to read older messages */
  function watchMessages() {
    var container = null;
    var nearBottom = true;
    new MutationObserver(function () {
      makeRepliesKeyboardFriendly(mount);
      var current = mount.querySelector(".rw-messages-container");
      if (!current) return;
      if (current !== container) {
        container = current;
        nearBottom = true;
        container.addEventListener("scroll", function () {
          nearBottom = container.scrollHeight - container.scrollTop - container.clientHeight < 80;
        });
      }
      if (nearBottom) container.scrollTop = container.scrollHeight;
    }).observe(mount, { childList: true, subtree: true });
  }

  function start(config) {
    var store = storage();
    if (!store) {
      say("浏览器禁用了本地存储，刷新页面后聊天记录不会保留。");
    }
    var borrower = chosenBorrower(config, store);
    fillSelect(config, borrower);
    if (!config.widgetBuilt || !window.React || !window.ReactDOM || !window.WebChat) {
      say("聊天组件还没有构建：请在项目目录运行 bash bot/widget/build.sh（make run 会自动完成）。");
      return;
    }
    var props = {
      socketUrl: config.socketUrl,
      socketPath: config.socketPath,
      protocolOptions: borrower ? { auth: demoAuth(borrower) } : {},
      customData: { channel: "widget" },
      initPayload: "/greet",
      embedded: true,
      withRules: false,
      title: "还款小助手",
      inputTextFieldHint: "输入你的问题，例如：我这个月要还多少",
      connectingText: "正在连接…",
      hideWhenNotConnected: false,
      showCloseButton: false,
      showFullScreenButton: false,
      showMessageDate: false,
      params: { storage: "local" },
      customComponent: customMessage,
      customMessageDelay: messageDelay,
      onSocketEvent: {
        connect: function () { say(""); },
        connect_error: function () {
          say("暂时连不上聊天服务（" + config.socketUrl + "），正在自动重试…");
        },
        session_expired: function () {
          say("登录已过期，正在重新登录…");
          window.setTimeout(function () { window.location.reload(); }, 1500);
        }
      }
    };
    watchMessages();
    window.ReactDOM.render(window.React.createElement(window.WebChat.default, props), mount);
  }

  fetch("/config.json", { cache: "no-store" })
    .then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    })
    .then(start)
    .catch(function () { say("页面配置读取失败，请刷新重试。"); });
})();
