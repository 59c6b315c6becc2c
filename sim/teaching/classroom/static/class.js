// alignsim class mode: the student and instructor pages. Plain JavaScript, no library, no
// request to any other host. Text from the server is always set as text (never as HTML).
"use strict";

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}
const $ = (id) => document.getElementById(id);
const fmt = (x, d = 3) => (x === null || x === undefined ? "" : Number(x).toFixed(d));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ROLE_NAMES = { ROK: "South Korea (Seoul)", JPN: "Japan (Tokyo)", US: "United States (Washington)" };
const NUMBER_LABELS = {
  trilateral: "Trilateral cooperation (0-1)",
  coop_ROK_JPN: "Seoul-Tokyo cooperation (0-1)",
  coop_ROK_US: "Seoul-Washington cooperation (0-1)",
  coop_JPN_US: "Tokyo-Washington cooperation (0-1)",
  approval_ROK: "Seoul leader's approval (share)",
  approval_JPN: "Tokyo leader's approval (share)",
  us_coercion: "US pressure (0-1)",
};

async function api(path, opts = {}) {
  const headers = Object.assign({ "Content-Type": "application/json" }, opts.headers || {});
  const res = await fetch(path, { method: opts.method || "GET", headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body), cache: "no-store" });
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  return { status: res.status, data };
}

// a line chart as inline SVG: series = [{label, values, dash, color, width}]
function lineChart(series, months, opts = {}) {
  const W = opts.width || 640, H = opts.height || 260, L = 44, R = 8, T = 10, B = 34;
  const NS = "http://www.w3.org/2000/svg";
  const s = (tag, attrs, text) => {
    const el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    if (text !== undefined) el.textContent = text;
    return el;
  };
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, width: "100%", role: "img",
    "aria-label": opts.label || "chart" });
  const x = (m) => L + (W - L - R) * (months > 0 ? m / months : 0);
  const y = (v) => T + (H - T - B) * (1 - Math.max(0, Math.min(1, v)));
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    svg.append(s("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#e3e7ee" }));
    svg.append(s("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end" }, v.toFixed(2)));
  }
  const step = Math.max(1, Math.ceil(months / 12));
  for (let m = 0; m <= months; m += step) {
    svg.append(s("text", { x: x(m), y: H - B + 16, "text-anchor": "middle" }, String(m)));
  }
  svg.append(s("text", { x: (L + W - R) / 2, y: H - 4, "text-anchor": "middle" },
    opts.xlabel || "months played"));
  for (const se of series) {
    if (!se.values.length) continue;
    if (se.values.length === 1) {
      svg.append(s("circle", { cx: x(0), cy: y(se.values[0]), r: 3, fill: se.color || "#1f3b63" }));
      continue;
    }
    const pts = se.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    const line = s("polyline", { points: pts, fill: "none", stroke: se.color || "#1f3b63",
      "stroke-width": se.width || 2, "stroke-dasharray": se.dash || "" });
    line.append(s("title", {}, se.label));
    svg.append(line);
  }
  return svg;
}

function outcomesTable(table, rows, highlight) {
  table.replaceChildren(h("tr", {}, h("th", { text: "run" }),
    h("th", { class: "num", text: "final trilateral" }), h("th", { class: "num", text: "highest" }),
    h("th", { class: "num", text: "institutionalised in month" }),
    h("th", { class: "num", text: "Seoul approval" }), h("th", { class: "num", text: "Tokyo approval" }),
    h("th", { class: "num", text: "steps Seoul / Tokyo" })));
  for (const r of rows) {
    table.append(h("tr", { class: r.run === highlight ? "chosen" : null },
      h("td", { text: r.run === highlight ? `${r.run} (yours)` : r.run }),
      h("td", { class: "num", text: fmt(r.final_trilateral) }),
      h("td", { class: "num", text: fmt(r.max_trilateral) }),
      h("td", { class: "num", text: r.inst_month === null ? "not reached" : String(r.inst_month) }),
      h("td", { class: "num", text: fmt(r.final_approval_ROK) }),
      h("td", { class: "num", text: fmt(r.final_approval_JPN) }),
      h("td", { class: "num", text: `${r.steps_ROK} / ${r.steps_JPN}` })));
  }
}

