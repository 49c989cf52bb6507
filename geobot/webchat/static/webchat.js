// geobot web chat: sends each message to geobot's loopback API, which forwards it through the
// router, and shows every reply with the region that served it; polls the region status.
// Everything is drawn with textContent: nothing the bot says is ever parsed as HTML.
"use strict";

(() => {
  const TOKEN_HEADER = "X-Geobot-Page-Token";
  const TOKEN_KEY = "geobot-page-token";
  const STATUS_EVERY_MS = 3000;
  const PALETTE_SIZE = 4;

  const $ = (id) => document.getElementById(id);
  const transcript = $("transcript");
  const form = $("composer");
  const input = $("message");
  const regionList = $("regions");

  // The token comes in the URL fragment (never sent over HTTP); keep it for reloads of this
  // tab only, and take it out of the address bar.
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.has("token")) {
    sessionStorage.setItem(TOKEN_KEY, fragment.get("token"));
    history.replaceState(null, "", location.pathname);
  }
  const token = sessionStorage.getItem(TOKEN_KEY);

  // A new conversation for each page load: the server keeps one router conversation per id.
  const conversation = Array.from(crypto.getRandomValues(new Uint8Array(16)),
    (byte) => byte.toString(16).padStart(2, "0")).join("");

  const regionColours = new Map();
  const monitorSeen = new Map();
  let queue = Promise.resolve();

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function regionTag(name) {
    if (!regionColours.has(name)) regionColours.set(name, regionColours.size % PALETTE_SIZE);
    return element("span", `region-tag region-${regionColours.get(name)}`, name);
  }

  async function api(path, options = {}) {
    const headers = { ...options.headers, [TOKEN_HEADER]: token };
    const response = await fetch(path, { ...options, headers, cache: "no-store" });
    const body = await response.json().catch(() => null);
    return { response, body };
  }

  function append(item) {
    transcript.append(item);
    item.scrollIntoView({ block: "nearest" });
  }

  function userTurn(text) {
    const item = element("li", "turn user");
    item.append(element("span", "who", "You"), element("p", "", text));
    return item;
  }

  function botTurn(answer) {
    const item = element("li", "turn bot");
    item.dataset.region = answer.region || "";
    const head = element("div", "turn-head");
    head.append(element("span", "visually-hidden", "Answered by"), regionTag(answer.region || "unknown region"),
      element("span", "meta", `${Math.round(answer.ms)} ms`));
    item.append(head, ...answer.replies.map((reply) => element("p", "", reply)));
    if (answer.replies.length === 0) item.append(element("p", "meta", "(no reply text)"));
    return item;
  }

  function failedTurn(text, answer) {
    const item = element("li", "turn failed");
    const head = element("div", "turn-head");
    head.append(element("strong", "", "Not delivered"));
    if (answer.region) head.append(regionTag(answer.region));
    const again = element("button", "", "Send again");
    again.type = "button";
    again.setAttribute("aria-label", `Send again: ${text}`);
    again.addEventListener("click", () => {
      again.remove();
      input.focus();
      submit(text);
    });
    item.append(head, element("p", "meta", answer.error || "the turn failed"), again);
    return item;
  }

  async function send(text) {
    const pending = element("li", "turn pending", "Waiting for the bot…");
    pending.setAttribute("aria-hidden", "true");
    append(pending);
    let answer;
    try {
      const { response, body } = await api("/api/say", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ conversation, text }),
      });
      answer = response.ok && body?.ok ? body
        : { ok: false, region: body?.region, error: body?.error || `HTTP ${response.status}` };
    } catch {
      answer = { ok: false, error: "geobot is not answering: was `geobot chat --web` stopped?" };
    }
    pending.remove();
    append(answer.ok ? botTurn(answer) : failedTurn(text, answer));
  }

  function submit(text) {
    append(userTurn(text));
    // One turn at a time, in the order typed; a broken turn must not stop the ones after it.
    queue = queue.then(() => send(text)).catch((error) => console.error(error));
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    submit(text);
  });

  function monitorClass(status) {
    if (status === "Online") return "monitor-online";
    if (status === "Degraded") return "monitor-degraded";
    if (status === "CheckingEndpoint") return "monitor-checking";
    return "monitor-other";
  }

  function regionCard(name, region) {
    const card = element("li", `region-card ${monitorClass(region.monitor_status)}`);
    card.dataset.region = name;
    card.dataset.monitor = region.monitor_status;
    const head = element("header");
    const title = element("h3");
    title.append(regionTag(name));
    head.append(title, element("span", "monitor", region.monitor_status));
    const details = element("dl");
    const latency = region.latency_ms == null ? "–" : `${region.latency_ms.toFixed(1)} ms`;
    for (const [label, value] of [["Health", region.health], ["Process", region.process], ["Latency", latency]]) {
      details.append(element("dt", "", label), element("dd", "", value));
    }
    card.append(head, details);
    return card;
  }

  function showStatus(data) {
    const router = data.router || {};
    const method = router.routing_method ? `, ${router.routing_method} routing` : "";
    $("deployment").textContent = `Deployment ${data.deployment} (${data.target} target${method})`;
    const pick = router.pick ? `A new client goes to ${router.pick}. ` : "No region can take a new client. ";
    $("status-summary").textContent = `${pick}Updated ${new Date().toLocaleTimeString()}.`;
    const regions = Object.entries(data.regions || {});
    regionList.replaceChildren(...regions.map(([name, region]) => regionCard(name, region)));
    const changes = regions
      .filter(([name, region]) => monitorSeen.has(name) && monitorSeen.get(name) !== region.monitor_status)
      .map(([name, region]) => `${name} is now ${region.monitor_status}.`);
    if (changes.length) $("status-changes").textContent = changes.join(" ");
    for (const [name, region] of regions) monitorSeen.set(name, region.monitor_status);
  }

  async function refreshStatus() {
    try {
      const { response, body } = await api("/api/status");
      if (!response.ok) throw new Error(body?.error || `HTTP ${response.status}`);
      showStatus(body);
    } catch (error) {
      $("status-summary").textContent = `Status unavailable: ${error.message}`;
    } finally {
      setTimeout(refreshStatus, STATUS_EVERY_MS);
    }
  }

  if (!token) {
    const notice = $("notice");
    notice.textContent = "This page needs the full address that `geobot chat --web` printed (it ends in #token=…). Open that address.";
    notice.hidden = false;
    input.disabled = true;
    form.querySelector("button").disabled = true;
    return;
  }
  input.focus();
  refreshStatus();
})();
