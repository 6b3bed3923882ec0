// app.js: the pages. Each resource is one Store kept live by API.watch;
// a page subscribes to the stores it shows and is drawn again (once per
// animation frame) whenever one changes.
"use strict";

class Store {
  constructor(path) {
    this.path = path;
    this.items = new Map(); // namespace/name -> object
    this.synced = false;
    this.subs = new Set();
    this.refs = 0;
    this.stop = null;
    this.hooks = []; // (type, obj) for every change, also re-listed objects
  }
  static key(o) { return (o.metadata.namespace ? o.metadata.namespace + "/" : "") + o.metadata.name; }
  acquire() {
    if (this.refs++ === 0) {
      this.stop = API.watch(this.path, (items) => {
        const fresh = new Map(items.map((o) => [Store.key(o), o]));
        for (const [k, o] of this.items) if (!fresh.has(k)) this.hooks.forEach((h) => h("DELETED", o));
        for (const o of items) this.hooks.forEach((h) => h("SYNC", o));
        this.items = fresh;
        this.synced = true;
        this.changed();
      }, (type, o) => {
        const k = Store.key(o);
        if (type === "DELETED") this.items.delete(k); else this.items.set(k, o);
        this.hooks.forEach((h) => h(type, o));
        this.changed();
      });
    }
  }
  release() {
    if (--this.refs === 0 && this.stop) { this.stop(); this.stop = null; this.synced = false; }
  }
  changed() { for (const f of this.subs) f(); }
  list() {
    return [...this.items.values()].sort((a, b) => Store.key(a).localeCompare(Store.key(b)));
  }
}

const stores = {
  nodes: new Store("/api/v1/nodes"),
  pods: new Store("/api/v1/pods"),
  services: new Store("/api/v1/services"),
  deployments: new Store("/apis/apps/v1/deployments"),
  hpas: new Store("/apis/autoscaling/v2/horizontalpodautoscalers"),
};

// HPA history since the page opened: one sample per watch event (and the
// first list), kept for the HPA pages' charts.
const hpaHistory = new Map();
function hpaSample(type, o) {
  const k = Store.key(o);
  if (type === "DELETED") return;
  const st = o.status || {};
  const util = hpaUtilization(o);
  const arr = hpaHistory.get(k) || [];
  const s = { t: Date.now(), replicas: st.currentReplicas || 0, desired: st.desiredReplicas || 0, util: util.current, target: util.target };
  const last = arr[arr.length - 1];
  if (!last || last.replicas !== s.replicas || last.desired !== s.desired || last.util !== s.util || last.target !== s.target) arr.push(s);
  if (arr.length > 2000) arr.shift();
  hpaHistory.set(k, arr);
}
stores.hpas.hooks.push(hpaSample);
// The HPA watch runs for the page's life, so the charts have history.
stores.hpas.acquire();

function hpaUtilization(o) {
  let current = null, target = null;
  for (const m of (o.status && o.status.currentMetrics) || []) {
    if (m.type === "Resource" && m.resource && m.resource.current && m.resource.current.averageUtilization != null) { current = m.resource.current.averageUtilization; break; }
  }
  for (const m of (o.spec && o.spec.metrics) || []) {
    if (m.type === "Resource" && m.resource && m.resource.target && m.resource.target.averageUtilization != null) { target = m.resource.target.averageUtilization; break; }
  }
  return { current, target };
}

// ---- helpers ----------------------------------------------------------

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of kids.flat()) if (c != null) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function age(ts) {
  if (!ts) return "<unknown>";
  let s = Math.max(0, Math.floor((Date.now() - Date.parse(ts)) / 1000));
  if (s < 120) return s + "s";
  const m = Math.floor(s / 60);
  if (m < 10) return m + "m" + (s % 60) + "s";
  if (m < 180) return m + "m";
  const h = Math.floor(m / 60);
  if (h < 48) return h + "h" + (m % 60 ? (m % 60) + "m" : "");
  return Math.floor(h / 24) + "d";
}

// table draws rows; rows whose key is new since the page's last draw
// flash, so a learner sees what just arrived.
function table(id, cols, rows, emptyText) {
  const seen = table.seen[id] || (table.seen[id] = new Set());
  if (!rows.length) return el("div", { class: "empty", id }, emptyText || "No resources found.");
  // The first rows drawn (the list) do not flash; later arrivals do.
  const first = !table.drawn[id];
  table.drawn[id] = true;
  const body = rows.map((r) => {
    const tr = el("tr", { "data-key": r.key, class: !first && !seen.has(r.key) ? "flash" : null }, r.cells.map((c) => el("td", c && c.cls ? { class: c.cls } : null, c && c.cls ? c.text : c)));
    seen.add(r.key);
    return tr;
  });
  return el("table", { id }, el("thead", null, el("tr", null, cols.map((c) => el("th", null, c)))), el("tbody", null, body));
}
table.seen = {};
table.drawn = {};