// ------------------------------------------------------------------------------- student
window.alignsimShown = {}; // month -> Date.now() when this page first showed it (benchmarks)

function startStudent() {
  let sid = sessionStorage.getItem("alignsim-sid");
  let version = null;
  let busy = false;
  let timerEnd = null;
  function showTimer() {
    $("timer").textContent = timerEnd === null ? "" : `(timer: ${Math.max(0, Math.round((timerEnd - Date.now()) / 1000))} s left)`;
  }
  setInterval(showTimer, 1000);

  async function showJoin(message) {
    $("play").hidden = true;
    const info = await api("/api/session");
    if (!info.data || !info.data.open) {
      $("join").hidden = true; $("wait").hidden = false;
      $("wait-text").textContent = info.data && info.data.ended
        ? `The instructor has ended the session.${message ? " (" + message + ")" : ""} This page updates by itself when a new one opens.`
        : "No class session is open yet: wait for your instructor. This page updates by itself.";
      return false;
    }
    $("wait").hidden = true; $("join").hidden = false;
    $("session-title").textContent = info.data.title;
    const sel = $("join-role");
    if (sel.options.length === 1) {
      for (const r of info.data.roles) sel.append(h("option", { value: r, text: ROLE_NAMES[r] }));
    }
    $("join-error").textContent = message || "";
    return true;
  }

  $("join-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    $("join-button").disabled = true;
    const r = await api("/api/join", { method: "POST", body: {
      name: $("join-name").value, group: $("join-group").value, role: $("join-role").value } });
    $("join-button").disabled = false;
    if (r.status !== 200) { $("join-error").textContent = (r.data && r.data.error) || "could not join"; return; }
    sid = r.data.sid; sessionStorage.setItem("alignsim-sid", sid); version = null;
    $("join").hidden = true;
  });

  async function send(path, body) {
    busy = true;
    document.body.style.cursor = "progress";
    for (const b of document.querySelectorAll("#play button")) b.disabled = true;
    const r = await api(path, { method: "POST", body: Object.assign({ sid }, body) });
    busy = false;
    document.body.style.cursor = "";
    $("error").textContent = r.status === 200 ? "" : (r.data && r.data.error) || "failed";
    for (const b of document.querySelectorAll("#play button")) b.disabled = b.dataset.off === "1";
  }

  function render(v) {
    $("play").hidden = false; $("join").hidden = true; $("wait").hidden = true;
    $("who").textContent = `${v.you.name}: you are ${v.you.label}, group ${v.you.group}`;
    const m = $("month");
    const label = v.finished ? `Game over after ${v.months} months (now ${v.date})`
      : `Month ${v.month + 1} of ${v.months} (now ${v.date})`;
    if (m.dataset.month !== String(v.month)) {
      m.dataset.month = String(v.month);
      if (!(v.month in window.alignsimShown)) window.alignsimShown[v.month] = Date.now();
    }
    m.textContent = label;
    timerEnd = v.timer === null || v.finished ? null : Date.now() + 1000 * v.timer;
    showTimer();
    $("news").textContent = v.month > 0 ? `Last month: ${v.news}` : "";
    // proposals
    const props = $("proposals"); props.replaceChildren();
    for (const p of v.proposals) {
      const state = p.answer === null ? "" : p.answer ? " (you accepted)" : " (you declined)";
      props.append(h("div", { class: "proposal" },
        h("div", { text: `${p.from} proposes a joint step: ${p.label}${state}` }),
        h("button", { type: "button", class: "accept", onclick: () => send("/api/respond", { accept: true }) }, "Accept"), " ",
        h("button", { type: "button", class: "secondary decline", onclick: () => send("/api/respond", { accept: false }) }, "Decline"),
        h("div", { class: "note", text: "Accepting keeps your own move (it joins the step). Declining means no step of your own this month." })));
    }
    // options
    const ul = $("options"); ul.replaceChildren();
    for (const o of v.options) {
      const kind = v.you.role === "US" ? "backlash" : "approval cost";
      const btn = h("button", { type: "button", class: "move", "data-move": o.move,
        "data-off": o.feasible ? "0" : "1", disabled: !o.feasible || busy,
        onclick: () => send("/api/choose", { move: o.move }) }, v.choice === o.move ? "Chosen" : "Choose");
      ul.append(h("li", { class: v.choice === o.move ? "chosen" : null }, btn,
        h("span", {}, o.label + (o.joint ? " (joint: needs your partner)" : ""),
          o.feasible ? null : h("span", { class: "why", text: `Not open: ${o.reason}` })),
        h("span", { class: "cost", text: `${kind} ${fmt(o.cost)}` })));
    }
    const chosen = v.options.find((o) => o.move === v.choice);
    $("choice").textContent = v.finished ? "" : v.choice
      ? `Your choice: ${chosen ? chosen.label : v.choice}${v.waiting ? ": " + v.waiting : ""}. You can change it until the month ends.`
      : "You have not chosen yet.";
    // group
    const mem = $("members"); mem.replaceChildren();
    for (const x of v.members) {
      mem.append(h("li", {}, `${x.label}: `, x.name ? `${x.name} ` : "agent ",
        x.name ? h("span", { class: x.chosen ? "ok" : "pending", text: x.chosen ? "(has chosen)" : "(choosing)" }) : null));
    }
    const tb = $("numbers"); tb.replaceChildren();
    for (const [k, val] of Object.entries(v.numbers)) {
      tb.append(h("tr", {}, h("td", { text: NUMBER_LABELS[k] || k }), h("td", { class: "num", text: fmt(val) })));
    }
    tb.append(h("tr", {}, h("td", { text: "Institutionalised" }), h("td", { class: "num", text: v.institutionalised ? "yes" : "not yet" })));
    $("spark").replaceChildren(lineChart([{ label: "trilateral cooperation", values: v.trilateral }],
      v.months, { width: 360, height: 170, label: "trilateral cooperation by month", xlabel: "months played (trilateral cooperation)" }));
    $("debrief").hidden = !v.finished;
    if (v.finished) outcomesTable($("outcomes"), v.outcomes, `Group ${v.you.group}`);
  }

  async function loop() {
    for (;;) {
      if (!sid) {
        await showJoin("");
        while (!sid) { await sleep(1000); if (!$("wait").hidden) await showJoin(""); }
      }
      try {
        const q = version === null ? "" : `&since=${version}`;
        const r = await api(`/api/state?sid=${encodeURIComponent(sid)}${q}`);
        if (r.status === 200) { version = r.data.version; render(r.data.view); continue; }
        sid = null; sessionStorage.removeItem("alignsim-sid"); version = null;
        await showJoin(r.data && r.data.error);
      } catch (e) {
        await sleep(1000);
      }
    }
  }
  loop();
}

