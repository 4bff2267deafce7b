/*
 * Renders the bot's custom payloads (Rasa `json_message`) as DOM nodes.
 *
 *   PayoffPlan.render(payload) -> HTMLElement
 *
 * A payoff plan, {"type": "payoff_plan", "title"?, "summary"?, "strategies"?,
 *                 "chart": {"labels": [...], "series": [{"name", "data": [...]}]},
 *                 "table": {"columns": [...], "rows": [[...], ...]}},
 * becomes a line chart (inline SVG) and a table. Every string from the payload goes into the
 * page as a text node or an attribute value, never as markup, so a payload can carry
 * "<script>" or "<img onerror>" and it is shown as those characters. Sizes are capped so a
 * huge payload cannot freeze the page.
 */
(function (global) {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var COLORS = ["#1a73e8", "#e8710a", "#188038", "#d93025", "#9334e6", "#007b83", "#b06000", "#5f6368"];
  var MAX_SERIES = COLORS.length;
  var MAX_POINTS = 600;
  var MAX_ROWS = 240;
  var MAX_COLUMNS = 12;
  var MAX_TEXT = 400;

  function text(value) {
    if (value === null || value === undefined) return "";
    var s = typeof value === "object" ? JSON.stringify(value) : String(value);
    return s.length > MAX_TEXT ? s.slice(0, MAX_TEXT) + "…" : s;
  }

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined) node.appendChild(document.createTextNode(text(content)));
    return node;
  }

  function svg(tag, attributes, content) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, String(attributes[name]));
    });
    if (content !== undefined) node.appendChild(document.createTextNode(text(content)));
    return node;
  }

  /* "12,345.67", "¥1,000", 1234.5 -> a number; anything else -> null */
  function toNumber(value) {
    if (typeof value === "number") return isFinite(value) ? value : null;
    if (typeof value !== "string") return null;
    var cleaned = value.replace(/[,，\s¥￥元]/g, "");
    if (!/^-?\d+(\.\d+)?$/.test(cleaned)) return null;
    return parseFloat(cleaned);
  }

  /* "1234.50" -> "1,234.50" (string work only, so the fen stays exact); other text unchanged */
  function money(value) {
    var s = text(value);
    var match = /^(-?)(\d+)(\.\d+)?$/.exec(s);
    if (!match) return s;
    return match[1] + match[2].replace(/\B(?=(\d{3})+(?!\d))/g, ",") + (match[3] || "");
  }

  function monthsText(months) {
    var n = Number(months);
    if (!isFinite(n) || n < 0) return "";
    var years = Math.floor(n / 12), rest = n % 12;
    if (years && rest) return years + "年" + rest + "个月";
    return years ? years + "年" : n + "个月";
  }

  function niceStep(range, ticks) {
    var raw = range / ticks;
    var magnitude = Math.pow(10, Math.floor(Math.log(raw) / Math.LN10));
    var residual = raw / magnitude;
    var nice = residual > 5 ? 10 : residual > 2 ? 5 : residual > 1 ? 2 : 1;
    return nice * magnitude;
  }

  function axisLabel(value) {
    if (Math.abs(value) >= 10000) {
      var wan = value / 10000;
      return (Math.round(wan * 10) / 10).toString() + "万";
    }
    return Math.round(value).toLocaleString("zh-CN");
  }

  function isNumericCell(value) {
    return toNumber(value) !== null || /^-?[¥￥]?[\d,，]+(\.\d+)?\s*(元|%|天|个月)?$/.test(text(value));
  }

  function renderChart(chart, highlight) {
    var labels = Array.isArray(chart.labels) ? chart.labels.slice(0, MAX_POINTS) : [];
    var series = (Array.isArray(chart.series) ? chart.series : [])
      .filter(function (s) { return s && Array.isArray(s.data); })
      .slice(0, MAX_SERIES)
      .map(function (s) {
        var raw = s.data.slice(0, MAX_POINTS);
        return { name: text(s.name), raw: raw, data: raw.map(toNumber) };
      });
    var highlighted = highlight ? series.filter(function (s) { return s.name === highlight; }).length === 1 : false;
    series.forEach(function (s, index) {
      s.color = COLORS[index % COLORS.length];
      s.dashed = highlighted && s.name !== highlight;
    });
    var points = labels.length || Math.max.apply(null, [0].concat(series.map(function (s) { return s.data.length; })));
    var values = [];
    series.forEach(function (s) { s.data.forEach(function (v) { if (v !== null) values.push(v); }); });
    if (!series.length || !values.length || !points) return null;

    var W = 340, H = 200, left = 46, right = 24, top = 12, bottom = 30;
    var plotW = W - left - right, plotH = H - top - bottom;
    var min = Math.min(0, Math.min.apply(null, values));
    var max = Math.max.apply(null, values);
    if (max === min) max = min + 1;
    var step = niceStep(max - min, 4);
    var yMin = Math.floor(min / step) * step, yMax = Math.ceil(max / step) * step;
    function x(i) { return left + (points === 1 ? plotW / 2 : (plotW * i) / (points - 1)); }
    function y(v) { return top + plotH - ((v - yMin) / (yMax - yMin)) * plotH; }

    var names = series.map(function (s) { return s.name; }).filter(Boolean).join("、");
    var root = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", class: "hk-chart-svg",
                            "aria-label": "还款计划图" + (names ? "：" + names : "") });
    root.appendChild(svg("title", {}, "还款计划图" + (names ? "：" + names : "")));

    for (var t = yMin; t <= yMax + step / 2; t += step) {
      root.appendChild(svg("line", { x1: left, x2: W - right, y1: y(t), y2: y(t), class: "hk-grid" }));
      root.appendChild(svg("text", { x: left - 6, y: y(t) + 4, "text-anchor": "end", class: "hk-axis" }, axisLabel(t)));
    }
    // x labels: as many as fit without overlapping, always the first and the last
    var longest = 1;
    for (var k = 0; k < points; k += 1) {
      longest = Math.max(longest, text(labels[k] !== undefined ? labels[k] : k + 1).length);
    }
    var fit = Math.max(2, Math.floor(plotW / (longest * 6 + 14)) + 1);
    var every = Math.max(1, Math.ceil((points - 1) / (fit - 1)));
    for (var i = 0; i < points; i += 1) {
      var last = i === points - 1;
      if (i % every !== 0 && !last) continue;
      if (!last && i !== 0 && points - 1 - i < every * 0.75) continue;
      root.appendChild(svg("text", { x: x(i), y: H - 10, "text-anchor": "middle", class: "hk-axis" },
                           labels[i] !== undefined ? labels[i] : i + 1));
    }
    // the chosen strategy's line is solid and drawn last (on top); the others are dashed
    series.map(function (s, index) { return [s, index]; })
      .sort(function (a, b) { return (a[0].dashed ? 0 : 1) - (b[0].dashed ? 0 : 1) || a[1] - b[1]; })
      .forEach(function (pair) {
        var s = pair[0], index = pair[1];
        var d = "", pen = false;
        s.data.forEach(function (v, i) {
          if (v === null || i >= points) { pen = false; return; }
          d += (pen ? " L" : " M") + x(i).toFixed(1) + " " + y(v).toFixed(1);
          pen = true;
        });
        var group = svg("g", { class: "hk-series", "data-series": index });
        var line = { d: d.trim() || "M0 0", fill: "none", stroke: s.color, "stroke-width": s.dashed ? 2 : 2.5,
                     "stroke-linejoin": "round", "stroke-linecap": "round" };
        if (s.dashed) line["stroke-dasharray"] = "6 4";
        group.appendChild(svg("path", line));
        if (points <= 36) {
          s.data.forEach(function (v, i) {
            if (v === null || i >= points) return;
            var dot = svg("circle", { cx: x(i).toFixed(1), cy: y(v).toFixed(1), r: s.dashed ? 2 : 3, fill: s.color });
            dot.appendChild(svg("title", {}, (s.name ? s.name + " " : "") +
              text(labels[i] !== undefined ? labels[i] : i + 1) + "：" + money(s.raw[i])));
            group.appendChild(dot);
          });
        }
        root.appendChild(group);
      });

    var figure = el("div", "hk-chart");
    if (chart.title) {
      figure.appendChild(el("div", "hk-chart-title", text(chart.title) + (chart.unit ? "（" + text(chart.unit) + "）" : "")));
    }
    figure.appendChild(root);
    var legend = el("ul", "hk-legend");
    series.forEach(function (s, index) {
      var item = el("li");
      var swatch = el("span", s.dashed ? "hk-swatch hk-dashed" : "hk-swatch");
      swatch.style.borderTopColor = s.color;
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(s.name || "系列" + (index + 1)));
      legend.appendChild(item);
    });
    figure.appendChild(legend);
    return figure;
  }

  function renderTable(table) {
    var columns = (Array.isArray(table.columns) ? table.columns : []).slice(0, MAX_COLUMNS);
    var rows = (Array.isArray(table.rows) ? table.rows : []).filter(Array.isArray);
    if (!columns.length && !rows.length) return null;
    var wrapper = el("div", "hk-table-scroll");
    wrapper.setAttribute("role", "region");
    wrapper.setAttribute("tabindex", "0");
    wrapper.setAttribute("aria-label", text(table.title || "还款计划表"));
    var node = el("table", "hk-table");
    if (table.title) node.appendChild(el("caption", "", table.title));
    if (columns.length) {
      var head = el("thead"), tr = el("tr");
      columns.forEach(function (c) { var th = el("th", "", c); th.setAttribute("scope", "col"); tr.appendChild(th); });
      head.appendChild(tr);
      node.appendChild(head);
    }
    var width = columns.length || Math.max.apply(null, rows.map(function (r) { return r.length; }));
    var body = el("tbody");
    rows.slice(0, MAX_ROWS).forEach(function (row) {
      var tr = el("tr");
      for (var i = 0; i < Math.min(width, MAX_COLUMNS); i += 1) {
        var value = row[i];
        var numeric = i > 0 && isNumericCell(value);
        var cell = el(i === 0 ? "th" : "td", numeric ? "num" : "", numeric ? money(value) : value);
        if (i === 0) cell.setAttribute("scope", "row");
        tr.appendChild(cell);
      }
      body.appendChild(tr);
    });
    node.appendChild(body);
    wrapper.appendChild(node);
    if (rows.length > MAX_ROWS) {
      wrapper.appendChild(el("p", "hk-more", "……共 " + rows.length + " 行，只显示前 " + MAX_ROWS + " 行"));
    }
    return wrapper;
  }

  function renderSummary(summary) {
    var items = Array.isArray(summary) ? summary : summary ? [summary] : [];
    if (!items.length) return null;
    var list = el("ul", "hk-summary");
    items.slice(0, 12).forEach(function (line) { list.appendChild(el("li", "", line)); });
    return list;
  }

  /* {"avalanche": {"name", "feasible", "months", "total_interest"}, ...} -> one line each */
  function renderStrategies(strategies, chosen) {
    if (!strategies || typeof strategies !== "object" || Array.isArray(strategies)) return null;
    var keys = Object.keys(strategies).slice(0, MAX_SERIES);
    if (!keys.length) return null;
    var list = el("ul", "hk-strategies");
    keys.forEach(function (key) {
      var info = strategies[key];
      if (!info || typeof info !== "object") return;
      var item = el("li", key === chosen ? "hk-chosen" : "");
      item.setAttribute("data-strategy", key);
      item.appendChild(el("strong", "", info.name || key));
      var facts = [];
      if (info.feasible === false) {
        facts.push("这个预算还不清");
      } else {
        if (info.months !== undefined && info.months !== null) facts.push(monthsText(info.months) + "还清");
        if (info.total_interest !== undefined && info.total_interest !== null) {
          facts.push("总利息 " + money(info.total_interest) + " 元");
        }
      }
      item.appendChild(el("span", "hk-facts", facts.join(" · ")));
      if (key === chosen) item.appendChild(el("span", "hk-badge", "已选"));
      list.appendChild(item);
    });
    return list.childNodes.length ? list : null;
  }

  function renderPayoffPlan(payload) {
    var root = el("figure", "hk-card hk-payoff-plan");
    root.setAttribute("data-testid", "payoff-plan");
    var title = payload.title || (payload.monthly_budget ? "每月还 " + money(payload.monthly_budget) + " 元的还款计划" : "还款计划");
    root.appendChild(el("figcaption", "hk-card-title", title));
    var summary = renderSummary(payload.summary) || renderStrategies(payload.strategies, payload.chosen);
    if (summary) root.appendChild(summary);
    var chosen = payload.strategies && payload.chosen && payload.strategies[payload.chosen];
    var highlight = chosen && typeof chosen === "object" ? text(chosen.name) : "";
    var chart = payload.chart && typeof payload.chart === "object" ? renderChart(payload.chart, highlight) : null;
    if (chart) root.appendChild(chart);
    var table = payload.table && typeof payload.table === "object" ? renderTable(payload.table) : null;
    if (table) root.appendChild(table);
    if (!chart && !table && !summary) root.appendChild(el("p", "", "这份计划没有可显示的内容。"));
    if (payload.note) root.appendChild(el("p", "hk-note", payload.note));
    return root;
  }

  function renderUnknown(payload) {
    var root = el("div", "hk-card hk-unknown");
    root.setAttribute("data-testid", "custom-unknown");
    var body = typeof payload.text === "string" && payload.text !== "undefined" ? payload.text : "（收到一条这个页面无法显示的消息）";
    root.appendChild(el("p", "", body));
    return root;
  }

  function render(payload) {
    payload = payload && typeof payload === "object" ? payload : {};
    try {
      if (payload.type === "payoff_plan") return renderPayoffPlan(payload);
      return renderUnknown(payload);
    } catch (error) {
      var failed = el("div", "hk-card hk-unknown", "（这条消息显示失败）");
      failed.setAttribute("data-testid", "custom-failed");
      return failed;
    }
  }

  global.PayoffPlan = { render: render, toNumber: toNumber, money: money };
})(window);