function podStatus(p) {
  if (p.metadata.deletionTimestamp) return "Terminating";
  let reason = (p.status && (p.status.reason || p.status.phase)) || "Pending";
  for (const c of (p.status && p.status.containerStatuses) || []) {
    const st = c.state || {};
    if (st.waiting && st.waiting.reason) reason = st.waiting.reason;
    else if (st.terminated && st.terminated.reason && reason === "Running") reason = st.terminated.reason;
  }
  return reason;
}

function podReady(p) {
  const cs = (p.status && p.status.containerStatuses) || [];
  const n = (p.spec.containers || []).length;
  return cs.filter((c) => c.ready).length + "/" + n;
}

function statusClass(s) {
  if (s === "Running" || s === "Succeeded" || s === "Completed" || s === "True") return "ok";
  if (s === "Pending" || s === "ContainerCreating" || s === "Terminating" || s === "Unknown") return "warn";
  return "bad";
}

function nodeReady(n) {
  const c = ((n.status && n.status.conditions) || []).find((c) => c.type === "Ready");
  let s = !c ? "Unknown" : c.status === "True" ? "Ready" : "NotReady";
  if (n.spec && n.spec.unschedulable) s += ",SchedulingDisabled";
  return s;
}

function nodeIP(n) {
  const a = ((n.status && n.status.addresses) || []).find((a) => a.type === "InternalIP");
  return a ? a.address : "";
}

// ---- pages ------------------------------------------------------------

const pages = {
  nodes: {
    stores: ["nodes", "pods"],
    draw() {
      const pods = stores.pods.list();
      return [el("h1", null, "Nodes"), table("nodes-table", ["Name", "Status", "Internal IP", "Pod CIDR", "Pods", "Version", "Age", ""],
        stores.nodes.list().map((n) => {
          const st = nodeReady(n);
          return { key: n.metadata.name, cells: [n.metadata.name, { cls: st === "Ready" ? "ok" : "bad", text: st }, nodeIP(n), n.spec.podCIDR || "",
            pods.filter((p) => p.spec.nodeName === n.metadata.name).length, (n.status.nodeInfo && n.status.nodeInfo.kubeletVersion) || "",
            age(n.metadata.creationTimestamp), el("a", { href: "#/network/" + encodeURIComponent(n.metadata.name) }, "network map")] };
        }))];
    },
  },
  pods: {
    stores: ["pods"],
    draw() {
      return [el("h1", null, "Pods"), table("pods-table", ["Namespace", "Name", "Ready", "Status", "Restarts", "IP", "Node", "Age"],
        stores.pods.list().map((p) => {
          const s = podStatus(p);
          const restarts = ((p.status && p.status.containerStatuses) || []).reduce((a, c) => a + (c.restartCount || 0), 0);
          return { key: Store.key(p), cells: [p.metadata.namespace, p.metadata.name, podReady(p), { cls: statusClass(s), text: s }, restarts,
            (p.status && p.status.podIP) || "<none>", p.spec.nodeName || "<none>", age(p.metadata.creationTimestamp)] };
        }))];
    },
  },
  services: {
    stores: ["services"],
    draw() {
      return [el("h1", null, "Services"), table("services-table", ["Namespace", "Name", "Type", "Cluster IP", "Ports", "Selector", "Age"],
        stores.services.list().map((s) => {
          const ports = (s.spec.ports || []).map((p) => p.port + (p.nodePort ? ":" + p.nodePort : "") + "/" + (p.protocol || "TCP")).join(",");
          const sel = Object.entries(s.spec.selector || {}).map(([k, v]) => k + "=" + v).join(",");
          return { key: Store.key(s), cells: [s.metadata.namespace, s.metadata.name, s.spec.type || "ClusterIP", s.spec.clusterIP || "<none>", ports || "<none>", sel || "<none>", age(s.metadata.creationTimestamp)] };
        }))];
    },
  },
  deployments: {
    stores: ["deployments"],
    draw() {
      return [el("h1", null, "Deployments"), table("deployments-table", ["Namespace", "Name", "Ready", "Up-to-date", "Available", "Images", "Age"],
        stores.deployments.list().map((d) => {
          const st = d.status || {};
          const want = d.spec.replicas == null ? 1 : d.spec.replicas;
          const ready = (st.readyReplicas || 0) + "/" + want;
          return { key: Store.key(d), cells: [d.metadata.namespace, d.metadata.name, { cls: (st.readyReplicas || 0) >= want ? "ok" : "warn", text: ready },
            st.updatedReplicas || 0, st.availableReplicas || 0, ((d.spec.template.spec.containers) || []).map((c) => c.image).join(","), age(d.metadata.creationTimestamp)] };
        }))];
    },
  },
  hpas: {
    stores: ["hpas"],
    draw(args) {
      if (args.length === 2) return hpaPage(args[0], args[1]);
      return [el("h1", null, "HorizontalPodAutoscalers"), table("hpas-table", ["Namespace", "Name", "Reference", "Targets", "Min", "Max", "Replicas", "Age"],
        stores.hpas.list().map((h) => {
          const u = hpaUtilization(h);
          const ref = h.spec.scaleTargetRef || {};
          return { key: Store.key(h), cells: [h.metadata.namespace,
            el("a", { href: "#/hpas/" + encodeURIComponent(h.metadata.namespace) + "/" + encodeURIComponent(h.metadata.name) }, h.metadata.name),
            ref.kind + "/" + ref.name, "cpu: " + (u.current == null ? "<unknown>" : u.current + "%") + "/" + (u.target == null ? "?" : u.target + "%"),
            h.spec.minReplicas == null ? 1 : h.spec.minReplicas, h.spec.maxReplicas, (h.status && h.status.currentReplicas) || 0, age(h.metadata.creationTimestamp)] };
        }), "No HPAs found.")];
    },
  },
  network: {
    stores: ["nodes", "pods"],
    draw(args) { return NetPage.draw(args); },
    enter() { NetPage.enter(); },
    leave() { NetPage.leave(); },
  },
};