// ------------------------------------------------------------------------------- instructor
function startInstructor() {
  const token = new URLSearchParams(location.search).get("token") || "";
  const H = { "X-Class-Token": token };
  let version = null;

  async function act(path, body) {
    for (const b of document.querySelectorAll("button")) b.disabled = true;
    document.body.style.cursor = "progress";
    const r = await api(path, { method: "POST", headers: H, body: body || {} });
    document.body.style.cursor = "";
    for (const b of document.querySelectorAll("button")) b.disabled = false;
    $("error").textContent = r.status === 200 ? "" : (r.data && r.data.error) || "failed";
    return r;
  }

  (async () => {
    const r = await api("/api/instructor/presets", { headers: H });
    for (const p of r.data || []) $("preset").append(h("option", { value: p.key, text: p.title }));
    const info = () => {
      const p = (r.data || []).find((x) => x.key === $("preset").value);
      $("preset-info").textContent = p ? `${p.description} Scenario ${p.scenario}, seed ${p.seed}, ${p.months} months, roles ${p.roles.join(", ")}.` : "";
    };
    $("preset").addEventListener("change", info); info();
  })();
  let current = null;
  $("open").addEventListener("click", () => {
    if (current && !current.ended && !confirm("Opening a new session ends the current one (download its CSV first). Open it?")) return;
    act("/api/instructor/open", { preset: $("preset").value });
  });
  $("advance").addEventListener("click", () => act("/api/instructor/advance"));
  $("set-timer").addEventListener("click", () => act("/api/instructor/timer",
    { seconds: Number($("timer").value || 0), auto: $("auto").checked }));
  $("end").addEventListener("click", () => { if (confirm("End the session for everyone?")) act("/api/instructor/end"); });
  $("csv").href = `/api/instructor/decisions.csv?token=${encodeURIComponent(token)}`;

  function render(v) {
    current = v;
    $("session").hidden = !v;
    if (!v) return;
    $("title").textContent = `${v.preset.title} (scenario ${v.preset.scenario}, seed ${v.preset.seed})`;
    const m = $("month");
    m.dataset.month = String(v.month);
    m.textContent = v.ended ? `Session ended at month ${v.month} of ${v.preset.months}`
      : v.finished ? `Game over after ${v.preset.months} months (now ${v.date})`
      : `Month ${v.month + 1} of ${v.preset.months} (now ${v.date})`;
    const waiting = v.groups.reduce((n, g) => n + g.members.filter((x) => !x.chosen || x.needs_answer).length, 0);
    $("status").textContent = `${v.students} student${v.students === 1 ? "" : "s"} in ${v.groups.length} group${v.groups.length === 1 ? "" : "s"}; ` +
      (v.finished || v.ended ? "" : v.all_ready ? "everyone has chosen. " : `${waiting} still choosing. `) +
      (v.remaining === null ? "" : `Timer: ${Math.round(v.remaining)} s left. `) +
      (v.last_advance ? `Last month advanced by: ${v.last_advance}. ` : "") + `${v.decisions} decisions logged.`;
    $("advance").disabled = v.finished || v.ended;
    const t = $("groups");
    t.replaceChildren(h("tr", {}, h("th", { text: "group" }), h("th", { text: "students" }),
      h("th", { text: "agents" }), h("th", { class: "num", text: "trilateral" }), h("th", { text: "last month" })));
    for (const g of v.groups) {
      const who = h("span", {});
      for (const x of g.members) {
        const st = v.finished || v.ended ? "" : x.chosen ? (x.needs_answer ? ": to answer" : ": chosen") : ": choosing";
        who.append(h("span", { class: v.finished || (x.chosen && !x.needs_answer) ? "ok" : "pending",
          text: `${x.name} (${x.role}${st}) ` }));
      }
      const last = g.trilateral[g.trilateral.length - 1];
      t.append(h("tr", { "data-group": g.code }, h("td", { text: g.code + (g.ready ? " \u2713" : "") }), h("td", {}, who),
        h("td", { text: g.agents.join(", ") || "none" }),
        h("td", { class: "num", text: fmt(last) + (g.institutionalised ? " (inst.)" : "") }),
        h("td", { class: "note", text: g.news })));
    }
    $("results").hidden = !(v.outcomes && v.outcomes.length && (v.finished || v.ended));
    if (!$("results").hidden) {
      const series = v.groups.map((g) => ({ label: `Group ${g.code}`, values: g.trilateral, color: "#1f3b63", width: 1.5 }));
      const colors = ["#c0392b", "#27ae60", "#8e44ad", "#d68910", "#555"];
      const dashes = ["8 4", "8 4", "8 4", "8 4", "2 3"];
      const legend = h("p", { class: "note" }, "Trilateral cooperation (0-1) by month. ",
        h("span", { style: "color:#1f3b63", text: "\u2014 each group (solid) " }));
      (v.agents || []).forEach((a, i) => {
        series.push({ label: a.label, values: a.trilateral, color: colors[i % 5], dash: dashes[i % 5], width: i === 4 ? 1.5 : 3 });
        legend.append(h("span", { style: `color:${colors[i % 5]}`, text: `\u2014 ${a.label}${i === 4 ? " (dotted)" : " (dashed)"}; ` }));
      });
      $("chart").replaceChildren(lineChart(series, v.preset.months, { label: "trilateral cooperation: groups (solid) and agents (dashed)" }), legend);
      outcomesTable($("outcomes"), v.outcomes, null);
    }
  }

  (async () => {
    for (;;) {
      try {
        const q = version === null ? "" : `?since=${version}`;
        const r = await api(`/api/instructor/state${q}`, { headers: H });
        if (r.status === 200) { version = r.data.version; render(r.data.view); continue; }
        $("error").textContent = (r.data && r.data.error) || "failed";
        await sleep(2000);
      } catch (e) { await sleep(1000); }
    }
  })();
}
