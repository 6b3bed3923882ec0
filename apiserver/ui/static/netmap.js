// netmap.js: a node's network as the seeds drew it, from the kubelet's
// /netinfo (read through the apiserver's node proxy): the pods with their
// eth0 and IP, each eth0's veth peer on cni0 (paired by ifindex), the
// bridge, flannel.1, the node's own interface, and the routes to the other
// nodes. Choosing two pods highlights the path a packet takes between
// them, computed here from both nodes' netinfo (longest-prefix route match
// on the source node; the same walk `kubectl trace` prints).
"use strict";

const NetMap = (() => {
  const S = (...a) => Chart.svgEl(...a);

  // ---- the model -------------------------------------------------------

  function addrList(l) {
    return (l.addresses || []).filter((a) => a && a.indexOf(":") < 0); // IPv4, CIDR form
  }

  function linkOf(l) {
    const vx = l.vxlan || null;
    return {
      index: l.index,
      name: l.name,
      kind: l.kind || "",
      master: l.master || "",
      masterIndex: l.masterIndex || null,
      peerIndex: l.peerIndex || null,
      mac: l.mac || "",
      mtu: l.mtu || 0,
      addrs: addrList(l),
      vxlan: vx ? { vni: vx.vni, local: vx.local || "", port: vx.port || 8472, dev: vx.device || "" } : null,
      up: l.up !== false,
      counters: l.counters || null,
    };
  }

  function routeOf(r) {
    return { dst: r.dst || "default", gw: r.gateway || "", dev: r.dev || "", src: r.src || "", onlink: !!r.onlink, table: r.table, type: r.type || "" };
  }

  // model turns a /netinfo answer into what the drawing needs.
  function model(raw, nodeName) {
    const links = (raw.links || []).map(linkOf);
    const byIndex = new Map(links.map((l) => [l.index, l]));
    for (const l of links) if (!l.master && l.masterIndex != null && byIndex.get(l.masterIndex)) l.master = byIndex.get(l.masterIndex).name;
    const bridge = links.find((l) => l.name === "cni0") || links.find((l) => l.kind === "bridge") || null;
    const vxlan = links.find((l) => l.kind === "vxlan") || links.find((l) => l.name === "flannel.1") || null;
    const routes = (raw.routes || []).map(routeOf).filter((r) => (r.table == null || r.table === 254) && (!r.type || r.type === "unicast"));
    // The node's own interface: flannel.1's underlay device (VXLAN local
    // address), the one holding the node's address, else the default
    // route's device, else the first non-pod, non-bridge link.
    const nodeAddr = raw.nodeIP || (vxlan && vxlan.vxlan && vxlan.vxlan.local) || "";
    let hostIf = vxlan && vxlan.vxlan && vxlan.vxlan.dev ? links.find((l) => l.name === vxlan.vxlan.dev) : null;
    if (!hostIf) hostIf = links.find((l) => nodeAddr && l.addrs.some((a) => a.split("/")[0] === nodeAddr));
    if (!hostIf) {
      const def = routes.find((r) => r.dst === "default" || r.dst === "0.0.0.0/0");
      hostIf = def && links.find((l) => l.name === def.dev);
    }
    if (!hostIf) hostIf = links.find((l) => l.name !== "lo" && l.kind !== "veth" && l.kind !== "bridge" && l.kind !== "vxlan" && l.addrs.length) || null;
    const pods = (raw.pods || []).filter((p) => !p.hostNetwork).map((p) => {
      const pl = (p.links || []).map(linkOf);
      const eth0 = pl.find((l) => l.name === "eth0") || pl.find((l) => l.name !== "lo") || null;
      const veth = eth0 && links.find((l) => l.index === eth0.peerIndex && (l.kind === "veth" || l.kind === ""));
      return {
        namespace: p.namespace, name: p.name, error: p.error || "",
        eth0, ip: (eth0 && eth0.addrs[0] ? eth0.addrs[0].split("/")[0] : "") || p.ip || "",
        veth: veth || null,
        routes: (p.routes || []).map(routeOf),
      };
    });
    const vethOnBridge = links.filter((l) => l.kind === "veth" && bridge && l.master === bridge.name);
    return { node: raw.node || nodeName, backend: raw.backend || "", errors: raw.errors || [], nodeIP: nodeAddr || (hostIf && hostIf.addrs[0] ? hostIf.addrs[0].split("/")[0] : ""), links, bridge, vxlan, hostIf, routes, pods, vethOnBridge };
  }

  // ---- IPv4 and the route decision --------------------------------------

  function ip4(s) {
    const p = String(s).split(".").map(Number);
    if (p.length !== 4 || p.some((x) => !(x >= 0 && x <= 255))) return null;
    return ((p[0] << 24) >>> 0) + (p[1] << 16) + (p[2] << 8) + p[3];
  }
  function inCIDR(ip, cidr) {
    if (cidr === "default") cidr = "0.0.0.0/0";
    const [net, len] = cidr.split("/");
    const n = ip4(net), a = ip4(ip), l = len == null ? 32 : Number(len);
    if (n == null || a == null) return false;
    const mask = l === 0 ? 0 : (0xffffffff << (32 - l)) >>> 0;
    return ((a & mask) >>> 0) === ((n & mask) >>> 0);
  }
  function prefixLen(cidr) { return cidr === "default" ? 0 : Number((cidr.split("/")[1]) == null ? 32 : cidr.split("/")[1]); }

  // routeGet is `ip route get` on a table: the longest matching prefix.
  function routeGet(routes, ip) {
    let best = null;
    for (const r of routes) if (inCIDR(ip, r.dst) && (!best || prefixLen(r.dst) > prefixLen(best.dst))) best = r;
    return best;
  }

  // path is the list of hops from pod a to pod b (models by node name):
  // each hop { id, text } where id names an element of the drawing.
  function path(models, a, b) {
    const ma = models[a.node], mb = models[b.node];
    if (!ma || !mb) return { hops: [], error: "no netinfo for " + (!ma ? a.node : b.node) };
    const pa = ma.pods.find((p) => p.namespace === a.namespace && p.name === a.name);
    const pb = mb.pods.find((p) => p.namespace === b.namespace && p.name === b.name);
    if (!pa || !pb) return { hops: [], error: "pod " + (!pa ? a.namespace + "/" + a.name : b.namespace + "/" + b.name) + " is not in its node's netinfo (yet)" };
    const hops = [];
    const H = (id, text) => hops.push({ id, text });
    // The pod's own route decision: an on-link route (its /24 on eth0)
    // means the peer is on the same bridge: ARP for it, and cni0 switches
    // the frame with no routing on the node (as kubectl trace says).
    const own = routeGet(pa.routes, pb.ip);
    const bridged = a.node === b.node && own && !own.gw;
    H(podId(ma.node, pa), `${pa.namespace}/${pa.name} eth0 ${pa.ip} (netns of the pod) → ` + (bridged ? `${own.dst} dev eth0: on-link, same bridge` : `default via ${gwOf(pa)}`));
    if (pa.veth) H(vethId(ma.node, pa.veth), `${pa.veth.name} on ${ma.node} (veth peer of eth0: eth0@if${pa.veth.index} ↔ ${pa.veth.name}@if${pa.eth0 ? pa.eth0.index : "?"})`);
    if (ma.bridge) H(bridgeId(ma.node), `${ma.bridge.name} ${ma.bridge.addrs.join(" ")} (bridge on ${ma.node})` + (bridged ? ": switched to the port of " + pb.ip : ""));
    const r = bridged ? null : routeGet(ma.routes, pb.ip);
    if (!bridged && !r) return { hops, error: `no route on ${ma.node} to ${pb.ip}` };
    if (bridged) {
      // No route hop: the frame stays on cni0.
    } else if (ma.bridge && r.dev === ma.bridge.name) {
      H(routeId(ma.node, r), `${ma.node}: ip route get ${pb.ip} → ${r.dst} dev ${r.dev} (routed by the node back onto the bridge)`);
    } else {
      const rtext = `${ma.node}: ip route get ${pb.ip} → ${r.dst}${r.gw ? " via " + r.gw : ""} dev ${r.dev}${r.onlink ? " onlink" : ""}`;
      H(routeId(ma.node, r), rtext);
      if (ma.vxlan && r.dev === ma.vxlan.name) {
        const vni = ma.vxlan.vxlan ? ma.vxlan.vxlan.vni : "?";
        H(vxlanId(ma.node), `${ma.vxlan.name} encapsulates: VXLAN VNI ${vni}, UDP ${ma.vxlan.vxlan ? ma.vxlan.vxlan.port : 8472} from ${ma.nodeIP} to ${mb.nodeIP}`);
        if (ma.hostIf) H(hostIfId(ma.node), `${ma.hostIf.name} ${ma.nodeIP} on ${ma.node} → ${mb.node} ${mb.nodeIP}`);
        if (mb.hostIf) H(hostIfId(mb.node), `${mb.hostIf.name} ${mb.nodeIP} on ${mb.node} (UDP ${ma.vxlan.vxlan ? ma.vxlan.vxlan.port : 8472} to the kernel's VXLAN socket)`);
        if (mb.vxlan) H(vxlanId(mb.node), `${mb.vxlan.name} on ${mb.node} decapsulates`);
      } else {
        if (ma.hostIf) H(hostIfId(ma.node), `${ma.hostIf.name} ${ma.nodeIP} on ${ma.node} → next hop ${r.gw || pb.ip} (host-gw)`);
        if (mb.hostIf) H(hostIfId(mb.node), `${mb.hostIf.name} ${mb.nodeIP} on ${mb.node}`);
      }
      const rb = routeGet(mb.routes, pb.ip);
      if (rb) H(routeId(mb.node, rb), `${mb.node}: ip route get ${pb.ip} → ${rb.dst} dev ${rb.dev}`);
      if (mb.bridge) H(bridgeId(mb.node), `${mb.bridge.name} ${mb.bridge.addrs.join(" ")} (bridge on ${mb.node})`);
    }
    if (pb.veth) H(vethId(mb.node, pb.veth), `${pb.veth.name} on ${mb.node} (veth peer of ${pb.name}'s eth0)`);
    H(podId(mb.node, pb), `${pb.namespace}/${pb.name} eth0 ${pb.ip}`);
    return { hops };
  }

  function gwOf(p) {
    const d = p.routes.find((r) => r.dst === "default" || r.dst === "0.0.0.0/0");
    return d ? d.gw : "?";
  }

  const podId = (node, p) => `nm:${node}:pod:${p.namespace}/${p.name}`;
  const vethId = (node, l) => `nm:${node}:veth:${l.name}`;
  const bridgeId = (node) => `nm:${node}:bridge`;
  const vxlanId = (node) => `nm:${node}:vxlan`;
  const hostIfId = (node) => `nm:${node}:hostif`;
  const routeId = (node, r) => `nm:${node}:route:${r.dst}`;

  // ---- the drawing -----------------------------------------------------

  // draw renders one node's model as an SVG element. nodesByCIDR maps a
  // pod CIDR to the node that owns it, to name the routes' far ends.
  function draw(m, nodesByCIDR) {
    const PW = 170, PH = 58, GAP = 18, X0 = 20;
    const pods = m.pods.slice().sort((a, b) => (a.namespace + a.name).localeCompare(b.namespace + b.name));
    // Veths on the bridge that no pod of the netinfo claims still show.
    const claimed = new Set(pods.map((p) => p.veth && p.veth.name));
    const orphans = m.vethOnBridge.filter((l) => !claimed.has(l.name));
    const cols = pods.length + orphans.length;
    const otherRoutes = m.routes.filter((r) => !(m.bridge && r.dev === m.bridge.name) && r.dst !== "default" && r.dst !== "0.0.0.0/0" && !(m.hostIf && r.dev === m.hostIf.name && !r.gw));
    const W = Math.max(820, X0 * 2 + cols * (PW + GAP), X0 * 2 + otherRoutes.length * (PW + GAP));
    const yPod = 44, yVeth = yPod + PH + 46, yBr = yVeth + 34 + 40, yDev = yBr + 40 + 44, yPeer = yDev + 56 + 60;
    const H = yPeer + 64 + 20;
    const svg = S("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: "netmap-svg", "data-node": m.node });
    svg.append(S("rect", { class: "frame", x: 6, y: 6, width: W - 12, height: yDev + 56 + 14 }));
    svg.append(S("text", { class: "title", x: X0, y: 28 }, `node ${m.node}` + (m.nodeIP ? `  (${m.nodeIP})` : "")));

    const box = (id, cls, x, y, w, h, lines, attrs) => {
      const g = S("g", Object.assign({ id, "data-hop": id }, attrs || {}));
      g.append(S("rect", { class: "box " + cls, x, y, width: w, height: h, rx: 6 }));
      lines.forEach((t, i) => g.append(S("text", { class: i === 0 ? null : "small", x: x + 8, y: y + 16 + i * 14 }, t)));
      svg.append(g);
      return g;
    };
    const wire = (id, x1, y1, x2, y2) => svg.append(S("line", { class: "wire", "data-hop": id, x1, y1, x2, y2 }));

    const brX = X0, brW = W - 2 * X0;
    let col = 0;
    const vethX = new Map();
    for (const p of pods) {
      const x = X0 + col++ * (PW + GAP);
      box(podId(m.node, p), "pod", x, yPod, PW, PH, [`${p.name}`, `ns ${p.namespace}`, `eth0 ${p.ip || "?"}` + (p.eth0 ? ` (if${p.eth0.index})` : "")]);
      if (p.veth) {
        wire(podId(m.node, p), x + PW / 2, yPod + PH, x + PW / 2, yVeth);
        svg.append(S("text", { class: "small", x: x + PW / 2 + 6, y: yPod + PH + 26 }, `veth pair: eth0@if${p.veth.index}`));
        box(vethId(m.node, p.veth), "veth", x, yVeth, PW, 34, [`${p.veth.name}`, `if${p.veth.index} @if${p.eth0 ? p.eth0.index : "?"}` + (p.veth.master ? ` master ${p.veth.master}` : "")],
          { "data-pod": `${p.namespace}/${p.name}` });
        vethX.set(p.veth.name, x + PW / 2);
      }
    }
    for (const l of orphans) {
      const x = X0 + col++ * (PW + GAP);
      box(vethId(m.node, l), "veth", x, yVeth, PW, 34, [`${l.name}`, `if${l.index} (no pod in netinfo)`]);
      vethX.set(l.name, x + PW / 2);
    }
    for (const [name, x] of vethX) wire(vethId(m.node, { name }), x, yVeth + 34, x, yBr);
    if (m.bridge) box(bridgeId(m.node), "bridge", brX, yBr, brW, 40, [`${m.bridge.name} (bridge) ${m.bridge.addrs.join(" ")}`, `${vethX.size} port(s); MTU ${m.bridge.mtu || "?"}`]);

    // flannel.1 and the node's interface under the bridge.
    const devW = 300;
    if (m.vxlan) {
      const v = m.vxlan.vxlan || {};
      wire(vxlanId(m.node), X0 + devW / 2, yBr + 40, X0 + devW / 2, yDev);
      svg.append(S("text", { class: "small", x: X0 + devW / 2 + 6, y: yBr + 62 }, "routed by the node (ip route)"));
      box(vxlanId(m.node), "vxlan", X0, yDev, devW, 56, [`${m.vxlan.name} (VXLAN) ${m.vxlan.addrs.join(" ")}`, `VNI ${v.vni != null ? v.vni : "?"}, local ${v.local || m.nodeIP}, UDP ${v.port || 8472}`, `MAC ${m.vxlan.mac || "?"}`]);
    }
    const hx = W - X0 - devW;
    if (m.hostIf) {
      // Pods' packets reach the node's interface straight from the
      // routing step only without VXLAN (host-gw); with it, through
      // flannel.1 (the wire below).
      wire(m.vxlan ? `nm:${m.node}:hostif-direct` : hostIfId(m.node), hx + devW / 2, yBr + 40, hx + devW / 2, yDev);
      box(hostIfId(m.node), "nodeif", hx, yDev, devW, 56, [`${m.hostIf.name} (node) ${m.hostIf.addrs.join(" ")}`, `MAC ${m.hostIf.mac || "?"}, MTU ${m.hostIf.mtu || "?"}`]);
      if (m.vxlan) wire(vxlanId(m.node), X0 + devW, yDev + 28, hx, yDev + 28);
    }

    // Routes to the other nodes, each to a peer box.
    otherRoutes.forEach((r, i) => {
      const x = X0 + i * (PW + GAP);
      const peer = nodesByCIDR(r.dst);
      const fromX = m.vxlan && r.dev === m.vxlan.name ? X0 + devW / 2 : hx + devW / 2;
      const id = routeId(m.node, r);
      svg.append(S("path", { class: "wire", "data-hop": id, d: `M${fromX},${yDev + 56} C${fromX},${yPeer - 20} ${x + PW / 2},${yDev + 76} ${x + PW / 2},${yPeer}` }));
      box(id, "peer", x, yPeer, PW, 64, [peer ? `→ ${peer}` : "→ route", `${r.dst}`, `via ${r.gw || "(direct)"} dev ${r.dev}${r.onlink ? " onlink" : ""}`]);
    });
    if (!otherRoutes.length) svg.append(S("text", { class: "small", x: X0, y: yPeer + 20 }, "no routes to other nodes' pod CIDRs"));
    return svg;
  }

  // highlight marks the hops' elements in the drawings under root.
  function highlight(root, hops) {
    for (const e of root.querySelectorAll(".hop")) e.classList.remove("hop");
    for (const h of hops) {
      for (const e of root.querySelectorAll(`[data-hop="${CSS.escape(h.id)}"]`)) {
        if (e.tagName === "g") { const r = e.querySelector("rect"); if (r) r.classList.add("hop"); } else e.classList.add("hop");
      }
    }
  }

  return { model, draw, path, highlight, routeGet, inCIDR };
})();

// NetPage: the network map page, #/network/NODE. Netinfo is fetched when
// the page opens and again when a pod on a shown node changes (a watch
// event), not on a timer.
const NetPage = (() => {
  const netinfo = new Map(); // node -> { model, error, at }
  const inflight = new Map();
  let from = "", to = "";
  let lastPodSig = "";
  let refreshTimer = null;

  function fetchNode(node) {
    if (inflight.has(node)) return inflight.get(node);
    const p = API.get("/api/v1/nodes/" + encodeURIComponent(node) + "/proxy/netinfo")
      .then((raw) => netinfo.set(node, { model: NetMap.model(raw, node), at: Date.now() }))
      .catch((e) => netinfo.set(node, { error: e.message || String(e), at: Date.now() }))
      .finally(() => { inflight.delete(node); queueDraw(); });
    inflight.set(node, p);
    return p;
  }

  function podSig() {
    return stores.pods.list().map((p) => Store.key(p) + "@" + (p.spec.nodeName || "") + "=" + ((p.status && p.status.podIP) || "") + (p.metadata.deletionTimestamp ? "x" : "")).join(",");
  }

  function shownNodes(args) {
    const set = new Set();
    if (args[0]) set.add(args[0]);
    for (const e of [from, to]) {
      const p = stores.pods.items.get(e);
      if (p && p.spec.nodeName) set.add(p.spec.nodeName);
    }
    return [...set];
  }

  function onPods() {
    const sig = podSig();
    if (sig === lastPodSig) return;
    lastPodSig = sig;
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => { for (const n of shownNodes(current ? current.args : [])) fetchNode(n); }, 400);
  }

  function enter() { stores.pods.subs.add(onPods); lastPodSig = ""; }
  function leave() { stores.pods.subs.delete(onPods); clearTimeout(refreshTimer); }

  function cidrOwner(cidr) {
    for (const n of stores.nodes.list()) if (n.spec.podCIDR === cidr) return n.metadata.name;
    return "";
  }

  function draw(args) {
    const nodes = stores.nodes.list().map((n) => n.metadata.name);
    let node = args[0];
    if (!node && nodes.length) { location.replace("#/network/" + encodeURIComponent(nodes[0])); return [el("div", { class: "empty" }, "Loading…")]; }
    if (!node) return [el("h1", null, "Network map"), el("div", { class: "empty" }, stores.nodes.synced ? "No nodes." : "Loading…")];
    const out = [el("h1", null, "Network map")];
    const sel = el("select", { id: "net-node", onchange: (e) => { location.hash = "#/network/" + encodeURIComponent(e.target.value); } },
      nodes.map((n) => el("option", { value: n, selected: n === node }, n)));
    const pods = stores.pods.list().filter((p) => p.status && p.status.podIP && p.spec.nodeName && !(p.spec.hostNetwork));
    const podSel = (id, v, set) => el("select", { id, onchange: (e) => { set(e.target.value); queueDraw(); } },
      el("option", { value: "" }, "—"), pods.map((p) => el("option", { value: Store.key(p), selected: Store.key(p) === v }, `${Store.key(p)} (${p.status.podIP}, ${p.spec.nodeName})`)));
    out.push(el("div", { class: "toolbar" }, "Node ", sel, " Trace from ", podSel("trace-from", from, (v) => { from = v; }), " to ", podSel("trace-to", to, (v) => { to = v; })));

    const want = shownNodes(args);
    for (const n of want) if (!netinfo.has(n)) fetchNode(n);
    const models = {};
    const maps = [];
    for (const n of want) {
      const ni = netinfo.get(n);
      if (!ni) { maps.push(el("div", { class: "empty" }, `Reading ${n}'s netinfo…`)); continue; }
      if (ni.error) { maps.push(el("div", { class: "err", id: "net-error-" + n }, `GET /api/v1/nodes/${n}/proxy/netinfo: ${ni.error}`)); continue; }
      models[n] = ni.model;
      const d = el("div", { class: "netmap", id: "netmap-" + n });
      d.append(NetMap.draw(ni.model, cidrOwner));
      maps.push(d);
    }
    let hopsList = null;
    if (from && to) {
      const a = stores.pods.items.get(from), b = stores.pods.items.get(to);
      if (a && b) {
        const res = NetMap.path(models, { node: a.spec.nodeName, namespace: a.metadata.namespace, name: a.metadata.name }, { node: b.spec.nodeName, namespace: b.metadata.namespace, name: b.metadata.name });
        hopsList = el("div", null, el("h2", null, `Path ${from} → ${to}`),
          el("ol", { class: "path", id: "trace-path" }, res.hops.map((h) => el("li", { "data-hop": h.id }, h.text))),
          res.error ? el("div", { class: "err" }, res.error) : null);
        queueMicrotask(() => NetMap.highlight(document.getElementById("main"), res.hops));
      }
    }
    out.push(...maps);
    if (hopsList) out.push(hopsList);
    return out;
  }

  return { draw, enter, leave, fetchNode };
})();