function hpaPage(ns, name) {
  const h = stores.hpas.items.get(ns + "/" + name);
  const out = [el("h1", null, "HPA " + ns + "/" + name), el("p", null, el("a", { href: "#/hpas" }, "← all HPAs"))];
  if (!h) {
    out.push(el("div", { class: "empty" }, stores.hpas.synced ? "No such HPA." : "Loading…"));
    return out;
  }
  const st = h.status || {};
  const u = hpaUtilization(h);
  out.push(el("table", { id: "hpa-status" }, el("tbody", null,
    el("tr", null, el("th", null, "Target"), el("td", null, (h.spec.scaleTargetRef.kind || "") + "/" + h.spec.scaleTargetRef.name)),
    el("tr", null, el("th", null, "Replicas (current / desired)"), el("td", null, (st.currentReplicas || 0) + " / " + (st.desiredReplicas || 0) + "  (min " + (h.spec.minReplicas == null ? 1 : h.spec.minReplicas) + ", max " + h.spec.maxReplicas + ")")),
    el("tr", null, el("th", null, "CPU utilization (current / target)"), el("td", null, (u.current == null ? "<unknown>" : u.current + "%") + " / " + (u.target == null ? "?" : u.target + "%"))),
    el("tr", null, el("th", null, "Last scale"), el("td", null, st.lastScaleTime ? age(st.lastScaleTime) + " ago" : "never")),
    ((st.conditions) || []).map((c) => el("tr", null, el("th", null, c.type), el("td", { class: c.status === "True" ? "ok" : "warn" }, c.status + " " + (c.reason || "") + ": " + (c.message || "")))),
  )));
  out.push(el("h2", null, "Since this page opened"));
  out.push(Chart.hpa(hpaHistory.get(ns + "/" + name) || [], h));
  return out;
}

// ---- router -----------------------------------------------------------

let current = null; // { name, args, unsub }
let drawQueued = false;

function route() {
  const parts = (location.hash.replace(/^#\/?/, "") || "pods").split("/").map(decodeURIComponent);
  const name = pages[parts[0]] ? parts[0] : "pods";
  if (current) {
    current.unsub();
    if (pages[current.name].leave) pages[current.name].leave();
  }
  const page = pages[name];
  const redraw = () => queueDraw();
  for (const s of page.stores) { stores[s].subs.add(redraw); stores[s].acquire(); }
  current = { name, args: parts.slice(1), unsub: () => { for (const s of page.stores) { stores[s].subs.delete(redraw); stores[s].release(); } } };
  if (page.enter) page.enter();
  for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("active", a.dataset.page === name);
  draw();
}

function queueDraw() {
  if (drawQueued) return;
  drawQueued = true;
  requestAnimationFrame(() => { drawQueued = false; draw(); });
}

function draw() {
  if (!current) return;
  const main = document.getElementById("main");
  const keepScroll = window.scrollY;
  const focus = document.activeElement && document.activeElement.id;
  main.replaceChildren(...[].concat(pages[current.name].draw(current.args)));
  if (focus && document.getElementById(focus)) document.getElementById(focus).focus();
  window.scrollTo(0, keepScroll);
}

// Ages tick without a watch event.
setInterval(() => { if (current && current.name !== "network") queueDraw(); }, 5000);

window.addEventListener("hashchange", route);
window.addEventListener("DOMContentLoaded", () => {
  const conn = document.getElementById("conn");
  API.onConn((state, text) => { conn.className = "conn " + state; conn.textContent = text; conn.title = text; });
  const dlg = document.getElementById("login");
  API.onAuthProblem((e) => {
    document.getElementById("login-why").textContent = "The apiserver answered " + e.code + ": " + e.message;
    if (!dlg.open) dlg.showModal();
  });
  document.getElementById("login-form").addEventListener("submit", () => {
    // The watches waiting to retry list again at once, with the token.
    API.setToken(document.getElementById("login-token").value.trim());
  });
  document.getElementById("login-clear").addEventListener("click", () => { API.setToken(""); location.reload(); });
  route();
});
