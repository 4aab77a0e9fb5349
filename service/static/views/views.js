/* The views of a saved question's answer: reads #view's data-src (crisiskg.service.views) and draws
   it with the bundled libraries (Leaflet for the map, d3 for the rest). The page already shows the
   answer as a table: this only adds a drawing. When done, #view gets data-drawn="true" and
   window.crisiskgView holds what was drawn. */
(function () {
  "use strict";
  const el = document.getElementById("view");
  if (!el) return;
  const DAY = 86400000;

  function escape(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
  }
  function day(iso) { return new Date(iso + "T00:00:00Z"); }
  function fail(message) {
    el.replaceChildren();
    const p = document.createElement("p");
    p.className = "view-error";
    p.textContent = message;
    el.appendChild(p);
  }
  function done(state) {
    window.crisiskgView = state;
    document.querySelectorAll("figure.view").forEach((f) => { f.hidden = true; });  // the server's drawing
    el.dataset.drawn = "true";
  }

  // ---------------------------------------------------------------- map: Leaflet over Natural Earth outlines
  function drawMap(data) {
    el.replaceChildren();
    const map = L.map(el, {zoomSnap: 0.25, minZoom: 2, maxZoom: 12, attributionControl: true});  // no tiles: the clusters need maxZoom
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution("Outlines: Natural Earth (world-atlas)");
    return fetch(el.dataset.basemap).then((r) => r.json()).then((world) => {
      const countries = topojson.feature(world, world.objects.countries);
      const byName = {};
      countries.features.forEach((f) => { byName[f.properties.name] = f; });
      L.geoJSON(countries, {
        style: () => ({color: "#7b8794", weight: 1, fillColor: "#f3efe6", fillOpacity: 1}),
        onEachFeature: (f, layer) => layer.bindTooltip(f.properties.name, {sticky: true, className: "view-country"}),
        interactive: true,
      }).addTo(map);
      const group = L.markerClusterGroup({maxClusterRadius: 36, showCoverageOnHover: false});
      const markers = data.points.map((p) => {
        const m = L.marker([p.lat, p.lon], {
          icon: L.divIcon({className: "view-pin", iconSize: [14, 14], iconAnchor: [7, 7]}),
          title: p.label, alt: p.label, keyboard: true,
        });
        m.bindTooltip(escape(p.label), {permanent: true, direction: "right", offset: [8, 0], className: "view-label"});
        const events = p.events.map((e) => `<li><a href="${escape(e.href || e.iri)}">${escape(e.label)}</a>` +
                                            (e.date ? ` <span class="muted">${escape(e.date)}</span>` : "") + "</li>").join("");
        m.bindPopup(`<a href="${escape(p.href || p.iri)}"><strong>${escape(p.label)}</strong></a>` +
                    (events ? `<ul class="view-popup">${events}</ul>` : ""));
        m.options.crisiskg = p;
        group.addLayer(m);
        return m;
      });
      map.addLayer(group);
      if (markers.length) {
        map.fitBounds(L.latLngBounds(data.points.map((p) => [p.lat, p.lon])), {padding: [40, 40], maxZoom: 6});  // a lone point keeps its country in view
      } else {
        map.setView([30, 50], 4);
      }
      done({view: "map", data, map, group, markers, countries: byName});
    });
  }

  // ---------------------------------------------------------------- time views: d3 time scale with zoom
  function timeFrame(data, height) {
    const width = Math.max(el.clientWidth, 480);
    const margin = {top: 12, right: 24, bottom: 28, left: 24};
    el.replaceChildren();
    const bar = document.createElement("div");
    bar.className = "view-tools";
    bar.innerHTML = '<button type="button" data-range="focus">Crisis days</button> <button type="button" data-range="extent">All dates</button>' +
                    ' <span class="muted">Scroll or pinch to zoom, drag to pan.</span>';
    el.appendChild(bar);
    const svg = d3.select(el).append("svg").attr("class", "view-svg").attr("viewBox", `0 0 ${width} ${height}`)
      .attr("width", width).attr("height", height).attr("role", "img");
    const x0 = d3.scaleUtc().range([margin.left, width - margin.right]);
    const domainOf = (which) => {
      const r = data[which] || data.extent;
      return [day(r[0]), new Date(day(r[1]).getTime() + DAY)];
    };
    x0.domain(domainOf("focus"));
    svg.append("defs").append("clipPath").attr("id", "view-clip").append("rect")
      .attr("x", margin.left).attr("y", 0).attr("width", width - margin.left - margin.right).attr("height", height);
    return {svg, x0, width, height, margin, bar, domainOf};
  }

  function zoomable(frame, redraw) {
    const {svg, x0, width, margin, bar, domainOf} = frame;
    let x = x0.copy();
    const zoom = d3.zoom().scaleExtent([0.005, 200])
      .extent([[margin.left, 0], [width - margin.right, frame.height]])
      .on("zoom", (ev) => { x = ev.transform.rescaleX(x0); redraw(x); });
    svg.call(zoom);
    bar.querySelectorAll("button").forEach((b) => b.addEventListener("click", () => {
      const [a, z] = domainOf(b.dataset.range);
      const k = (x0.range()[1] - x0.range()[0]) / (x0(z) - x0(a));
      svg.call(zoom.transform, d3.zoomIdentity.translate(x0.range()[0] - k * x0(a), 0).scale(k));
    }));
    redraw(x);
    return () => x;
  }

  // The ticks of a time axis: whole days at least (the labels name days), never more than the days
  // the domain spans, and at most one per 90 px; a tick at the domain's end (the boundary after its
  // last day) is left out, so the crisis days show one tick per day.
  function dayTicks(x, width) {
    const [a, b] = x.domain();
    const most = Math.max(1, Math.min(Math.max(4, Math.floor(width / 90)), Math.floor((b - a) / DAY)));
    return x.ticks(most).filter((d) => d % DAY === 0 && d < b);
  }

  function axis(g, x, y, width) {
    g.attr("transform", `translate(0,${y})`)
      .call(d3.axisBottom(x).tickValues(dayTicks(x, width)).tickFormat(d3.utcFormat("%-d %b %Y")));
    g.selectAll(".tick").attr("data-date", (d) => d.toISOString().slice(0, 10));
  }

  function drawTimeline(data) {
    const rowH = 20, most = 60;
    const events = data.events;
    const frame = timeFrame(data, 80 + rowH * Math.min(events.length, most));
    const {svg, width, margin} = frame;
    const plot = svg.append("g").attr("clip-path", "url(#view-clip)");
    const axisG = svg.append("g").attr("class", "view-axis");
    const items = plot.selectAll("a").data(events).join("a").attr("href", (e) => e.href || e.iri)
      .attr("class", (e) => "view-event " + (e.span ? "view-span" : "view-day"))
      .attr("data-earliest", (e) => e.earliest).attr("data-latest", (e) => e.latest);
    items.append("title").text((e) => `${e.label} — ${e.date}${e.span ? ` (some day from ${e.earliest} to ${e.latest})` : ""}` +
                                      (e.kind ? ` — ${e.kind}` : ""));
    items.append("rect").attr("height", 12);
    items.append("text").attr("class", "view-label").text((e) => e.label + (e.span ? ` (${e.date})` : ""));
    const left = margin.left, right = width - margin.right;
    const redraw = (x) => {
      const rows = [];  // the right end of what each row holds so far
      items.each(function (e) {
        const mid = x(new Date(day(e.earliest).getTime() + DAY / 2));
        const a = e.span ? x(day(e.earliest)) : mid - 6;
        const b = e.span ? x(new Date(day(e.latest).getTime() + DAY)) : mid + 6;
        const tw = this.querySelector("text").getComputedTextLength();
        // the label after the marker, else before it, else inside the visible part of a long span
        let tx = b + 4, anchor = "start";
        if (tx + tw > right) {
          if (a - 4 - tw >= left) { tx = a - 4; anchor = "end"; } else { tx = Math.max(a, left) + 4; }
        }
        const start = Math.min(a, anchor === "end" ? tx - tw : tx), end = Math.max(b, anchor === "end" ? tx : tx + tw);
        let row = rows.findIndex((r) => r + 6 <= start);
        if (row < 0) row = rows.length < most ? rows.length : rows.indexOf(Math.min(...rows));
        rows[row] = end;
        const y = margin.top + row * rowH;
        const node = d3.select(this);
        node.select("rect").attr("x", a).attr("y", y).attr("width", Math.max(b - a, 2)).attr("rx", e.span ? 3 : 6);
        node.select("text").attr("x", tx).attr("y", y + 10).attr("text-anchor", anchor);
      });
      const height = margin.top + rows.length * rowH + 8 + margin.bottom;
      svg.attr("viewBox", `0 0 ${width} ${height}`).attr("height", height);
      svg.select("#view-clip rect").attr("height", height);
      axis(axisG, x, height - margin.bottom, width);
    };
    const current = zoomable(frame, redraw);
    done({view: "timeline", data, svg: svg.node(), x: current});
  }

  function drawCurve(data) {
    const events = data.events;
    const frame = timeFrame(data, 380);
    const {svg, width, height, margin} = frame;
    const y = d3.scaleLinear().domain([-10, 10]).range([height - margin.bottom - 8, margin.top + 8]);
    svg.append("g").attr("class", "view-axis view-y").attr("transform", `translate(${width - margin.right},0)`)
      .call(d3.axisLeft(y).ticks(5).tickSize(width - margin.left - margin.right));
    svg.append("text").attr("class", "view-note").attr("x", margin.left + 4).attr("y", margin.top + 4).text("Goldstein score (+10 cooperation, −10 conflict)");
    const plot = svg.append("g").attr("clip-path", "url(#view-clip)");
    const mid = (e) => new Date((day(e.earliest).getTime() + day(e.latest).getTime() + DAY) / 2);
    const line = plot.append("path").attr("class", "view-line");
    const spans = plot.selectAll("line.view-range").data(events.filter((e) => e.span)).join("line").attr("class", "view-range");
    const dots = plot.selectAll("a").data(events).join("a").attr("href", (e) => e.href || e.iri).attr("class", "view-point");
    dots.append("title").text((e) => `${e.label} — ${e.date} — ${e.kind} — Goldstein ${e.goldstein}`);
    dots.append("circle").attr("r", 5);
    const axisG = svg.append("g").attr("class", "view-axis");
    const redraw = (x) => {
      line.attr("d", d3.line().x((e) => x(mid(e))).y((e) => y(e.goldstein)).curve(d3.curveLinear)(events));
      spans.attr("x1", (e) => x(day(e.earliest))).attr("x2", (e) => x(new Date(day(e.latest).getTime() + DAY)))
        .attr("y1", (e) => y(e.goldstein)).attr("y2", (e) => y(e.goldstein));
      dots.select("circle").attr("cx", (e) => x(mid(e))).attr("cy", (e) => y(e.goldstein))
        .attr("class", (e) => e.goldstein < 0 ? "conflict" : "cooperation");
      axis(axisG, x, height - margin.bottom, width);
    };
    const current = zoomable(frame, redraw);
    done({view: "curve", data, svg: svg.node(), x: current});
  }

  // ---------------------------------------------------------------- bars for the numeric columns
  function drawChart(data) {
    el.replaceChildren();
    const groups = data.groups, series = data.series;
    const width = Math.max(el.clientWidth, 480);
    const inner = d3.scaleBand().domain(series).paddingInner(0.1);
    const rowH = Math.max(22, series.length * 8 + 8);
    const margin = {top: 28, right: 40, bottom: 28, left: Math.min(360, width / 3)};
    const height = margin.top + margin.bottom + rowH * groups.length;
    const svg = d3.select(el).append("svg").attr("class", "view-svg").attr("viewBox", `0 0 ${width} ${height}`).attr("width", width).attr("height", height);
    const y = d3.scaleBand().domain(groups.map((g, i) => i)).range([margin.top, height - margin.bottom]).padding(0.2);
    inner.range([0, y.bandwidth()]);
    const max = d3.max(groups, (g) => d3.max(series, (s) => g.values[s] || 0)) || 1;
    const x = d3.scaleLinear().domain([0, max]).nice().range([margin.left, width - margin.right]);
    const colour = d3.scaleOrdinal(series, d3.schemeTableau10);
    svg.append("g").attr("class", "view-axis").attr("transform", `translate(0,${height - margin.bottom})`)
      .call(d3.axisBottom(x).ticks(Math.min(10, max)).tickFormat(d3.format("~d")));
    const yAxis = svg.append("g").attr("class", "view-axis view-categories").attr("transform", `translate(${margin.left},0)`)
      .call(d3.axisLeft(y).tickFormat((i) => groups[i].label.length > 50 ? groups[i].label.slice(0, 49) + "…" : groups[i].label));
    yAxis.selectAll(".tick").append("title").text((i) => groups[i].label);
    const rows = svg.append("g").selectAll("g").data(groups).join("g").attr("transform", (g, i) => `translate(0,${y(i)})`);
    const bars = rows.selectAll("rect").data((g) => series.filter((s) => g.values[s] !== undefined).map((s) => ({g, s, v: g.values[s]})))
      .join("rect").attr("class", "view-bar").attr("x", x(0)).attr("y", (d) => inner(d.s)).attr("height", inner.bandwidth())
      .attr("width", (d) => x(d.v) - x(0)).attr("fill", (d) => colour(d.s));
    bars.append("title").text((d) => `${d.g.label}: ${d.s} ${d.v}`);
    const legend = svg.append("g").attr("class", "view-legend").selectAll("g").data(series).join("g")
      .attr("transform", (s, i) => `translate(${margin.left + i * 110},8)`);
    legend.append("rect").attr("width", 12).attr("height", 12).attr("fill", colour);
    legend.append("text").attr("x", 16).attr("y", 10).text((s) => s);
    done({view: "chart", data, svg: svg.node()});
  }

  // ---------------------------------------------------------------- the event graph: force layout
  // A busy graph (more than LABELLED links) shows its links' labels on demand, not all at once
  // (they pile up around the event): those of the node under the pointer or focus, or all of them
  // once zoomed in to READABLE; the rest of the graph is dimmed meanwhile.
  const LABELLED = 12, READABLE = 1.6;
  function drawGraph(data) {
    el.replaceChildren();
    const busy = data.edges.length > LABELLED;
    if (busy) {
      const bar = document.createElement("div");
      bar.className = "view-tools";
      bar.innerHTML = '<span class="muted">Point at a node (or tab to it) for its links; zoom in to read every label. Scroll or pinch to zoom, drag to pan.</span>';
      el.appendChild(bar);
    }
    const width = Math.max(el.clientWidth, 480), height = 640;
    const nodes = data.nodes.map((n) => Object.assign({}, n));
    const links = data.edges.map((e) => Object.assign({}, e));
    const sim = d3.forceSimulation(nodes)
      .force("link", d3.forceLink(links).id((n) => n.id).distance(170))
      .force("charge", d3.forceManyBody().strength(-1100))
      .force("center", d3.forceCenter(width / 2, height / 2))
      .force("collide", d3.forceCollide(46)).stop();
    for (let i = 0; i < 400; i += 1) sim.tick();
    const svg = d3.select(el).append("svg").attr("class", "view-svg" + (busy ? " view-busy" : "")).attr("viewBox", `0 0 ${width} ${height}`)
      .attr("width", width).attr("height", height);
    const world = svg.append("g");
    const zoom = d3.zoom().scaleExtent([0.2, 6]).on("zoom", (ev) => {
      world.attr("transform", ev.transform);
      svg.classed("view-readable", ev.transform.k >= READABLE);
    });
    svg.call(zoom);
    const edge = world.append("g").selectAll("g").data(links).join("g").attr("class", "view-edge");
    edge.append("title").text((l) => `${l.source.label} — ${l.label} — ${l.target.label}`);
    edge.append("line").attr("x1", (l) => l.source.x).attr("y1", (l) => l.source.y).attr("x2", (l) => l.target.x).attr("y2", (l) => l.target.y);
    edge.append("text").attr("x", (l) => (l.source.x + l.target.x) / 2).attr("y", (l) => (l.source.y + l.target.y) / 2).text((l) => l.label);
    const colour = d3.scaleOrdinal(d3.schemeTableau10);
    const node = world.append("g").selectAll("a").data(nodes).join("a").attr("class", "view-node").attr("href", (n) => n.href || n.id)
      .attr("transform", (n) => `translate(${n.x},${n.y})`);
    node.append("title").text((n) => `${n.label}${n.type ? " (" + n.type + ")" : ""}`);
    node.append("circle").attr("r", 9).attr("fill", (n) => colour(n.type));
    node.append("text").attr("x", 12).attr("y", 4).text((n) => n.label);
    const near = (n) => {  // the node n, its links and the nodes at their other ends marked; null: none
      svg.classed("view-focus", n !== null);
      edge.classed("view-near", (l) => n !== null && (l.source === n || l.target === n));
      node.classed("view-near", (m) => n !== null && (m === n || links.some((l) => (l.source === n && l.target === m) || (l.target === n && l.source === m))));
    };
    node.on("mouseenter focus", (ev, n) => near(n)).on("mouseleave blur", () => near(null));
    const xs = d3.extent(nodes, (n) => n.x), ys = d3.extent(nodes, (n) => n.y);
    if (nodes.length) {  // fitted, through the zoom behaviour, so that the first zoom or drag starts from here
      const k = Math.min(2, 0.9 / Math.max((xs[1] - xs[0] + 200) / width, (ys[1] - ys[0] + 60) / height));
      const t = d3.zoomIdentity.translate(width / 2, height / 2).scale(k).translate(-(xs[0] + xs[1]) / 2, -(ys[0] + ys[1]) / 2);
      svg.call(zoom.transform, t);
    }
    done({view: "graph", data, svg: svg.node()});
  }

  const draw = {map: drawMap, timeline: drawTimeline, curve: drawCurve, chart: drawChart, graph: drawGraph};
  fetch(el.dataset.src, {headers: {Accept: "application/json"}})
    .then((r) => r.json().then((body) => {
      if (!r.ok) throw new Error(body.error || r.statusText);
      return draw[el.dataset.view](body);
    }))
    .catch((err) => fail("The view could not be drawn: " + (err && err.message ? err.message : err) + ". The answer is in the table below."));
})();
