/* Embassy Crisis Atlas: the map page's side of the bridge.
 *
 * The page is built once, by Folium, for every dataset (viewer/web/page.html); it
 * calls Atlas.boot, Python then calls Atlas.load(config) once with the dataset's
 * places and arcs, and after that only Atlas.update(state).
 * Every text from the data is put into the page with textContent, never as HTML.
 * Markers are created here and addressed by our own place ids; Folium's layers are
 * reached through the registry the page boots with, never by their generated names.
 */
"use strict";

var Atlas = (function () {
  var reg = null;        // {map, places: {id: {marker, area}}, basemap, online}
  var config = null;     // {places: [...], categories: {...}, towns: [...], home}
  var placeInfo = {};    // id -> config entry
  var labels = {};       // id -> L.Tooltip
  var shown = {};        // id -> last applied {state, category, title, when}
  var townLayer = null;
  var bridge = null;
  var readyQueue = [];
  var lastSeq = -1;
  var autoPanned = false;
  var focusIds = [];
  var hiddenIds = {};
  var extras = { links: [], tracedLinks: [], hidden: [], traced: [] };
  var loaded = false;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function callBridge(name, arg) {
    if (bridge && typeof bridge[name] === "function") bridge[name](arg);
  }

  function popupFor(id) {
    var info = placeInfo[id];
    var now = shown[id] || {};
    var box = el("div", "atlas-popup");
    box.appendChild(el("div", "atlas-popup-title", info.name));
    if (now.title) box.appendChild(el("div", "atlas-popup-event", now.title));
    if (now.when) box.appendChild(el("div", "atlas-popup-when", now.when));
    if (info.area) {
      box.appendChild(el("div", "atlas-popup-note",
        "Location known to about " + Math.round(info.radius / 1000) + " km"));
    }
    var link = el("button", "atlas-popup-link", "Read the sources \u2192");
    link.type = "button";
    link.addEventListener("click", function (ev) {
      ev.preventDefault();
      callBridge("openPlace", id);
    });
    box.appendChild(link);
    return box;
  }

  function onPlaceClick(id) {
    return function (ev) {
      callBridge("placeClicked", id);
      var refs = reg.places[id];
      refs.marker.unbindPopup();
      refs.marker.bindPopup(popupFor(id), { maxWidth: 260, closeButton: true, autoPan: false });
      refs.marker.openPopup();
      if (ev && ev.originalEvent) L.DomEvent.stopPropagation(ev.originalEvent);
    };
  }

  function addLegend() {
    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var box = el("div", "atlas-legend leaflet-control");
      var title = el("button", "atlas-legend-title", "Legend \u25be");
      title.type = "button";
      title.title = "Show or hide the legend";
      title.addEventListener("click", function () {
        var collapsed = box.classList.toggle("collapsed");
        title.textContent = collapsed ? "Legend \u25b8" : "Legend \u25be";
      });
      box.appendChild(title);
      Object.keys(config.categories).forEach(function (key) {
        var cat = config.categories[key];
        var row = el("div", "atlas-legend-row");
        var swatch = el("span", "atlas-legend-swatch shape-" + cat.shape);
        swatch.style.setProperty("--cat-color", cat.color);
        row.appendChild(swatch);
        row.appendChild(el("span", null, cat.label));
        box.appendChild(row);
      });
      var area = el("div", "atlas-legend-row");
      area.appendChild(el("span", "atlas-legend-area"));
      area.appendChild(el("span", null, "Area: place known only roughly"));
      box.appendChild(area);
      var states = el("div", "atlas-legend-row atlas-legend-states",
        "Bright + pulse: now \u00b7 solid: earlier \u00b7 faint: not yet");
      box.appendChild(states);
      L.DomEvent.disableClickPropagation(box);
      return box;
    };
    legend.addTo(reg.map);
  }

  function addElsewhere() {
    var ctl = L.control({ position: "topleft" });
    ctl.onAdd = function () {
      var box = el("div", "atlas-elsewhere leaflet-control");
      box.id = "atlas-elsewhere";
      box.style.display = "none";
      L.DomEvent.disableClickPropagation(box);
      return box;
    };
    ctl.addTo(reg.map);
  }

  function addTowns() {
    townLayer = L.layerGroup();
    config.towns.forEach(function (town) {
      var dot = L.circleMarker([town.lat, town.lon], {
        radius: 2, color: "#6b6255", weight: 1, fillColor: "#6b6255", fillOpacity: 1,
        interactive: false, pane: "overlayPane"
      });
      dot.bindTooltip(el("span", null, town.name), {
        permanent: true, direction: "right", className: "atlas-town-label", offset: [3, 0],
        interactive: false
      });
      dot._atlasRank = town.rank;
      townLayer.addLayer(dot);
    });
    townLayer.addTo(reg.map);
  }

  /* Towns give context; they never cover the places of the story. Smaller rank =
   * more important; more towns appear as the reader zooms in. */
  function refreshTowns(placed) {
    if (!townLayer) return;
    var zoom = reg.map.getZoom();
    var maxRank = zoom <= 5 ? 1 : zoom <= 6 ? 3 : zoom <= 7 ? 5 : zoom <= 8 ? 7 : 99;
    var dots = townLayer.getLayers().slice().sort(function (a, b) { return a._atlasRank - b._atlasRank; });
    dots.forEach(function (dot) {
      var visible = dot._atlasRank <= maxRank;
      var node = dot.getElement();
      if (node) node.style.display = visible ? "" : "none";
      var tip = dot.getTooltip();
      var tipNode = tip && tip.getElement();
      if (!tipNode) return;
      tipNode.style.display = visible ? "" : "none";
      if (!visible) return;
      var rect = tipNode.getBoundingClientRect();
      if (placed.some(function (r) { return overlaps(r, rect); })) { tipNode.style.display = "none"; return; }
      placed.push(rect);
    });
  }

  function labelPriority(id) {
    var state = (shown[id] || {}).state || "future";
    return (focusIds.indexOf(id) >= 0 ? 0 : 10) + (state === "current" ? 0 : state === "past" ? 1 : 2);
  }

  function overlaps(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }

  /* Show the labels that matter most and never let two overlap: current places
   * (the focused event's first) win; others appear as the reader zooms in. */
  function refreshLabels() {
    var zoom = reg.map.getZoom();
    var ids = Object.keys(labels).sort(function (a, b) { return labelPriority(a) - labelPriority(b); });
    var placed = [];
    ids.forEach(function (id) {
      var node = labels[id].getElement();
      if (!node) return;
      var state = (shown[id] || {}).state || "future";
      var wanted = !hiddenIds[id] && (state !== "future" || zoom >= 8);
      node.classList.toggle("current", state === "current");
      if (!wanted) { node.style.display = "none"; return; }
      node.style.display = "";
      var rect = node.getBoundingClientRect();
      var clash = placed.some(function (r) { return overlaps(r, rect); });
      if (clash) { node.style.display = "none"; return; }
      placed.push(rect);
    });
    // Markers themselves are obstacles for town labels too.
    Object.keys(reg.places).forEach(function (id) {
      var m = markerNode(id);
      if (m && !hiddenIds[id]) placed.push(m.getBoundingClientRect());
    });
    refreshTowns(placed);
  }

  /* Cause-and-effect arcs: a curve from the cause's place to the effect's, with an
   * arrowhead, drawn once the effect has happened; the link's type on hover. */
  var arcs = {};        // link id -> {line, head, info}
  var arcLayer = null;

  function curvePoints(a, b) {
    var map = reg.map;
    var pa = map.project(a, 6), pb = map.project(b, 6);
    var mx = (pa.x + pb.x) / 2, my = (pa.y + pb.y) / 2;
    var dx = pb.x - pa.x, dy = pb.y - pa.y;
    var bend = 0.22;
    var cx = mx - dy * bend, cy = my + dx * bend;   // control point off to one side
    var pts = [];
    for (var i = 0; i <= 24; i++) {
      var t = i / 24, u = 1 - t;
      var x = u * u * pa.x + 2 * u * t * cx + t * t * pb.x;
      var y = u * u * pa.y + 2 * u * t * cy + t * t * pb.y;
      pts.push(map.unproject(L.point(x, y), 6));
    }
    return pts;
  }

  function addArcs() {
    arcLayer = L.layerGroup().addTo(reg.map);
    (config.links || []).forEach(function (info) {
      // Arcs to far-away places (Washington) would cross the whole map: the
      // "elsewhere" box names those places instead.
      if (!inHome(L.latLng(info.from)) || !inHome(L.latLng(info.to))) return;
      var pts = curvePoints(L.latLng(info.from), L.latLng(info.to));
      var line = L.polyline(pts, { color: "#5b4a8a", weight: 2, opacity: 0.75, dashArray: "6 5",
                                   className: "atlas-arc" });
      // "A led to B", or "B was retaliation for / a response to A".
      var tip = el("div", "atlas-arc-tip");
      var ledTo = info.type === "led to";
      tip.appendChild(el("div", null, ledTo ? info.cause : info.effect));
      tip.appendChild(el("div", "atlas-arc-type", ledTo ? "led to" : "was " + (info.type === "response to" ? "a response to" : info.type)));
      tip.appendChild(el("div", null, ledTo ? info.effect : info.cause));
      line.bindTooltip(tip, { sticky: true, className: "atlas-arc-tooltip" });
      var end = pts[pts.length - 1], before = pts[pts.length - 3];
      var head = L.marker(end, {
        icon: L.divIcon({ className: "atlas-arrowhead", html: "<div></div>", iconSize: [14, 14], iconAnchor: [7, 7] }),
        interactive: false, keyboard: false
      });
      arcs[info.id] = { line: line, head: head, info: info, angle: bearingPx(before, end) };
    });
  }

  function bearingPx(a, b) {
    var pa = reg.map.project(a, 6), pb = reg.map.project(b, 6);
    return Math.atan2(pb.y - pa.y, pb.x - pa.x) * 180 / Math.PI;
  }

  function applyArcs(visible, traced) {
    var show = {};
    (visible || []).forEach(function (id) { show[id] = true; });
    var tracedSet = {};
    (traced || []).forEach(function (id) { tracedSet[id] = true; });
    var anyTrace = traced && traced.length > 0;
    Object.keys(arcs).forEach(function (id) {
      var arc = arcs[id];
      var on = !!show[id];
      if (on && !arcLayer.hasLayer(arc.line)) { arcLayer.addLayer(arc.line); arcLayer.addLayer(arc.head); }
      if (!on && arcLayer.hasLayer(arc.line)) { arcLayer.removeLayer(arc.line); arcLayer.removeLayer(arc.head); }
      if (!on) return;
      var inTrace = !!tracedSet[id];
      arc.line.setStyle(inTrace
        ? { color: "#c2410c", weight: 4, opacity: 0.95, dashArray: null }
        : { color: "#5b4a8a", weight: 2, opacity: anyTrace ? 0.25 : 0.75, dashArray: "6 5" });
      var node = arc.head.getElement();
      if (node) {
        node.firstChild.style.transform = "rotate(" + arc.angle + "deg)";
        node.classList.toggle("traced", inTrace);
        node.style.opacity = inTrace || !anyTrace ? "1" : "0.3";
      }
    });
  }

  /* A place's marker (a styled div: its shape and colour come from atlas.css) and, for
   * a place known only roughly, the circle of its uncertainty. */
  function createPlace(info) {
    var marker = L.marker([info.lat, info.lon], {
      icon: L.divIcon({ className: "atlas-marker", html: '<div class="atlas-shape"></div>',
                        iconSize: [22, 22], iconAnchor: [11, 11] })
    }).addTo(reg.map);
    var area = null;
    if (info.area) {
      area = L.circle([info.lat, info.lon], {
        radius: info.radius, weight: 1, color: "#7a6f5c", fill: true, fillOpacity: 0.08,
        dashArray: "3 4", interactive: true
      }).addTo(reg.map);
    }
    return { marker: marker, area: area };
  }

  /* --offline: the page offers no online tile layers at all. */
  function withdrawOnline() {
    Object.keys(reg.online).forEach(function (k) { reg.map.removeLayer(reg.online[k]); });
    if (reg.control) reg.map.removeControl(reg.control);
    reg.online = {};
  }

  function markerNode(id) {
    var refs = reg.places[id];
    return refs && refs.marker.getElement();
  }

  function applyPlace(id, s) {
    var refs = reg.places[id];
    if (!refs) return;
    var prev = shown[id] || {};
    shown[id] = s;
    var node = refs.marker.getElement();
    var cat = config.categories[s.category] || null;
    if (node) {
      node.classList.remove("state-current", "state-past", "state-future");
      node.classList.add("state-" + s.state);
      Object.keys(config.categories).forEach(function (key) {
        node.classList.remove("shape-" + config.categories[key].shape);
      });
      node.classList.add("shape-" + (cat ? cat.shape : "dot"));
      node.style.setProperty("--cat-color", cat ? cat.color : "#777");
      node.setAttribute("data-state", s.state);
      node.classList.toggle("disputed", !!s.disputed);
    }
    if (refs.area && (prev.state !== s.state || prev.category !== s.category)) {
      var color = cat ? cat.color : "#7a6f5c";
      refs.area.setStyle(s.state === "current"
        ? { color: color, weight: 2, fillColor: color, fillOpacity: 0.28, opacity: 0.95 }
        : s.state === "past"
          ? { color: color, weight: 1, fillColor: color, fillOpacity: 0.10, opacity: 0.55 }
          : { color: "#8d8475", weight: 1, fillColor: "#8d8475", fillOpacity: 0.03, opacity: 0.25 });
      var areaNode = refs.area.getElement();
      if (areaNode) areaNode.classList.toggle("atlas-area-current", s.state === "current");
    }
    refs.marker.setZIndexOffset(s.state === "current" ? 1000 : s.state === "past" ? 100 : 0);
  }

  /* Places whose events are all filtered out are hidden; with a trace on, places
   * outside the chain fade. */
  function applyHidden(hidden, traced) {
    var h = {}, t = {};
    hidden.forEach(function (id) { h[id] = true; });
    traced.forEach(function (id) { t[id] = true; });
    var tracing = traced.length > 0;
    Object.keys(reg.places).forEach(function (id) {
      var refs = reg.places[id];
      var node = refs.marker.getElement();
      if (node) {
        node.classList.toggle("filtered-out", !!h[id]);
        node.classList.toggle("traced", !!t[id]);
        node.classList.toggle("untraced", tracing && !t[id]);
      }
      var label = labels[id] && labels[id].getElement();
      if (label) label.classList.toggle("filtered-out", !!h[id]);
      if (refs.area) {
        var a = refs.area.getElement();
        if (a) a.classList.toggle("filtered-out", !!h[id]);
      }
      hiddenIds[id] = !!h[id];
    });
  }

  function inHome(latlng) {
    return L.latLngBounds(config.home).pad(0.5).contains(latlng);
  }

  function bringIntoView(ids) {
    var map = reg.map;
    var view = map.getBounds();
    var near = [], far = [];
    ids.forEach(function (id) {
      var info = placeInfo[id];
      if (!info) return;
      var ll = L.latLng(info.lat, info.lon);
      (inHome(ll) ? near : far).push({ id: id, ll: ll });
    });
    // Far-away places (Washington, Fort Bragg) are named in a box rather than
    // yanking the map across the world.
    var box = document.getElementById("atlas-elsewhere");
    if (box) {
      box.textContent = "";
      if (far.length) {
        box.appendChild(el("div", "atlas-elsewhere-title", "Also now, elsewhere:"));
        far.forEach(function (f) {
          var row = el("button", "atlas-elsewhere-row", placeInfo[f.id].name);
          row.type = "button";
          row.addEventListener("click", function () { map.flyTo(f.ll, 6); callBridge("placeClicked", f.id); });
          box.appendChild(row);
        });
      }
      box.style.display = far.length ? "" : "none";
    }
    if (!near.length) return false;
    var anyVisible = near.some(function (n) { return view.contains(n.ll); });
    if (anyVisible) return false;
    // Off-screen: pan (keeping the reader's zoom) so the first current place shows.
    map.panTo(near[0].ll, { animate: false });
    autoPanned = true;
    return true;
  }

  /* Public API, called from Python with JSON arguments. */
  var api = {
    /* The page's own script calls this once (the page is the same for every dataset):
     * registry = Folium's layers by our names, boot = {home, towns}. */
    boot: function (registry, boot) {
      reg = registry;
      reg.places = {};
      config = { home: boot.home, towns: boot.towns || [], places: [], categories: {}, links: [] };
      reg.map.fitBounds(config.home);
      addTowns();
      addElsewhere();
      reg.map.on("zoomend", refreshLabels);
      reg.map.on("overlayadd overlayremove", api.onlineChanged);
      if (typeof QWebChannel !== "undefined" && typeof qt !== "undefined" && qt.webChannelTransport) {
        new QWebChannel(qt.webChannelTransport, function (channel) {
          bridge = channel.objects.atlasBridge;
          callBridge("pageReady", JSON.stringify({ booted: true }));
        });
      }
      document.documentElement.setAttribute("data-atlas-booted", "1");
    },

    /* Python calls this once the page is ready: the dataset's places, categories and
     * arcs (cfg = viewer.pageconfig.page_config). Markers are created here, by id. */
    load: function (cfg) {
      if (loaded) return false;
      loaded = true;
      config.places = cfg.places;
      config.categories = cfg.categories;
      config.links = cfg.links || [];
      config.title = cfg.title;
      if (cfg.online === false) withdrawOnline();
      config.places.forEach(function (p) { placeInfo[p.id] = p; });
      config.places.forEach(function (info) {
        var id = info.id;
        var refs = createPlace(info);
        reg.places[id] = refs;
        var label = el("span", "atlas-label-text", info.name);
        refs.marker.bindTooltip(label, {
          permanent: true, direction: "right", offset: [12, 0], className: "atlas-label", interactive: false
        });
        labels[id] = refs.marker.getTooltip();
        refs.marker.on("click", onPlaceClick(id));
        if (refs.area) refs.area.on("click", onPlaceClick(id));
        var node = refs.marker.getElement();
        if (node) {
          node.setAttribute("data-place", id);
          node.setAttribute("title", info.name);
          node.setAttribute("role", "button");
          node.setAttribute("aria-label", info.name);
        }
        applyPlace(id, { state: "future", category: null });
      });
      addArcs();
      addLegend();
      refreshLabels();
      document.documentElement.setAttribute("data-atlas-ready", "1");
      return JSON.stringify({ places: Object.keys(reg.places).length });
    },

    /* state: {seq, places: {id: {state, category, title, when}}, focus: [ids]} */
    update: function (state) {
      Object.keys(state.places).forEach(function (id) { applyPlace(id, state.places[id]); });
      focusIds = state.focus || [];
      // Python sends only what changed: remember the rest.
      ["links", "tracedLinks", "hidden", "traced"].forEach(function (key) {
        if (state[key] !== undefined) extras[key] = state[key];
      });
      if (state.links !== undefined || state.tracedLinks !== undefined) applyArcs(extras.links, extras.tracedLinks);
      if (state.hidden !== undefined || state.traced !== undefined) applyHidden(extras.hidden, extras.traced);
      var panned = bringIntoView(focusIds);
      refreshLabels();
      lastSeq = state.seq;
      return JSON.stringify({ seq: state.seq, panned: panned, current: api.placesIn("current") });
    },

    placesIn: function (state) {
      return Object.keys(shown).filter(function (id) { return shown[id].state === state; }).sort();
    },

    /* What the page shows, for tests and the self-test: JSON text. */
    query: function () {
      var out = { seq: lastSeq, zoom: reg.map.getZoom(), places: {}, links: {} };
      Object.keys(arcs).forEach(function (id) {
        out.links[id] = {
          shown: arcLayer.hasLayer(arcs[id].line),
          traced: arcLayer.hasLayer(arcs[id].line) && arcs[id].line.options.weight >= 4
        };
      });
      Object.keys(reg.places).forEach(function (id) {
        var node = markerNode(id);
        out.places[id] = {
          state: node ? node.getAttribute("data-state") : null,
          category: (shown[id] || {}).category || null,
          onScreen: reg.map.getBounds().contains(reg.places[id].marker.getLatLng()),
          label: labels[id] && labels[id].getElement() ? labels[id].getElement().textContent : null,
          hidden: node ? node.classList.contains("filtered-out") : null,
          traced: node ? node.classList.contains("traced") : null,
          disputed: node ? node.classList.contains("disputed") : null
        };
      });
      return JSON.stringify(out);
    },

    /* A real DOM click on a marker, as a reader's mouse would make. */
    clickMarker: function (id) {
      var node = markerNode(id);
      if (!node) return false;
      node.dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true, view: window }));
      return true;
    },

    onlineChanged: function () {
      // With an online layer on, the offline land fill would hide it: keep only the lines.
      var online = Object.keys(reg.online).some(function (k) { return reg.map.hasLayer(reg.online[k]); });
      Object.keys(reg.basemap).forEach(function (k) {
        var layer = reg.basemap[k];
        layer.eachLayer(function (f) {
          if (f.options.fill !== false && f.options._atlasFill === undefined) f.options._atlasFill = f.options.fillOpacity;
          if (f.options.fill !== false) f.setStyle({ fillOpacity: online ? 0 : f.options._atlasFill });
        });
      });
      return online;
    },

    /* Tell Python once the browser has painted what was applied (two frames later). */
    afterPaint: function (seq) {
      requestAnimationFrame(function () {
        requestAnimationFrame(function () { callBridge("painted", seq); });
      });
      return true;
    },

    view: function () {
      var c = reg.map.getCenter();
      return JSON.stringify({ lat: c.lat, lon: c.lng, zoom: reg.map.getZoom() });
    },

    setView: function (lat, lon, zoom) { reg.map.setView([lat, lon], zoom, { animate: false }); return true; },

    resetView: function () { reg.map.fitBounds(config.home); autoPanned = false; return true; },
    flyToPlace: function (id) {
      var info = placeInfo[id];
      if (!info) return false;
      reg.map.flyTo([info.lat, info.lon], Math.max(reg.map.getZoom(), 8), { duration: 0.6 });
      return true;
    }
  };
  return api;
})();
