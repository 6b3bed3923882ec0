// chart.js: the HPA page's plot, as SVG: replicas (current and desired)
// on the left axis, CPU utilization and its target on the right, over the
// time since the page opened.
"use strict";

const Chart = (() => {
  const NS = "http://www.w3.org/2000/svg";
  function s(tag, attrs, text) {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v != null) e.setAttribute(k, v);
    if (text != null) e.textContent = text;
    return e;
  }

  function hpa(samples, h) {
    const W = 760, H = 300, L = 50, R = 60, T = 16, B = 36;
    const svg = s("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}`, id: "hpa-chart", "data-samples": samples.length });
    const wrap = document.createElement("div");
    wrap.className = "chart";
    const legend = document.createElement("div");
    legend.className = "legend";
    for (const [c, t] of [["l-replicas", "current replicas"], ["l-desired", "desired replicas"], ["l-util", "CPU utilization %"], ["l-target", "target %"]]) {
      const sp = document.createElement("span");
      const i = document.createElement("i");
      i.className = c;
      sp.append(i, t);
      legend.append(sp);
    }
    wrap.append(legend, svg);
    if (!samples.length) {
      svg.append(s("text", { x: L, y: H / 2 }, "No samples yet: the chart fills as watch events arrive."));
      return wrap;
    }
    // A last point at "now" so a steady state draws as a line.
    const pts = samples.concat([Object.assign({}, samples[samples.length - 1], { t: Date.now() })]);
    const t0 = pts[0].t, t1 = Math.max(pts[pts.length - 1].t, t0 + 60000);
    const maxR = Math.max(h.spec.maxReplicas || 1, ...pts.map((p) => Math.max(p.replicas, p.desired)), 1);
    const maxU = Math.max(100, ...pts.map((p) => Math.max(p.util || 0, p.target || 0))) * 1.1;
    const x = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - R);
    const yR = (v) => H - B - (v / maxR) * (H - T - B);
    const yU = (v) => H - B - (v / maxU) * (H - T - B);

    for (let r = 0; r <= maxR; r += Math.max(1, Math.ceil(maxR / 8))) {
      svg.append(s("line", { class: "grid", x1: L, x2: W - R, y1: yR(r), y2: yR(r) }));
      svg.append(s("text", { class: "small", x: L - 8, y: yR(r) + 4, "text-anchor": "end" }, r));
    }
    for (let u = 0; u <= maxU; u += 50) svg.append(s("text", { class: "small", x: W - R + 8, y: yU(u) + 4 }, u + "%"));
    svg.append(s("line", { class: "axis", x1: L, x2: L, y1: T, y2: H - B }));
    svg.append(s("line", { class: "axis", x1: W - R, x2: W - R, y1: T, y2: H - B }));
    svg.append(s("line", { class: "axis", x1: L, x2: W - R, y1: H - B, y2: H - B }));
    const span = (t1 - t0) / 1000;
    for (let i = 0; i <= 4; i++) {
      const t = t0 + ((t1 - t0) * i) / 4;
      svg.append(s("text", { class: "small", x: x(t), y: H - B + 16, "text-anchor": "middle" }, "+" + Math.round((span * i) / 4) + "s"));
    }
    svg.append(s("text", { class: "small", x: L, y: H - 4 }, "replicas (left), utilization % (right), seconds since the page opened"));

    const step = (key, y) => {
      let d = "";
      let prev = null;
      for (const p of pts) {
        const v = p[key];
        if (v == null) { prev = null; continue; }
        if (prev == null) d += `M${x(p.t).toFixed(1)},${y(v).toFixed(1)}`;
        else d += `H${x(p.t).toFixed(1)}V${y(v).toFixed(1)}`;
        prev = v;
      }
      return d;
    };
    svg.append(s("path", { class: "series-target", d: step("target", yU) }));
    svg.append(s("path", { class: "series-util", d: step("util", yU), id: "hpa-series-util" }));
    svg.append(s("path", { class: "series-desired", d: step("desired", yR) }));
    svg.append(s("path", { class: "series-replicas", d: step("replicas", yR), id: "hpa-series-replicas" }));
    return wrap;
  }

  return { hpa, svgEl: s };
})();
