// The ops dashboard: every panel is read from the ops API and redrawn every REFRESH_MS. Each figure a
// test checks carries its raw value in data-value (cents as integers, rates 0-1).
"use strict";

const REFRESH_MS = 10000;
const STAGES = ["received", "verified", "coded", "submitted", "adjudicated"];
const FRAGMENT = new URLSearchParams(location.hash.slice(1));  // read once: the token is then taken out of it

function token() {
  const fromFragment = FRAGMENT.get("token");
  if (fromFragment) {
    sessionStorage.setItem("telebill-token", fromFragment);
    history.replaceState(null, "", location.pathname + location.search);  // the token leaves the address bar
  }
  let found = sessionStorage.getItem("telebill-token");
  if (!found) {
    found = prompt("Operators' token (TELEBILL_OPS_TOKEN)") || "";
    sessionStorage.setItem("telebill-token", found);
  }
  return found;
}

async function api(path) {
  const response = await fetch(path, { headers: { Authorization: "Bearer " + token(), "X-Telebill-Purpose": "operations: dashboard" } });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

function dollars(cents) {
  return (cents / 100).toLocaleString("en-US", { style: "currency", currency: "USD" });
}

function percent(rate) {
  return rate === null || rate === undefined ? "n/a" : (rate * 100).toFixed(1) + "%";
}

function tile(id, label, value, shown) {
  const element = document.createElement("div");
  element.className = "tile";
  element.dataset.testid = id;
  element.dataset.value = value === null || value === undefined ? "" : String(value);
  element.innerHTML = `<div class="label"></div><div class="value"></div>`;
  element.querySelector(".label").textContent = label;
  element.querySelector(".value").textContent = shown;
  return element;
}

function fill(containerId, tiles) {
  document.getElementById(containerId).replaceChildren(...tiles);
}

function rows(tableId, cells) {
  const body = document.querySelector(`#${tableId} tbody`);
  body.replaceChildren(...cells.map((row) => {
    const tr = document.createElement("tr");
    row.forEach((cell) => {
      const td = document.createElement("td");
      if (cell instanceof Node) td.appendChild(cell); else td.textContent = cell;
      tr.appendChild(td);
    });
    return tr;
  }));
}

function chart(id, traces, layout) {
  Plotly.react(id, traces, Object.assign({ margin: { t: 10, r: 10, b: 40, l: 50 }, showlegend: true }, layout),
    { displayModeBar: false, responsive: true });
}

function drawFlow(flow) {
  fill("stages", STAGES.map((stage) => tile(`stage-${stage}`, stage, flow.stages[stage] || 0, flow.stages[stage] || 0)));
  const minutes = flow.minutes.map((m) => new Date(m));
  chart("throughput-chart", STAGES.map((stage) => ({ x: minutes, y: flow.throughput[stage], name: stage, type: "scatter" })),
    { yaxis: { title: "per minute" } });
  const letters = Object.entries(flow.dead_letters);
  fill("dead-letters", letters.map(([topic, n]) => tile(`dead-letters-${topic}`, topic, n, n)));
  rows("lag", flow.lag.map((row) => [row.group, row.topic, String(row.lag)]));
}

function trailLink(key) {
  const link = document.createElement("a");
  link.href = "#trail=" + encodeURIComponent(key);
  link.textContent = key;
  link.addEventListener("click", (event) => { event.preventDefault(); showTrail(key); });
  return link;
}

function drawWorklist(worklist) {
  const unknown = Object.keys(worklist.unavailable).map((kind) => tile(`depth-${kind}`, kind, null, "?"));
  fill("depths", [...Object.entries(worklist.depths).map(([kind, n]) => tile(`depth-${kind}`, kind, n, n)), ...unknown]);
  rows("items", worklist.items.map((item) => [
    item.kind, item.owner, trailLink(item.key), item.age_hours.toFixed(1), item.detail, item.next_action, item.action,
  ]));
  const categories = worklist.denials_by_category;
  chart("denials-chart", [{ x: Object.keys(categories), y: Object.values(categories), type: "bar", name: "open denials" }],
    { yaxis: { title: "open denials" } });
  const unavailable = Object.entries(worklist.unavailable).map(([kind, why]) => `${kind}: ${why}`);
  document.getElementById("problem").textContent = unavailable.join("; ");
}

function drawAging(aging) {
  const tiles = aging.buckets.map((bucket) => tile(`aging-${bucket}`, bucket + " days", aging.totals[bucket], dollars(aging.totals[bucket])));
  tiles.push(tile("aging-outstanding", "outstanding", aging.outstanding_cents, dollars(aging.outstanding_cents)));
  fill("aging-tiles", tiles);
  chart("aging-chart", Object.entries(aging.by_payer).map(([payer, row]) => ({
    x: aging.buckets, y: aging.buckets.map((bucket) => row[bucket] / 100), name: payer, type: "bar",
  })), { barmode: "stack", yaxis: { title: "USD" } });
}

function drawKpis(kpis) {
  fill("kpi-tiles", [
    tile("kpi-encounters", "encounters", kpis.encounters, kpis.encounters),
    tile("kpi-clean-claim-rate", "clean-claim rate", kpis.clean_claim_rate, percent(kpis.clean_claim_rate)),
    tile("kpi-first-pass", "first-pass acceptance", kpis.first_pass_acceptance_rate, percent(kpis.first_pass_acceptance_rate)),
    tile("kpi-net-collection", "net collection rate", kpis.net_collection_rate, percent(kpis.net_collection_rate)),
    tile("kpi-days-in-ar", "days in A/R", kpis.days_in_ar, kpis.days_in_ar ?? "n/a"),
    tile("kpi-hours-submitted", "visit → submitted (h, median/p95)", kpis.hours_to_submitted_median,
      `${kpis.hours_to_submitted_median ?? "n/a"} / ${kpis.hours_to_submitted_p95 ?? "n/a"}`),
    tile("kpi-hours-paid", "visit → posted (h, median/p95)", kpis.hours_to_paid_median,
      `${kpis.hours_to_paid_median ?? "n/a"} / ${kpis.hours_to_paid_p95 ?? "n/a"}`),
    ...Object.entries(kpis.denial_rate_by_category).map(([category, rate]) =>
      tile(`kpi-denial-${category}`, `denial rate: ${category}`, rate, percent(rate))),
  ]);
}

function drawMoney(money) {
  const payers = Object.keys(money.by_payer);
  const measures = ["billed", "paid", "patient_responsibility", "written_off", "outstanding"];
  chart("money-chart", measures.map((measure) => ({
    x: payers, y: payers.map((payer) => money.by_payer[payer][measure] / 100), name: measure, type: "bar",
  })), { barmode: "group", xaxis: { type: "category" }, yaxis: { title: "USD" } });
  rows("money-table", payers.map((payer) => {
    const m = money.by_payer[payer];
    return [payer, dollars(m.billed), dollars(m.allowed), dollars(m.paid), dollars(m.patient_responsibility),
      dollars(m.written_off), dollars(m.outstanding)];
  }));
  document.getElementById("money-table").dataset.billed = String(money.totals.billed);
}

async function showTrail(key) {
  const found = await api(`/v1/encounters/${encodeURIComponent(key)}/trail`);
  document.getElementById("trail").hidden = false;
  document.getElementById("trail-key").textContent = key;
  document.getElementById("trail-state").textContent = `${found.encounter.state}` +
    (found.encounter.waiting_for ? ` — waiting for ${found.encounter.waiting_for}` : "");
  rows("trail-steps", found.steps.map((step) => [new Date(step.at).toISOString(), step.stage, step.what]));
  document.getElementById("trail").scrollIntoView();
}

async function refresh() {
  try {
    const [flow, worklist, aging, kpis, money] = await Promise.all(
      ["/v1/pipeline", "/v1/worklist?limit=200", "/v1/aging", "/v1/kpis", "/v1/money"].map(api));
    drawFlow(flow);
    drawWorklist(worklist);
    drawAging(aging);
    drawKpis(kpis);
    drawMoney(money);
    document.getElementById("refreshed").textContent = "refreshed " + new Date().toLocaleTimeString();
    document.body.dataset.ready = String(Number(document.body.dataset.ready) + 1);
  } catch (error) {
    document.getElementById("problem").textContent = String(error);
  }
}

refresh();
setInterval(refresh, REFRESH_MS);
const wanted = FRAGMENT.get("trail");
if (wanted) showTrail(wanted);
