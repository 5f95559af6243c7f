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
  var inFocus = Object.create(null);   // the same ids as keys (no inherited ones), for labels
  var hiddenIds = {};
  var extras = { hidden: [], traced: [] };
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
      if (!refs.marker) {   // a canvas-drawn place: a popup of the map's, where its marker is
        L.popup({ maxWidth: 260, closeButton: true, autoPan: false, offset: [0, 7] })
          .setLatLng(refs.dot.latlng).setContent(popupFor(id)).openOn(reg.map);
        if (ev && ev.originalEvent) L.DomEvent.stopPropagation(ev.originalEvent);
        return;
      }
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
        "Bright: now (a ring pulses as it starts) \u00b7 solid: earlier \u00b7 faint: not yet");
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

  /* Setting up the view. A page loaded before its window was shown (viewer.app loads
   * it while Python reads the data) has no size yet; everything that depends on the
   * view waits for one. Python hears {view: false} once the channel is up, so it can
   * send Atlas.load meanwhile (applied with the view), and {view: true} when the page
   * is ready for everything else. A page that has its size at boot says only the latter. */
  var viewUp = false;
  var bootSent = false;
  var readySent = false;
  var pendingLoad = null;    // Atlas.load's config, if it came before the view
  var pendingPreview = null; // Atlas.preview's state, likewise
  var firstPainted = false;  // the first state Python sent has been painted (afterPaint)

  /* Calls `then` once the page has its size. A page that opened in a shown window has
   * it at once. A preloaded page (0x0 while hidden) is first shown at a provisional size
   * (the view's before the window laid it out): it waits for the size Python reports
   * (Atlas.viewSize), or, failing that, half a second after its first size. */
  var expectedSize = null;   // [width, height] from Atlas.viewSize
  var checkSize = null;      // set while waiting

  function whenSized(then) {
    function sized() { return window.innerWidth > 0 && window.innerHeight > 0; }
    if (sized()) { then(); return; }
    var timer = null;
    var timedOut = false;
    checkSize = function () {
      if (!sized()) return;
      var expected = expectedSize &&
        window.innerWidth === expectedSize[0] && window.innerHeight === expectedSize[1];
      if (!expected && !timedOut) {
        if (!timer) timer = setTimeout(function () { timedOut = true; if (checkSize) checkSize(); }, 500);
        return;
      }
      if (timer) clearTimeout(timer);
      window.removeEventListener("resize", checkSize);
      checkSize = null;
      then();
    };
    window.addEventListener("resize", checkSize);
  }

  function reportReady() {
    if (!bridge || readySent) return;
    if (viewUp) {
      readySent = true;
      callBridge("pageReady", JSON.stringify({ booted: true, view: true }));
    } else if (!bootSent) {
      bootSent = true;
      callBridge("pageReady", JSON.stringify({ booted: true, view: false }));
    }
  }

  /* The home view, reached as on a page that opened at the current size: from the
   * map's first view (Folium's center and zoom), then fitted (Leaflet pans by whole
   * pixels, so the path there decides the last pixel). Not animated: the first frame
   * shows where the map is, and a resize meanwhile cannot meet a move half done. */
  function openView() {
    var map = reg.map;
    map.invalidateSize(false);
    map.setView(map.options.center, map.options.zoom, { reset: true });
    map.fitBounds(config.home, { animate: false });
  }

  function setUpView() {
    var map = reg.map;
    openView();
    addBasemap();
    addTowns();
    addElsewhere();
    map.on("zoomend", refreshLabels);
    map.on("overlayadd overlayremove", api.onlineChanged);
    map.on("moveend", addBasemapNear);
    window.addEventListener("resize", refitUntilPainted);
    document.documentElement.setAttribute("data-atlas-booted", "1");
  }

  /* Until the first state is painted the window is still settling (a preloaded page
   * sees a provisional size first): keep the home view, as a page that opened at its
   * final size would have it. */
  function refitUntilPainted() {
    if (firstPainted) return;
    openView();
    autoPanned = false;
    if (loaded) bringIntoView(focusIds);
  }

  /* The offline basemap (viewer.mapbuilder.basemap_layers): a JSON block in the page,
   * parsed and made into Leaflet layers at boot (before the page may have a size), and
   * drawn once the view is known, bottom layer first. Features with a bbox (the world
   * layer's polygons, in a pane of their own beneath the overlays, so the order they
   * are drawn in does not matter) go on the map once near the view: before the first
   * paint, those near the home view; after it, the rest, a slice at a time. Only those
   * likely to be near the first view are made at boot; the others when drawn. */
  var basemapGroups = [];   // bottom first: [layer, has parts drawn later]
  var basemapLater = [];    // {group, feature, bounds, part}: world polygons not on the map yet

  function readBasemap() {
    var node = document.getElementById("atlas-basemap");
    var specs = node ? JSON.parse(node.textContent).layers : [];
    var map = reg.map;
    var likely = L.latLngBounds(config.home).pad(1.5);
    specs.forEach(function (spec) {
      if (spec.pane && !map.getPane(spec.pane)) map.createPane(spec.pane).style.zIndex = 399;
      var layer = L.geoJSON(null, {
        style: spec.style, interactive: false, smoothFactor: 1.0, pane: spec.pane || "overlayPane"
      });
      var later = false;
      spec.features.forEach(function (f) {
        var b = f.bbox;
        if (!b) {
          layer.addData(f);
          return;
        }
        var bounds = L.latLngBounds([[b[1], b[0]], [b[3], b[2]]]);
        var part = likely.intersects(bounds) ? basemapPart(layer, f) : null;
        basemapLater.push({ group: layer, feature: f, bounds: bounds, part: part });
        later = true;
      });
      reg.basemap[spec.name] = layer;
      basemapGroups.push([layer, later]);
    });
  }

  /* One feature of `group` as its own layer, made as group.addData would make it. */
  function basemapPart(group, feature) {
    var part = L.GeoJSON.geometryToLayer(feature, group.options);
    part.feature = L.GeoJSON.asFeature(feature);
    part.defaultOptions = part.options;
    group.resetStyle(part);
    group.addLayer(part);
    return part;
  }

  function addBasemap() {
    basemapGroups.forEach(function (group) {
      if (!group[1]) group[0].addTo(reg.map);
    });
    addBasemapNear();
  }

  function onlineOn() {
    return Object.keys(reg.online).some(function (k) { return reg.map.hasLayer(reg.online[k]); });
  }

  /* Draws `item`'s polygon; true if it had to be made first (onlineChanged has not
   * styled it yet). */
  function drawBasemapPart(item) {
    var made = !item.part;
    if (made) item.part = basemapPart(item.group, item.feature);
    reg.map.addLayer(item.part);
    return made;
  }

  function addBasemapNear() {
    if (!basemapLater.length) return;
    var near = reg.map.getBounds().pad(0.5);
    var made = false;
    basemapLater = basemapLater.filter(function (item) {
      if (!near.intersects(item.bounds)) return true;
      made = drawBasemapPart(item) || made;
      return false;
    });
    if (made && onlineOn()) api.onlineChanged();
  }

  function addBasemapRest() {
    var map = reg.map;
    var start = performance.now();
    var made = false;
    while (basemapLater.length && performance.now() - start < 8) {
      made = drawBasemapPart(basemapLater.shift()) || made;
    }
    if (made && onlineOn()) api.onlineChanged();
    if (basemapLater.length) {
      setTimeout(addBasemapRest, 0);
      return;
    }
    basemapGroups.forEach(function (group) {  // every part is on: so is the layer
      if (group[1]) group[0].addTo(map);
    });
  }


  /* A town is a dot (an SVG circle among the overlays, above land and areas, below
   * the arcs, as ever) and its name: not a Leaflet tooltip, which reads its own size
   * whenever it is placed (at start, then on every zoom), a forced layout each, but
   * a zero-size marker whose label CSS places right of the dot, in a pane of its own
   * between the overlays and the place markers, never catching the mouse. Nothing
   * is read from the page but one batch of label sizes (see boxFor). */
  function addTowns() {
    var map = reg.map;
    if (!map.getPane("atlasTowns")) map.createPane("atlasTowns");
    townLayer = L.layerGroup();
    towns = [];
    config.towns.forEach(function (town) {
      var dot = L.circleMarker([town.lat, town.lon], {
        radius: 2, color: "#6b6255", weight: 1, fillColor: "#6b6255", fillOpacity: 1,
        interactive: false, pane: "overlayPane"
      });
      var label = el("span", "atlas-town-label", town.name);
      var name = L.marker([town.lat, town.lon], {
        icon: L.divIcon({ html: label, className: "atlas-town", iconSize: [0, 0], iconAnchor: [0, 0] }),
        pane: "atlasTowns", interactive: false, keyboard: false
      });
      dot._atlasRank = town.rank;
      townLayer.addLayer(dot);
      townLayer.addLayer(name);
      towns.push({ dot: dot, name: name, label: label, rank: town.rank, rankOn: null, box: null });
    });
    // Smaller rank first; the sort is stable, so equal ranks keep the file's order.
    towns.sort(function (a, b) { return a.rank - b.rank; });
    townLayer.addTo(map);
    // Leaflet places each permanent tooltip (the place labels made next) as it opens by
    // reading its size, and the page's set-up writes to every marker in between: a
    // whole layout per label (1.7 ms each with 300 places). With the map's panes
    // undisplayed, reads and writes there cost nothing; the first refreshLabels (or,
    // at the latest, the end of this script) shows them and places the labels again.
    // Nothing between here and there may read the layout of the map's panes.
    map.getPane("mapPane").style.display = "none";
    mapHidden = true;
    Promise.resolve().then(function () { if (mapHidden) refreshLabels(); });
  }

  /* Shows the panes undisplayed by addTowns and has Leaflet place again every
   * permanent tooltip opened meanwhile (placed as if it had no size). */
  function revealMap() {
    var map = reg.map;
    mapHidden = false;
    map.getPane("mapPane").style.display = "";
    map.eachLayer(function (layer) {
      var tip = layer.getTooltip && layer.getTooltip();
      if (tip && tip.options.permanent && layer.isTooltipOpen()) tip.setLatLng(tip.getLatLng());
    });
  }

  /* Label geometry without layout reads. Leaflet puts a permanent tooltip at its
   * anchor's layer point plus an offset that depends only on its own size, and sizes
   * change only with the text or the font weight (.current). So each label's box is
   * read from the page once (all of them in one batch: one layout), kept relative to
   * its anchor, and from then on a rect is arithmetic. Labels are hidden with
   * `visibility`, not `display`, so they keep their size and Leaflet keeps placing
   * them right while hidden. All rects are in layer points (unchanged by panning). */
  var labelBoxes = {};    // place id -> box (see boxFor)
  var towns = [];         // {dot, name (its marker), label, rank, rankOn, box}, by rank
  var mapHidden = false;  // the map's panes, undisplayed while the page is built

  /* The kept box of a label element placed at `latlng`: {node, latlng, text,
   * n: size, b: bold size, on, cur}, a size being {dx, dy, w, h} (its top-left
   * relative to the anchor's layer point, and its size). */
  function boxFor(store, key, node, latlng) {
    if (!node || !latlng) return null;
    var box = store[key];
    if (!box || box.node !== node) {
      box = store[key] = { node: node, latlng: null, text: null, n: null, b: null, on: null, cur: null };
    }
    box.latlng = latlng;
    var text = node.textContent;
    if (box.text !== text) { box.text = text; box.n = box.b = null; }
    return box;
  }

  /* Reads the sizes these boxes lack: the normal weight for all, the bold weight too
   * for `bold` ones. Writes (the class that sets the weight) and reads are batched,
   * so this costs at most two layouts, and nothing once every box is known. */
  function measureBoxes(plain, bold) {
    var map = reg.map;
    var needN = plain.concat(bold).filter(function (box) { return !box.n; });
    var needB = bold.filter(function (box) { return !box.b; });
    if (!needN.length && !needB.length) return;
    // In the middle of a zoom animation the panes are scaled: wait for zoomend.
    if (L.DomUtil.hasClass(map.getPane("mapPane"), "leaflet-zoom-anim")) return;
    function read(boxes, key) {
      var container = map.getContainer();
      var frame = container.getBoundingClientRect();
      var origin = map.layerPointToContainerPoint(L.point(0, 0));
      var ox = frame.left + container.clientLeft + origin.x;
      var oy = frame.top + container.clientTop + origin.y;
      boxes.forEach(function (box) {
        var at = map.latLngToLayerPoint(box.latlng);
        var r = box.node.getBoundingClientRect();
        if (!r.width && !r.height) return;   // not rendered: try again next time
        box[key] = { dx: r.left - ox - at.x, dy: r.top - oy - at.y, w: r.width, h: r.height };
      });
    }
    [[needN, "n", false], [needB, "b", true]].forEach(function (batch) {
      if (!batch[0].length) return;
      batch[0].forEach(function (box) {
        if (box.cur !== batch[2]) { box.node.classList.toggle("current", batch[2]); box.cur = batch[2]; }
      });
      read(batch[0], batch[1]);
    });
  }

  /* Layer points change only when the map zooms or resets its view, not when it pans:
   * an anchor is projected once per view and kept on `holder`. */
  function viewKey() {
    var origin = reg.map.getPixelOrigin();
    return reg.map.getZoom() + ":" + origin.x + ":" + origin.y;
  }

  function anchorOf(holder, latlng, view) {
    if (holder._atlasView !== view || holder._atlasLatLng !== latlng) {
      holder._atlasAt = reg.map.latLngToLayerPoint(latlng);
      holder._atlasView = view;
      holder._atlasLatLng = latlng;
    }
    return holder._atlasAt;
  }

  function rectAt(at, size) {
    var left = at.x + size.dx, top = at.y + size.dy;
    return { left: left, top: top, right: left + size.w, bottom: top + size.h };
  }

  function clashes(placed, rect) {
    for (var i = 0; i < placed.length; i++) if (overlaps(placed[i], rect)) return true;
    return false;
  }

  /* The rect of a marker's icon, from its options as Leaflet sizes and anchors it
   * (null for an icon sized by CSS alone: not an obstacle then). */
  function markerRect(marker, view) {
    var icon = marker.options.icon && marker.options.icon.options;
    if (!icon || !icon.iconSize) return null;
    var at = anchorOf(marker, marker.getLatLng(), view);
    if (marker._atlasRectAt !== at) {
      var size = L.point(typeof icon.iconSize === "number" ? [icon.iconSize, icon.iconSize] : icon.iconSize);
      var anchor = icon.iconAnchor ? L.point(icon.iconAnchor) : size.divideBy(2, true);
      var left = Math.round(at.x) - anchor.x, top = Math.round(at.y) - anchor.y;
      marker._atlasRect = { left: left, top: top, right: left + size.x, bottom: top + size.y };
      marker._atlasRectAt = at;
    }
    return marker._atlasRect;
  }

  function townBoxes() {
    var out = [];
    towns.forEach(function (town) {
      town.box = boxFor(town, "box", town.label, town.name.getLatLng());
      if (town.box) out.push(town.box);
    });
    return out;
  }

  /* Towns give context; they never cover the places of the story. Smaller rank =
   * more important; more towns appear as the reader zooms in. */
  function refreshTowns(placed) {
    if (!townLayer) return;
    var map = reg.map;
    var zoom = map.getZoom();
    var maxRank = zoom <= 5 ? 1 : zoom <= 6 ? 3 : zoom <= 7 ? 5 : zoom <= 8 ? 7 : 99;
    measureBoxes(townBoxes(), []);   // nothing to read unless a town label is new
    var view = viewKey();
    var want = towns.map(function (town) {
      var visible = town.rank <= maxRank;
      var size = town.box && town.box.n;
      if (!visible || !size) return false;
      var rect = rectAt(anchorOf(town.box, town.box.latlng, view), size);
      if (clashes(placed, rect)) return false;
      placed.push(rect);
      return true;
    });
    // One write pass, touching only what changed. A label is hidden, never
    // undisplayed: it keeps its size, so it never needs measuring again.
    towns.forEach(function (town, i) {
      var visible = town.rank <= maxRank;
      var node = town.dot.getElement();
      if (node && town.rankOn !== visible) {
        node.style.display = visible ? "" : "none";
        town.rankOn = visible;
      }
      if (town.box && town.box.on !== want[i]) {
        town.box.node.style.visibility = want[i] ? "" : "hidden";
        town.box.on = want[i];
      }
    });
  }

  function labelPriority(id) {
    var state = (shown[id] || {}).state || "future";
    return (inFocus[id] ? 0 : 10) + (state === "current" ? 0 : state === "past" ? 1 : 2);
  }

  function overlaps(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }

  /* Show the labels that matter most and never let two overlap: current places
   * (the focused event's first) win; others appear as the reader zooms in.
   * Reads nothing from the layout once every label has been measured (see boxFor);
   * decides everything first, then writes only what changed. */
  function refreshLabels() {
    if (mapHidden) revealMap();
    var map = reg.map;
    var zoom = map.getZoom();
    var priority = {};
    var ids = Object.keys(labels);
    ids.forEach(function (id) { priority[id] = labelPriority(id); });
    ids.sort(function (a, b) { return priority[a] - priority[b]; });
    var items = [];
    ids.forEach(function (id) {
      var dot = reg.places[id].dot;
      var box = dot ? placeCanvas.labelBox(dot)
        : boxFor(labelBoxes, id, labels[id].getElement(), labels[id].getLatLng());
      if (!box) return;
      var state = (shown[id] || {}).state || "future";
      items.push({ box: box, cur: state === "current", on: false,
                   wanted: !hiddenIds[id] && (state !== "future" || zoom >= 8) });
    });
    // Every size not known yet, labels and towns, in one batch (only ever at start).
    measureBoxes(townBoxes(), items.map(function (item) { return item.box; }));
    var placed = [];
    var view = viewKey();
    items.forEach(function (item) {
      var size = item.cur ? item.box.b : item.box.n;
      if (!item.wanted || !size) return;
      var rect = rectAt(anchorOf(item.box, item.box.latlng, view), size);
      if (clashes(placed, rect)) return;
      placed.push(rect);
      item.on = true;
    });
    // Markers themselves are obstacles for town labels too.
    Object.keys(reg.places).forEach(function (id) {
      var marker = reg.places[id].marker, rect;
      if (hiddenIds[id]) return;
      if (marker) rect = marker.getElement() ? markerRect(marker, view) : null;
      else rect = dotRect(reg.places[id].dot, view);
      if (rect) placed.push(rect);
    });
    refreshTowns(placed);
    var redraw = false;
    items.forEach(function (item) {
      var box = item.box;
      if (box.canvas) {   // a canvas-drawn place's label (PlaceCanvas)
        if (box.cur !== item.cur || box.on !== item.on) redraw = true;
      } else {
        if (box.cur !== item.cur) box.node.classList.toggle("current", item.cur);
        if (box.on !== item.on) box.node.style.visibility = item.on ? "" : "hidden";
      }
      box.cur = item.cur;
      box.on = item.on;
    });
    if (redraw) placeCanvas.redraw();
  }

  /* Cause-and-effect arcs: a curve from the cause's place to the effect's, with an
   * arrowhead, drawn once the effect has happened; the link's type on hover.
   * Thousands of links are possible (10,000 events: 3,300). As SVG paths, the browser
   * restyled, laid out and composited each of them on every move; here they are all
   * drawn on one canvas (ArcCanvas), in a few batched paths at most once a frame, and
   * the hovered arc is found by arithmetic (arcAt), not by the browser's hit-testing. */
  var arcs = {};        // link id -> arc (see makeArc)
  var arcList = [];     // the same arcs, in the file's order: the order they are drawn in
  var anyTraced = false;
  var arcCanvas = null;
  // The curve is a quadratic Bézier in pixels at this zoom. Web Mercator pixels at
  // another zoom are these times 2^dz, so the curve there is the same one, scaled.
  var ARC_ZOOM = 6;

  // Dashes have square ends: with round ones (each 1 pixel longer at both ends) the
  // browser took 1.4 times as long to draw dashed arcs (a page drawing 150 of them, best
  // of 15: 19.3 -> 14.1 ms). Dashes of 8 and gaps of 3 pixels look as round 6 and 5 did.
  // Dashing is what costs: the same arcs solid took 6.9 ms.
  var ARC_LOOKS = {     // head: [length, width] of the arrowhead, in pixels
    plain: { color: "#5b4a8a", weight: 2, opacity: 0.75, dash: [8, 3], head: [10, 10], headOpacity: 1 },
    faded: { color: "#5b4a8a", weight: 2, opacity: 0.25, dash: [8, 3], head: [10, 10], headOpacity: 0.3 },
    traced: { color: "#c2410c", weight: 4, opacity: 0.95, dash: [], head: [13, 14], headOpacity: 1 }
  };
  var LOOK_ORDER = ["faded", "plain", "traced"];   // the traced chain on top
  // The arrow's tip stops this far (at most) from the effect's centre, at the edge of
  // its marker rather than under it.
  var ARC_TIP_BACK = 12;

  function makeArc(info) {
    var map = reg.map;
    var a = map.project(L.latLng(info.from), ARC_ZOOM), b = map.project(L.latLng(info.to), ARC_ZOOM);
    var bend = 0.22;   // the control point, off to one side of the chord's middle
    var cx = (a.x + b.x) / 2 - (b.y - a.y) * bend, cy = (a.y + b.y) / 2 + (b.x - a.x) * bend;
    return {
      info: info, x0: a.x, y0: a.y, cx: cx, cy: cy, x1: b.x, y1: b.y,
      // The curve lies within the triangle of its control points: a bounding box.
      minX: Math.min(a.x, cx, b.x), maxX: Math.max(a.x, cx, b.x),
      minY: Math.min(a.y, cy, b.y), maxY: Math.max(a.y, cy, b.y),
      on: false, traced: false
    };
  }

  function arcLook(arc) {
    return !arc.on ? "" : arc.traced ? "traced" : anyTraced ? "faded" : "plain";
  }

  /* Adds to the current path one arc, scaled by `s` and shifted by -(ox, oy), from its
   * start to the base of its arrowhead, and (to `heads`) the arrowhead's triangle. */
  function traceArc(ctx, heads, arc, head, s, ox, oy) {
    var x0 = arc.x0 * s - ox, y0 = arc.y0 * s - oy, cx = arc.cx * s - ox, cy = arc.cy * s - oy;
    var x1 = arc.x1 * s - ox, y1 = arc.y1 * s - oy;
    // A quadratic's length is close to the mean of its chord and its control polygon.
    var len = (Math.hypot(x1 - x0, y1 - y0) + Math.hypot(cx - x0, cy - y0) + Math.hypot(x1 - cx, y1 - cy)) / 2;
    if (len < 1) return;
    var tTip = 1 - Math.min(ARC_TIP_BACK, len / 4) / len;
    var tBase = Math.max(0, tTip - head[0] / len);
    // The curve on [0, tBase] is a quadratic too (de Casteljau): P0, P0 + t(C - P0), B(t).
    var qx = x0 + tBase * (cx - x0), qy = y0 + tBase * (cy - y0);
    var bx = qx + tBase * (cx + tBase * (x1 - cx) - qx), by = qy + tBase * (cy + tBase * (y1 - cy) - qy);
    ctx.moveTo(x0, y0);
    ctx.quadraticCurveTo(qx, qy, bx, by);
    var u = 1 - tTip;
    var tx = u * u * x0 + 2 * u * tTip * cx + tTip * tTip * x1, ty = u * u * y0 + 2 * u * tTip * cy + tTip * tTip * y1;
    var dx = tx - bx, dy = ty - by, d = Math.hypot(dx, dy) || 1;
    var px = -dy / d * head[1] / 2, py = dx / d * head[1] / 2;
    heads.moveTo(tx, ty);
    heads.lineTo(bx + px, by + py);
    heads.lineTo(bx - px, by - py);
    heads.closePath();
  }

  /* Arcs turned on and off since the canvas was last drawn: a forward drag only adds
   * arcs, drawn over the picture as it is; arcs that went are cleared by repainting
   * the region they covered. A trace or a new view repaints everything. */
  var arcsChanged = { all: true, on: [], off: [] };
  var ARC_PAD = 10;   // pixels around an arc's box that its width and arrowhead may reach

  /* A canvas layer of our own, in `options.pane`. L.Renderer places its container over
   * the view (plus a margin) after every move and scales it through zoom animations;
   * the canvas inside covers only `_contentBox`, the part of that where the layer draws:
   * a changed canvas is copied whole for the compositor on every frame, and the empty
   * map around the places cost as much as the places (10,000 events: 6.6 ms of a 13 ms
   * frame for three view-sized canvases). `_area` is the canvas's box in layer points.
   * It is drawn whole (`_draw`) whenever the view settles, after `_sized` (for a layer
   * that keeps state per size), and after `redraw` at most once per frame. */
  var AtlasCanvas = L.Renderer.extend({
    _initContainer: function () {
      this._container = L.DomUtil.create("div", "atlas-canvas-box");
      this._canvas = L.DomUtil.create("canvas", this.options.className, this._container);
      this._ctx = this._canvas.getContext("2d", this.options.context || {});
    },

    _destroyContainer: function () {
      if (this._frame) L.Util.cancelAnimFrame(this._frame);
      this._frame = null;
      L.DomUtil.remove(this._container);
      delete this._ctx;
      delete this._canvas;
      delete this._container;
    },

    _update: function () {
      // Mid-zoom the canvas is only scaled (L.Renderer); it is drawn afresh at moveend.
      if (this._map._animatingZoom && this._bounds) return;
      L.Renderer.prototype._update.call(this);
      L.DomUtil.setPosition(this._container, this._bounds.min);
      this._fit();
      this._draw();
    },

    /* Sizes the canvas to `_contentBox` (which clears it): after every move, and before
     * the next drawing once what the layer holds changed (`_stale`). */
    _fit: function () {
      var view = this._bounds, dpr = window.devicePixelRatio || 1;
      var box = this._contentBox(view);
      // Nothing to draw: a 1 px canvas (a canvas of no size has no pixels to read back).
      var area = box ? L.bounds(box.min.floor(), box.max.ceil()) : L.bounds(view.min, view.min.add([1, 1]));
      var size = area.getSize(), canvas = this._canvas;
      L.DomUtil.setPosition(canvas, area.min.subtract(view.min));
      canvas.width = Math.max(1, Math.round(size.x * dpr));
      canvas.height = Math.max(1, Math.round(size.y * dpr));
      canvas.style.width = Math.max(1, size.x) + "px";
      canvas.style.height = Math.max(1, size.y) + "px";
      this._area = area;
      this._dpr = dpr;
      this._stale = false;
      if (this._sized) this._sized();
    },

    /* Where in `view` (layer points) the layer may draw, or null: all of it here. */
    _contentBox: function (view) { return view; },

    redraw: function () {
      if (!this._map || this._frame) return;
      var self = this;
      this._frame = L.Util.requestAnimFrame(function () {
        self._frame = null;
        if (self._stale && self._bounds) self._fit();
        self._draw();
      });
    }
  });

  /* `box` (L.Bounds) cut to `view`, or null if they do not meet. */
  function within(box, view) {
    if (!box || !view.intersects(box)) return null;
    return L.bounds([Math.max(box.min.x, view.min.x), Math.max(box.min.y, view.min.y)],
                    [Math.min(box.max.x, view.max.x), Math.min(box.max.y, view.max.y)]);
  }

  /* The areas' layer: Leaflet's own canvas renderer (it draws the circles and finds the
   * clicked one), with its canvas cut down as AtlasCanvas's: to the areas' boxes, inside
   * a box that L.Renderer places over the view. View-sized, it was the largest of the
   * page's three canvases, copied whole on every frame that restyled an area. */
  var AreaCanvas = L.Canvas.extend({
    _initContainer: function () {
      L.Canvas.prototype._initContainer.call(this);   // the canvas, and the mouse on it
      this._canvas = this._container;
      this._container = L.DomUtil.create("div", "atlas-canvas-box");
      this._container.appendChild(this._canvas);
    },

    _update: function () {
      if (this._map._animatingZoom && this._bounds) return;
      L.Renderer.prototype._update.call(this);
      var view = this._bounds, dpr = window.devicePixelRatio || 1, box = null, canvas = this._canvas;
      for (var id in this._layers) {
        var b = this._layers[id]._pxBounds;
        if (b) box = box ? box.extend(b.min).extend(b.max) : L.bounds(b.min, b.max);
      }
      box = within(box && L.bounds(box.min.subtract([AREA_PAD, AREA_PAD]), box.max.add([AREA_PAD, AREA_PAD])), view);
      var area = box ? L.bounds(box.min.floor(), box.max.ceil()) : L.bounds(view.min, view.min.add([1, 1]));
      var size = area.getSize();
      L.DomUtil.setPosition(this._container, view.min);
      L.DomUtil.setPosition(canvas, area.min.subtract(view.min));
      canvas.width = Math.max(1, Math.round(size.x * dpr));   // which clears it
      canvas.height = Math.max(1, Math.round(size.y * dpr));
      canvas.style.width = Math.max(1, size.x) + "px";
      canvas.style.height = Math.max(1, size.y) + "px";
      this._ctx.setTransform(dpr, 0, 0, dpr, -area.min.x * dpr, -area.min.y * dpr);
      this._area = area;
      this.fire("update");
    },

    /* An area restyled or added outside the canvas: the canvas is sized again (which
     * clears it) before the next drawing, and drawn whole. */
    _requestRedraw: function (layer) {
      var shown = this._bounds && within(layer._pxBounds, this._bounds), area = this._area;
      if (area && shown && !(area.contains(shown.min) && area.contains(shown.max))) this._stale = true;
      L.Canvas.prototype._requestRedraw.call(this, layer);
    },

    _redraw: function () {
      if (this._stale && this._map) {
        this._stale = false;
        this._redrawRequest = null;
        this._update();   // sized, then every area drawn ('update')
        return;
      }
      L.Canvas.prototype._redraw.call(this);
    },

    _clear: function () {
      if (this._redrawBounds) {
        L.Canvas.prototype._clear.call(this);
        return;
      }
      this._ctx.save();
      this._ctx.setTransform(1, 0, 0, 1, 0, 0);
      this._ctx.clearRect(0, 0, this._canvas.width, this._canvas.height);
      this._ctx.restore();
    },

    _destroyContainer: function () {
      L.Canvas.prototype._destroyContainer.call(this);
      delete this._canvas;
      delete this._area;
    }
  });
  var AREA_PAD = 2;   // pixels around an area's box that its outline may reach

  /* The arcs' layer: one canvas in a pane of its own, above the overlays (land, areas,
   * town dots) and below the town names and the markers, never catching the mouse. */
  var ArcCanvas = AtlasCanvas.extend({
    // A canvas in memory: on this machine's software GL, an accelerated one cost the
    // compositor 3-4 times more per move (benches/probe.py, 10,000 events).
    options: { pane: "atlasArcs", padding: 0.1, className: "atlas-arcs",
               context: { willReadFrequently: true } },

    _sized: function () { arcsChanged.all = true; },

    /* An arc's box in layer points, with room for its width and arrowhead. */
    _box: function (arc) {
      var s = this._scale, o = this._origin;
      return L.bounds([arc.minX * s - o.x - ARC_PAD, arc.minY * s - o.y - ARC_PAD],
                      [arc.maxX * s - o.x + ARC_PAD, arc.maxY * s - o.y + ARC_PAD]);
    },

    /* Every arc that may be shown at this zoom, on or off. */
    _contentBox: function (view) {
      this._scale = this._map.getZoomScale(this._zoom, ARC_ZOOM);
      this._origin = this._map.getPixelOrigin();
      var box = null;
      for (var i = 0; i < arcList.length; i++) {
        var b = this._box(arcList[i]);
        box = box ? box.extend(b.min).extend(b.max) : b;
      }
      return within(box, view);
    },

    _draw: function () {
      if (this._frame) { L.Util.cancelAnimFrame(this._frame); this._frame = null; }
      var map = this._map, ctx = this._ctx, view = this._area, dpr = this._dpr;
      if (!view) return;
      this._scale = map.getZoomScale(this._zoom, ARC_ZOOM);
      this._origin = map.getPixelOrigin();
      var changed = arcsChanged, region = null, only = null, self = this;
      arcsChanged = { all: false, on: [], off: [] };
      if (!changed.all && !anyTraced) {   // traced arcs must stay on top: all again
        if (!changed.off.length) {
          only = changed.on;   // nothing went: only new arcs to draw
        } else {
          changed.on.concat(changed.off).forEach(function (arc) {
            var box = self._box(arc);
            region = region ? region.extend(box.min).extend(box.max) : box;
          });
          region = within(region, view);
          if (!region) return;
          var area = region.getSize(), whole = view.getSize();
          if (area.x * area.y > 0.6 * whole.x * whole.y) region = null;   // cheaper whole
        }
      }
      // In layer points, as Leaflet's own layers (crisp at any devicePixelRatio).
      ctx.setTransform(dpr, 0, 0, dpr, -view.min.x * dpr, -view.min.y * dpr);
      ctx.save();
      var clip = region || view;
      if (!only) {
        if (region) {
          ctx.beginPath();
          ctx.rect(region.min.x, region.min.y, region.max.x - region.min.x, region.max.y - region.min.y);
          ctx.clip();
        }
        ctx.clearRect(clip.min.x, clip.min.y, clip.max.x - clip.min.x, clip.max.y - clip.min.y);
      }
      this._paint(only || arcList, clip);
      ctx.restore();
    },

    /* Draws those of `list` shown and within `region`, look by look (the traced on top).
     * Each arc is stroked on its own: where two cross, both show, as they did as SVG. */
    _paint: function (list, region) {
      var ctx = this._ctx, s = this._scale, o = this._origin;
      var byLook = { plain: [], faded: [], traced: [] };
      // `_box(arc).intersects(region)` in plain numbers: no objects made per arc (there
      // are thousands, every frame a scrub changes them).
      var x0 = (region.min.x + o.x - ARC_PAD) / s, x1 = (region.max.x + o.x + ARC_PAD) / s;
      var y0 = (region.min.y + o.y - ARC_PAD) / s, y1 = (region.max.y + o.y + ARC_PAD) / s;
      for (var i = 0; i < list.length; i++) {
        var arc = list[i], look = arcLook(arc);
        if (look && arc.maxX >= x0 && arc.minX <= x1 && arc.maxY >= y0 && arc.minY <= y1) byLook[look].push(arc);
      }
      ctx.lineJoin = "round";
      LOOK_ORDER.forEach(function (name) {
        var arcsOfLook = byLook[name], look = ARC_LOOKS[name];
        if (!arcsOfLook.length) return;
        var heads = new Path2D();
        ctx.setLineDash(look.dash);
        ctx.lineCap = look.dash.length ? "butt" : "round";
        ctx.lineWidth = look.weight;
        ctx.strokeStyle = ctx.fillStyle = look.color;
        ctx.globalAlpha = look.opacity;
        for (var j = 0; j < arcsOfLook.length; j++) {
          ctx.beginPath();
          traceArc(ctx, heads, arcsOfLook[j], look.head, s, o.x, o.y);
          ctx.stroke();
        }
        ctx.globalAlpha = look.headOpacity;
        ctx.fill(heads);
      });
      ctx.globalAlpha = 1;
    }
  });

  /* The id of the arc shown nearest to `point` (container pixels), if one passes
   * within a few pixels of it, else null. */
  function arcAt(point) {
    var map = reg.map;
    var s = map.getZoomScale(map.getZoom(), ARC_ZOOM), origin = map.getPixelOrigin();
    var layer = map.containerPointToLayerPoint(point);
    var x = (layer.x + origin.x) / s, y = (layer.y + origin.y) / s;   // in pixels at ARC_ZOOM
    var best = null, bestD = Infinity, reach = 8 / s;
    for (var i = 0; i < arcList.length; i++) {
      var arc = arcList[i];
      var look = arcLook(arc);
      if (!look || x < arc.minX - reach || x > arc.maxX + reach || y < arc.minY - reach || y > arc.maxY + reach) continue;
      var d = curveDistance(arc, x, y) * s;   // in screen pixels
      if (d <= ARC_LOOKS[look].weight / 2 + 4 && d <= bestD) { best = arc; bestD = d; }
    }
    return best ? best.info.id : null;
  }

  /* Distance from (x, y) to the curve, as the 24-segment polyline that drew it once. */
  function curveDistance(arc, x, y) {
    var best = Infinity, px = arc.x0, py = arc.y0;
    for (var i = 1; i <= 24; i++) {
      var t = i / 24, u = 1 - t;
      var qx = u * u * arc.x0 + 2 * u * t * arc.cx + t * t * arc.x1;
      var qy = u * u * arc.y0 + 2 * u * t * arc.cy + t * t * arc.y1;
      var dx = qx - px, dy = qy - py, l2 = dx * dx + dy * dy;
      var k = l2 ? Math.max(0, Math.min(1, ((x - px) * dx + (y - py) * dy) / l2)) : 0;
      best = Math.min(best, Math.hypot(px + k * dx - x, py + k * dy - y));
      px = qx;
      py = qy;
    }
    return best;
  }

  /* One tooltip for all arcs, moved with the mouse; hit-tested at most once a frame,
   * never over a marker, a control or a popup (those lie above the arcs). */
  var arcHover = { tip: null, id: null };

  function watchArcHover() {
    var map = reg.map, container = map.getContainer(), last = null, frame = null;
    arcHover.tip = L.tooltip({ className: "atlas-arc-tooltip", direction: "auto" });
    L.DomEvent.on(container, "mousemove", function (ev) {
      last = ev;
      if (!frame) frame = L.Util.requestAnimFrame(check);
    });
    L.DomEvent.on(container, "mouseleave", function () { last = null; hideArcTip(); });
    function check() {
      frame = null;
      if (!last) return;
      var above = last.target.closest && last.target.closest(
        ".leaflet-marker-icon, .leaflet-control, .leaflet-popup, .atlas-label");
      var point = map.mouseEventToContainerPoint(last);
      var id = above || map._animatingZoom || (placeCanvas && placeCanvas.at(point)) ? null : arcAt(point);
      if (!id) { hideArcTip(); return; }
      if (arcHover.id !== id) {
        arcHover.tip.setContent(arcTip(arcs[id].info));
        arcHover.id = id;
      }
      arcHover.tip.setLatLng(map.containerPointToLatLng(point));
      if (!map.hasLayer(arcHover.tip)) map.openTooltip(arcHover.tip);
    }
  }

  function hideArcTip() {
    if (arcHover.id === null) return;
    arcHover.id = null;
    reg.map.closeTooltip(arcHover.tip);
  }

  function addArcs() {
    var map = reg.map;
    if (!map.getPane("atlasArcs")) map.createPane("atlasArcs");
    (config.links || []).forEach(function (info) {
      // Arcs to far-away places (Washington) would cross the whole map: the
      // "elsewhere" box names those places instead.
      if (!inHome(L.latLng(info.from)) || !inHome(L.latLng(info.to))) return;
      var arc = makeArc(info);
      arcs[info.id] = arc;
      arcList.push(arc);
    });
    arcCanvas = new ArcCanvas().addTo(map);
    watchArcHover();
  }

  /* "A led to B", or "B was retaliation for / a response to A". */
  function arcTip(info) {
    var tip = el("div", "atlas-arc-tip");
    if (!info) return tip;
    var ledTo = info.type === "led to";
    tip.appendChild(el("div", null, ledTo ? info.cause : info.effect));
    tip.appendChild(el("div", "atlas-arc-type", ledTo ? "led to" : "was " + (info.type === "response to" ? "a response to" : info.type)));
    tip.appendChild(el("div", null, ledTo ? info.effect : info.cause));
    return tip;
  }

  /* Python sends which arcs appeared and went since its last update: {reset, on, off}
   * (reset: drop every arc first, as after a reload or a change of filters). */
  function applyArcChanges(change) {
    var i, arc;
    function turn(arc, on) {
      if (!arc || arc.on === on) return;
      arc.on = on;
      if (arcsChanged.all) return;
      (on ? arcsChanged.on : arcsChanged.off).push(arc);
      // Past this many, redrawing them all costs no more than finding where they were.
      if (arcsChanged.on.length + arcsChanged.off.length > arcList.length / 4) arcsChanged.all = true;
    }
    if (change.reset) for (i = 0; i < arcList.length; i++) turn(arcList[i], false);
    for (i = 0; i < (change.off || []).length; i++) turn(arcs[change.off[i]], false);
    for (i = 0; i < (change.on || []).length; i++) turn(arcs[change.on[i]], true);
    if (arcHover.id !== null && !arcs[arcHover.id].on) hideArcTip();
  }

  /* The links of the traced chain (all of them, whenever the trace changes). */
  function applyTracedArcs(ids) {
    var i, arc;
    for (i = 0; i < arcList.length; i++) arcList[i].traced = false;
    for (i = 0; i < ids.length; i++) if ((arc = arcs[ids[i]])) arc.traced = true;
    anyTraced = ids.length > 0;
    arcsChanged.all = true;
  }

  /* Many places: markers on one canvas. A marker as a styled div costs the browser a
   * restyle, a repaint and a composited layer of its own (Leaflet places it with
   * translate3d), and a scrub changes half of them at once (10,000 events, 300
   * places: about 160 per move, most of the renderer's 45-60 ms of CPU per move).
   * Past CANVAS_PLACES places they are drawn instead on one canvas (PlaceCanvas), as
   * sprites made once per look, at most once a frame; the mouse finds them by
   * arithmetic. Below it (the real story: about 40 places) each stays a DOM marker,
   * which the tests, the self-test and screen readers address by element. */
  var CANVAS_PLACES = 100;
  var placeCanvas = null;   // PlaceCanvas, with more than CANVAS_PLACES places
  // With it, the areas of places known roughly are drawn by Leaflet's own canvas
  // renderer, in a pane of their own above the land and below the arcs: as SVG paths
  // among the land's, each restyle repainted the land under it too (10,000 events:
  // 7 of the renderer's 18 ms of CPU per move). Leaflet finds the clicked one itself.
  var areaCanvas = null;

  /* The looks of atlas.css's markers, as canvas drawing: the shape's scale by state,
   * and its outline as a polygon (clip-path) or a box with rounded corners. */
  var SHAPE_SCALE = {   // [not current, current]
    circle: [1, 1.45], dot: [0.7, 1.1], square: [1, 1.45], diamond: [0.85, 1.25],
    triangle: [1, 1.45], star: [1.25, 1.75], cross: [1, 1.45], hexagon: [1, 1.45]
  };
  var SHAPE_POLY = {    // clip-path polygons, in percent of the 16 px box
    triangle: [50, 0, 100, 100, 0, 100],
    star: [50, 0, 61, 35, 98, 35, 68, 57, 79, 91, 50, 70, 21, 91, 32, 57, 2, 35, 39, 35],
    cross: [35, 0, 65, 0, 65, 35, 100, 35, 100, 65, 65, 65, 65, 100, 35, 100, 35, 65, 0, 65, 0, 35, 35, 35],
    hexagon: [25, 0, 75, 0, 100, 50, 75, 100, 25, 100, 0, 50]
  };
  var STATE_OPACITY = { current: 1, past: 0.8, future: 0.35 };
  var SPRITE = 56;      // a sprite's side in CSS pixels, the place's point at its centre
  var PLACE_HIT = 11;   // half the side of a DOM marker's icon, where clicks land

  /* The path of a shape's box (or polygon) grown by `grow` px, centred on (0, 0), in
   * the shape's own (unscaled, unrotated) coordinates. */
  function shapePath(ctx, shape, grow) {
    var h = 8 + grow;
    ctx.beginPath();
    var poly = SHAPE_POLY[shape];
    if (poly) {
      for (var i = 0; i < poly.length; i += 2) {
        var x = -8 + poly[i] * 0.16, y = -8 + poly[i + 1] * 0.16;
        if (i) ctx.lineTo(x, y); else ctx.moveTo(x, y);
      }
      ctx.closePath();
    } else if (shape === "circle" || shape === "dot") {
      ctx.arc(0, 0, Math.max(0, h), 0, 2 * Math.PI);
    } else {
      var r = shape === "square" ? Math.max(0, 2 + grow) : 0;
      if (ctx.roundRect) ctx.roundRect(-h, -h, 2 * h, 2 * h, r); else ctx.rect(-h, -h, 2 * h, 2 * h);
    }
  }

  /* A finished sprite as an ImageBitmap: drawing a canvas element onto a canvas takes a
   * snapshot of it every time (hundreds a frame at 300 places); a bitmap is drawn as is. */
  function frozen(canvas) {
    if (typeof OffscreenCanvas === "undefined") return canvas;
    var off = new OffscreenCanvas(canvas.width, canvas.height);
    off.getContext("2d").drawImage(canvas, 0, 0);
    return off.transferToImageBitmap();
  }

  var sprites = {};   // look key -> ImageBitmap (see frozen)

  /* A marker's picture at devicePixelRatio `dpr`: its shape in its colour (or the
   * faint grey of the future), white border and dark ring for the box shapes, a soft
   * shadow when current, the trace's orange outline; at the state's opacity. */
  function spriteFor(shape, color, state, traced, dpr) {
    var key = shape + "|" + color + "|" + state + "|" + (traced ? 1 : 0) + "|" + dpr;
    if (sprites[key]) return sprites[key];
    var side = Math.ceil(SPRITE * dpr);
    var shapeCanvas = document.createElement("canvas");
    shapeCanvas.width = shapeCanvas.height = side;
    var ctx = shapeCanvas.getContext("2d");
    var current = state === "current", boxed = !SHAPE_POLY[shape];
    var k = (SHAPE_SCALE[shape] || SHAPE_SCALE.dot)[current ? 1 : 0];
    ctx.setTransform(dpr * k, 0, 0, dpr * k, side / 2, side / 2);
    if (shape === "diamond") ctx.rotate(Math.PI / 4);
    if (boxed && state !== "future") {   // box-shadow: 0 0 0 1px rgba(0, 0, 0, 0.35)
      shapePath(ctx, shape, 1);
      ctx.fillStyle = "rgba(0, 0, 0, 0.35)";
      ctx.fill();
    }
    shapePath(ctx, shape, 0);
    ctx.fillStyle = state === "future" ? "#a79f92" : color;
    ctx.fill();
    if (boxed) {   // border: 1.5px solid rgba(255, 255, 255, 0.95), inside the box
      shapePath(ctx, shape, -0.75);
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = "rgba(255, 255, 255, 0.95)";
      ctx.stroke();
    }
    if (traced) {   // outline: 3px solid #c2410c, 2px out
      shapePath(ctx, shape, 3.5);
      ctx.lineWidth = 3;
      ctx.strokeStyle = "#c2410c";
      ctx.stroke();
    }
    var out = document.createElement("canvas");
    out.width = out.height = side;
    var octx = out.getContext("2d");
    octx.globalAlpha = STATE_OPACITY[state] || 1;
    // drop-shadow(0 0 3px rgba(0, 0, 0, 0.5)) when current; clip-path clips it away
    // from the polygon shapes in the DOM markers, so here too.
    if (current && boxed) {
      octx.shadowColor = "rgba(0, 0, 0, 0.5)";
      octx.shadowBlur = 6 * k * dpr;   // Chromium blurs drop-shadow() with σ = 3 px
    }
    octx.drawImage(shapeCanvas, 0, 0);
    out = sprites[key] = frozen(out);
    return out;
  }

  /* The "sources disagree" badge: a scale on a small round tag, up and right. */
  function badgeSprite(dpr) {
    var key = "badge|" + dpr;
    if (sprites[key]) return sprites[key];
    var side = Math.ceil(SPRITE * dpr);
    var out = document.createElement("canvas");
    out.width = out.height = side;
    var ctx = out.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, side / 2, side / 2);
    ctx.beginPath();
    ctx.arc(12, -12, 7.5, 0, 2 * Math.PI);
    ctx.fillStyle = "#fff7e6";
    ctx.fill();
    ctx.lineWidth = 1;
    ctx.strokeStyle = "#c58a2b";
    ctx.stroke();
    ctx.fillStyle = "#8a4b00";
    ctx.font = '12px "DejaVu Sans", "Segoe UI", Arial, sans-serif';
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText("\u2696", 12, -11.5);
    out = sprites[key] = frozen(out);
    return out;
  }

  /* Labels of canvas-drawn places: as atlas.css's .atlas-label tooltips (12 px text on
   * a pale rounded box, bold when current, at Leaflet's tooltip opacity), placed as
   * Leaflet places a tooltip to the right of its anchor: 12 px offset, 6 px margin,
   * centred on the anchor. Drawn over every marker, as the tooltip pane lies over the
   * marker pane. Their sizes come from the text's metrics, not from the page's layout. */
  var LABEL_FONT = '12px "DejaVu Sans", "Segoe UI", Arial, sans-serif';
  var LABEL_H = 18, LABEL_PAD = 5, LABEL_DX = 18, LABEL_MARGIN = 3;
  var LABEL_BOX_H = 18.1875;   // its height as the page lays it out (16.2 px line + padding)
  var measureCtx = null;

  function labelWidth(text, bold) {
    if (!measureCtx) measureCtx = document.createElement("canvas").getContext("2d");
    measureCtx.font = (bold ? "bold " : "") + LABEL_FONT;
    return measureCtx.measureText(text).width + 2 * LABEL_PAD;
  }

  function labelSprite(dot, bold, dpr) {
    var key = bold ? "spriteB" : "spriteN";
    if (dot[key] && dot[key].dpr === dpr) return dot[key];
    var w = labelWidth(placeInfo[dot.id].name, bold), m = LABEL_MARGIN;
    var out = document.createElement("canvas");
    w = Math.ceil(w);
    out.width = Math.ceil((w + 2 * m) * dpr);
    out.height = Math.ceil((LABEL_H + 2 * m) * dpr);
    var ctx = out.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.globalAlpha = 0.9;   // Leaflet's tooltip opacity
    ctx.shadowColor = "rgba(0, 0, 0, 0.25)";   // box-shadow: 0 1px 2px
    ctx.shadowBlur = 2 * dpr;
    ctx.shadowOffsetY = dpr;
    ctx.beginPath();
    if (ctx.roundRect) ctx.roundRect(m, m, w, LABEL_H, 3); else ctx.rect(m, m, w, LABEL_H);
    ctx.fillStyle = "rgba(255, 255, 255, 0.82)";
    ctx.fill();
    ctx.shadowColor = "transparent";
    ctx.fillStyle = "#2b2620";
    ctx.font = (bold ? "bold " : "") + LABEL_FONT;
    ctx.textBaseline = "middle";
    ctx.fillText(placeInfo[dot.id].name, m + LABEL_PAD, m + LABEL_H / 2 + 0.5);
    out = frozen(out);
    out.dpr = dpr;
    out.w = w + 2 * m;
    out.h = LABEL_H + 2 * m;
    dot[key] = out;
    return out;
  }

  var STATE_RANK = { future: 0, past: 1, current: 2 };   // as the markers' zIndexOffset

  /* The places' layer: one canvas in a pane of its own where the marker pane is, above
   * the town names, below the labels and popups, never catching the mouse (clicks and
   * the cursor are found by arithmetic, see `at`). L.Renderer sizes it to the view
   * plus a margin after every move and scales it through zoom animations (the markers
   * grow or shrink with the map for those 250 ms); drawn whole, at most once a frame. */
  var PlaceCanvas = AtlasCanvas.extend({
    options: { pane: "atlasPlaces", padding: 0.1, className: "atlas-places" },

    initialize: function (options) {
      L.Renderer.prototype.initialize.call(this, options);
      this._dots = [];
      this._pulses = {};
    },

    onAdd: function (map) {
      if (!map.getPane("atlasPlaces")) map.createPane("atlasPlaces");
      L.Renderer.prototype.onAdd.call(this, map);
      this._watchMouse(map);
    },

    /* A place to draw: {id, latlng, state, shape, color, disputed, hidden, traced,
     * untraced, onClick}. */
    add: function (info) {
      var dot = { id: info.id, latlng: L.latLng(info.lat, info.lon), state: "future", shape: "dot",
                  color: "#777", disputed: false, hidden: false, traced: false, untraced: false,
                  onClick: null, order: this._dots.length };
      this._dots.push(dot);
      this._view = null;   // its layer point is not known yet
      this._stale = true;  // nor is the canvas sized to hold it
      this.redraw();
      return dot;
    },

    set: function (dot, state, shape, color, disputed) {
      if (dot.state === state && dot.shape === shape && dot.color === color && dot.disputed === disputed) return;
      dot.state = state;
      dot.shape = shape;
      dot.color = color;
      dot.disputed = disputed;
      this.redraw();
    },

    flag: function (dot, hidden, traced, untraced) {
      if (dot.hidden === hidden && dot.traced === traced && dot.untraced === untraced) return;
      dot.hidden = hidden;
      dot.traced = traced;
      dot.untraced = untraced;
      this.redraw();
    },

    /* Every place's sprite and its label (bold, the wider), hidden ones too: they come
     * back without a move. */
    _contentBox: function (view) {
      this._ordered();   // works out the places' layer points for this view
      var box = null, half = SPRITE / 2, m = LABEL_MARGIN + 2;   // + the labels' shadow
      for (var i = 0; i < this._dots.length; i++) {
        var dot = this._dots[i];
        if (dot.labelRight === undefined) dot.labelRight = LABEL_DX + Math.ceil(labelWidth(placeInfo[dot.id].name, true)) + m;
        var b = L.bounds([dot.x - half, dot.y - half], [dot.x + Math.max(half, dot.labelRight), dot.y + half]);
        box = box ? box.extend(b.min).extend(b.max) : b;
      }
      return within(box, view);
    },

    /* The places in drawing order, bottom first, as the DOM markers stack: future,
     * past, current, and within each the lower on the screen on top. Layer points are
     * worked out once per view. */
    _ordered: function () {
      var map = this._map, view = viewKey();
      if (this._view !== view) {
        this._view = view;
        this._dots.forEach(function (dot) {
          var p = map.latLngToLayerPoint(dot.latlng).round();
          dot.x = p.x;
          dot.y = p.y;
        });
      }
      return this._dots.filter(function (dot) { return !dot.hidden; }).sort(function (a, b) {
        return (STATE_RANK[a.state] - STATE_RANK[b.state]) || (a.y - b.y) || (a.order - b.order);
      });
    },

    _draw: function () {
      if (this._frame) { L.Util.cancelAnimFrame(this._frame); this._frame = null; }
      if (!this._area) return;
      var ctx = this._ctx, view = this._area, dpr = this._dpr;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, this._canvas.width, this._canvas.height);
      ctx.setTransform(dpr, 0, 0, dpr, -view.min.x * dpr, -view.min.y * dpr);
      var half = SPRITE / 2, list = this._ordered(), badge = badgeSprite(dpr);
      for (var i = 0; i < list.length; i++) {
        var dot = list[i];
        if (dot.x < view.min.x - half || dot.x > view.max.x + half ||
            dot.y < view.min.y - half || dot.y > view.max.y + half) continue;
        ctx.globalAlpha = dot.untraced ? 0.25 : 1;
        ctx.drawImage(spriteFor(dot.shape, dot.color, dot.state, dot.traced, dpr), dot.x - half, dot.y - half, SPRITE, SPRITE);
        if (dot.disputed) ctx.drawImage(badge, dot.x - half, dot.y - half, SPRITE, SPRITE);
      }
      ctx.globalAlpha = 1;
      for (i = 0; i < list.length; i++) {
        var box = list[i].labelBox;
        if (!box || !box.on) continue;
        var sprite = labelSprite(list[i], box.cur, dpr);
        ctx.drawImage(sprite, list[i].x + LABEL_DX - LABEL_MARGIN, list[i].y - LABEL_H / 2 - LABEL_MARGIN, sprite.w, sprite.h);
      }
      this._drawn = list;
    },

    /* A place's label box for refreshLabels: sizes by arithmetic (see labelWidth). */
    labelBox: function (dot) {
      if (!dot.labelBox) {
        var name = placeInfo[dot.id].name;
        dot.labelBox = {
          canvas: true, latlng: dot.latlng, on: false, cur: false,
          n: { dx: LABEL_DX, dy: -LABEL_H / 2, w: labelWidth(name, false), h: LABEL_BOX_H },
          b: { dx: LABEL_DX, dy: -LABEL_H / 2, w: labelWidth(name, true), h: LABEL_BOX_H }
        };
      }
      return dot.labelBox;
    },

    /* The place whose marker is at container point `point` (the topmost), or null. */
    at: function (point) {
      if (!this._map) return null;
      var p = this._map.containerPointToLayerPoint(point);
      var list = this._ordered();
      for (var i = list.length - 1; i >= 0; i--) {
        var dot = list[i];
        if (Math.abs(dot.x - p.x) <= PLACE_HIT && Math.abs(dot.y - p.y) <= PLACE_HIT) return dot;
      }
      return null;
    },

    /* Clicks and the hand cursor over the places. The click is taken on its way down
     * (capture), so that neither the map nor an area circle under the place sees it. */
    _watchMouse: function (map) {
      var self = this, container = map.getContainer(), last = null, frame = null;
      container.addEventListener("click", function (ev) {
        if (ev.target.closest && ev.target.closest(".leaflet-control, .leaflet-popup")) return;
        if (map.dragging && map.dragging.moved()) return;
        var dot = self.at(map.mouseEventToContainerPoint(ev));
        if (!dot || !dot.onClick) return;
        ev.stopPropagation();
        self._clicked = dot;
        dot.onClick({ originalEvent: ev });
      }, true);
      container.addEventListener("mousemove", function (ev) {
        last = ev;
        if (!frame) {
          frame = L.Util.requestAnimFrame(function () {
            frame = null;
            var over = last && !(last.target.closest && last.target.closest(".leaflet-control, .leaflet-popup")) &&
              !map._animatingZoom && self.at(map.mouseEventToContainerPoint(last));
            container.style.cursor = over ? "pointer" : "";
            container.title = over ? placeInfo[over.id].name : "";
          });
        }
      });
    },

    /* A reader's click where the place's marker is drawn (tests, the self-test);
     * true if it reached that place. */
    click: function (dot) {
      var map = this._map, container = map.getContainer();
      var p = map.latLngToContainerPoint(dot.latlng), frame = container.getBoundingClientRect();
      var x = frame.left + p.x, y = frame.top + p.y;
      var target = document.elementFromPoint(x, y);
      if (!target || !container.contains(target)) target = container;
      this._clicked = null;
      target.dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true, view: window, clientX: x, clientY: y }));
      return this._clicked === dot;
    },

    /* The pulse around a few current places (none when crowded): a DOM ring each,
     * atlas.css's, under the canvas. */
    pulse: function (ids) {
      var map = this._map, pulses = this._pulses, want = {};
      ids.forEach(function (id) { if (!hiddenIds[id]) want[id] = true; });
      Object.keys(pulses).forEach(function (id) {
        if (!want[id]) { map.removeLayer(pulses[id]); delete pulses[id]; }
      });
      Object.keys(want).forEach(function (id) {
        var dot = reg.places[id].dot;
        if (!pulses[id]) {
          pulses[id] = L.marker(dot.latlng, {
            icon: L.divIcon({ className: "atlas-marker atlas-pulse state-current", html: "", iconSize: [22, 22], iconAnchor: [11, 11] }),
            interactive: false, keyboard: false, pane: "markerPane"
          }).addTo(map);
        }
        var node = pulses[id].getElement();
        if (node && node._atlasColor !== dot.color) {
          node.style.setProperty("--cat-color", dot.color);
          node._atlasColor = dot.color;
        }
      });
    }
  });

  /* A canvas-drawn place's icon rect in layer points, as markerRect's. */
  function dotRect(dot, view) {
    var at = anchorOf(dot, dot.latlng, view);
    if (dot._atlasRectAt !== at) {
      var left = Math.round(at.x) - PLACE_HIT, top = Math.round(at.y) - PLACE_HIT;
      dot._atlasRect = { left: left, top: top, right: left + 2 * PLACE_HIT, bottom: top + 2 * PLACE_HIT };
      dot._atlasRectAt = at;
    }
    return dot._atlasRect;
  }

  /* A place's marker (a styled div: its shape and colour come from atlas.css; with
   * many places, a dot on PlaceCanvas instead) and, for a place known only roughly,
   * the circle of its uncertainty. */
  function createPlace(info) {
    var marker = null, dot = null;
    if (placeCanvas) {
      dot = placeCanvas.add(info);
    } else {
      marker = L.marker([info.lat, info.lon], {
        icon: L.divIcon({ className: "atlas-marker", html: '<div class="atlas-shape"></div>',
                          iconSize: [22, 22], iconAnchor: [11, 11] })
      }).addTo(reg.map);
    }
    var area = null;
    if (info.area) {
      area = L.circle([info.lat, info.lon], {
        renderer: areaCanvas || undefined, radius: info.radius, weight: 1, color: "#7a6f5c", fill: true, fillOpacity: 0.08,
        dashArray: "3 4", interactive: true
      }).addTo(reg.map);
    }
    return { marker: marker, dot: dot, area: area };
  }

  /* --offline: the page offers no online tile layers at all. */
  function withdrawOnline() {
    Object.keys(reg.online).forEach(function (k) { reg.map.removeLayer(reg.online[k]); });
    if (reg.control) reg.map.removeControl(reg.control);
    reg.online = {};
  }

  function markerNode(id) {
    var refs = reg.places[id];
    return refs && refs.marker ? refs.marker.getElement() : null;
  }

  /* What was last written to each marker's element, so that an update touches only
   * what changed: {node, state, shape, color, disputed} by place id. */
  var placeDone = {};

  function applyPlace(id, s) {
    var refs = reg.places[id];
    if (!refs) return;
    var prev = shown[id] || {};
    shown[id] = s;
    var cat = config.categories[s.category] || null;
    if (refs.dot) placeCanvas.set(refs.dot, s.state, cat ? cat.shape : "dot", cat ? cat.color : "#777", !!s.disputed);
    var node = refs.marker ? refs.marker.getElement() : null;
    if (node) {
      var done = placeDone[id];
      if (!done || done.node !== node) {   // a new element: clear what it may carry
        done = placeDone[id] = { node: node };
        node.classList.remove("state-current", "state-past", "state-future");
        Object.keys(config.categories).forEach(function (key) {
          node.classList.remove("shape-" + config.categories[key].shape);
        });
      }
      if (done.state !== s.state) {
        if (done.state) node.classList.remove("state-" + done.state);
        node.classList.add("state-" + s.state);
        node.setAttribute("data-state", s.state);
        done.state = s.state;
      }
      var shape = cat ? cat.shape : "dot";
      if (done.shape !== shape) {
        if (done.shape) node.classList.remove("shape-" + done.shape);
        node.classList.add("shape-" + shape);
        done.shape = shape;
      }
      var catColor = cat ? cat.color : "#777";
      if (done.color !== catColor) {
        node.style.setProperty("--cat-color", catColor);
        done.color = catColor;
      }
      if (done.disputed !== !!s.disputed) {
        node.classList.toggle("disputed", !!s.disputed);
        done.disputed = !!s.disputed;
      }
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
    // setZIndexOffset places the marker again (a style write): only on a change.
    var z = s.state === "current" ? 1000 : s.state === "past" ? 100 : 0;
    if (refs.marker && refs.marker.options.zIndexOffset !== z) refs.marker.setZIndexOffset(z);
  }

  /* Places whose events are all filtered out are hidden; with a trace on, places
   * outside the chain fade. Only places whose flags changed are touched. */
  var hiddenDone = {};  // place id -> {marker, label, area: elements; hidden, traced, untraced}

  function applyHidden(hidden, traced) {
    var h = {}, t = {};
    hidden.forEach(function (id) { h[id] = true; });
    traced.forEach(function (id) { t[id] = true; });
    var tracing = traced.length > 0;
    Object.keys(reg.places).forEach(function (id) {
      var refs = reg.places[id];
      var flags = { hidden: !!h[id], traced: !!t[id], untraced: tracing && !t[id] };
      hiddenIds[id] = flags.hidden;
      if (refs.dot) placeCanvas.flag(refs.dot, flags.hidden, flags.traced, flags.untraced);
      var node = refs.marker ? refs.marker.getElement() : null;
      var label = labels[id] ? labels[id].getElement() : null;
      var area = refs.area ? refs.area.getElement() : null;
      var done = hiddenDone[id];
      if (done && done.marker === node && done.label === label && done.area === area &&
          done.hidden === flags.hidden && done.traced === flags.traced && done.untraced === flags.untraced) return;
      if (node) {
        node.classList.toggle("filtered-out", flags.hidden);
        node.classList.toggle("traced", flags.traced);
        node.classList.toggle("untraced", flags.untraced);
      }
      if (label) label.classList.toggle("filtered-out", flags.hidden);
      if (area) area.classList.toggle("filtered-out", flags.hidden);
      if (refs.area && !area && refs.dot) {   // on the areas' canvas: taken off the map
        if (flags.hidden) reg.map.removeLayer(refs.area); else refs.area.addTo(reg.map);
      }
      flags.marker = node;
      flags.label = label;
      flags.area = area;
      hiddenDone[id] = flags;
    });
  }

  /* Markers change state with a short transition, for a reader stepping or playing
   * through time. Not while the slider is dragged, nor when many change at once: each
   * transition repaints its marker for 160 ms, and with hundreds per move that was half
   * the browser's work (benches/probe.py, 10,000 events: renderer 118 -> 59 ms of CPU
   * per move). */
  var CALM_MS = 200;      // updates closer than this: a drag (playing by event: 960 ms apart)
  var CALM_PLACES = 24;   // more places changing at once than this: no transitions
  var MAX_PULSES = 16;    // more current places than this: no pulse (the real story: 10)
  var lastUpdateAt = -Infinity;
  var calmTimer = null;

  /* atlas-instant also holds the pulse back (atlas.css): it is lifted once no update has
   * come for CALM_MS, so the places current where the reader let go pulse then. */
  function settleMarkers(changing) {
    var now = performance.now();
    setRootClass("atlas-instant", now - lastUpdateAt < CALM_MS || changing > CALM_PLACES);
    lastUpdateAt = now;
    clearTimeout(calmTimer);
    if (rootClasses["atlas-instant"]) {
      calmTimer = setTimeout(function () { setRootClass("atlas-instant", false); }, CALM_MS);
    }
  }

  var rootClasses = {};   // class -> on, as last set on <html>: written only on a change

  function setRootClass(name, on) {
    if (rootClasses[name] === on) return;
    rootClasses[name] = on;
    document.documentElement.classList.toggle(name, on);
  }

  var homeArea = null;   // config.home with a margin, made once

  function inHome(latlng) {
    if (!homeArea) homeArea = L.latLngBounds(config.home).pad(0.5);
    return homeArea.contains(latlng);
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
    var farKey = JSON.stringify(far.map(function (f) { return f.id; }));
    if (box && box._atlasFar !== farKey) {   // rebuilt only when the list changes
      box._atlasFar = farKey;
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
     * registry = Folium's map and online layers by our names, boot = {home, towns}. */
    boot: function (registry, boot) {
      reg = registry;
      reg.places = {};
      reg.basemap = {};
      config = { home: boot.home, towns: boot.towns || [], places: [], categories: {}, links: [] };
      readBasemap();
      if (typeof QWebChannel !== "undefined" && typeof qt !== "undefined" && qt.webChannelTransport) {
        new QWebChannel(qt.webChannelTransport, function (channel) {
          bridge = channel.objects.atlasBridge;
          reportReady();
        });
      }
      whenSized(function () {
        setUpView();
        viewUp = true;
        if (pendingLoad) {
          var cfg = pendingLoad;
          pendingLoad = null;
          api.load(cfg);
          if (pendingPreview) api.update(pendingPreview);
        }
        pendingPreview = null;
        reportReady();
      });
    },

    /* Python calls this once the page is ready: the dataset's places, categories and
     * arcs (cfg = viewer.pageconfig.page_config). Markers are created here, by id. */
    load: function (cfg) {
      if (loaded || pendingLoad) return false;
      if (!viewUp) {  // applied once the page has its view (boot)
        pendingLoad = cfg;
        return JSON.stringify({ places: 0, waiting: true });
      }
      loaded = true;
      config.places = cfg.places;
      config.categories = cfg.categories;
      config.links = cfg.links || [];
      config.title = cfg.title;
      if (cfg.online === false) withdrawOnline();
      config.places.forEach(function (p) { placeInfo[p.id] = p; });
      var many = cfg.placeCanvas !== undefined ? !!cfg.placeCanvas : config.places.length > CANVAS_PLACES;
      if (many) {
        placeCanvas = new PlaceCanvas().addTo(reg.map);
        if (!reg.map.getPane("atlasAreas")) reg.map.createPane("atlasAreas");
        areaCanvas = new AreaCanvas({ pane: "atlasAreas", padding: 0.1 });
      }
      config.places.forEach(function (info) {
        var id = info.id;
        var refs = createPlace(info);
        reg.places[id] = refs;
        var label = el("span", "atlas-label-text", info.name);
        var labelOptions = {
          permanent: true, direction: "right", offset: [12, 0], className: "atlas-label", interactive: false
        };
        if (refs.dot) {   // its label is drawn on the canvas too
          labels[id] = null;
          refs.dot.onClick = onPlaceClick(id);
        } else {
          refs.marker.bindTooltip(label, labelOptions);
          labels[id] = refs.marker.getTooltip();
          refs.marker.on("click", onPlaceClick(id));
        }
        if (refs.area) refs.area.on("click", onPlaceClick(id));
        var node = refs.marker ? refs.marker.getElement() : null;
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

    /* The size of the page's view as Python laid it out (a preloaded page waits for it). */
    viewSize: function (width, height) {
      expectedSize = [width, height];
      if (checkSize) checkSize();
      return true;
    },

    /* The first state, sent with Atlas.load to a page still waiting for its view:
     * applied right after the places, so the first frame shows it. Python sends it
     * again as an update once the page is ready (changing nothing then). */
    preview: function (state) {
      if (viewUp) return false;
      pendingPreview = state;
      return true;
    },

    /* state: {seq, places: {id: {state, category, title, when}}, focus: [ids]}, and
     * when they change: links {reset, on, off}, tracedLinks, hidden, traced (ids). */
    update: function (state) {
      var changed = Object.keys(state.places);
      settleMarkers(changed.length);
      changed.forEach(function (id) { applyPlace(id, state.places[id]); });
      focusIds = state.focus || [];
      inFocus = Object.create(null);
      focusIds.forEach(function (id) { inFocus[id] = true; });
      // Python sends only what changed: remember the rest.
      ["hidden", "traced"].forEach(function (key) {
        if (state[key] !== undefined) extras[key] = state[key];
      });
      if (state.links) applyArcChanges(state.links);
      if (state.tracedLinks) applyTracedArcs(state.tracedLinks);
      if (state.links || state.tracedLinks) arcCanvas.redraw();
      if (state.hidden !== undefined || state.traced !== undefined) applyHidden(extras.hidden, extras.traced);
      var panned = bringIntoView(focusIds);
      refreshLabels();
      lastSeq = state.seq;
      var current = api.placesIn("current");
      // Hundreds of pulsing rings are noise, and keep the browser painting every frame.
      setRootClass("atlas-crowded", current.length > MAX_PULSES);
      if (placeCanvas) placeCanvas.pulse(current.length > MAX_PULSES ? [] : current);
      return JSON.stringify({ seq: state.seq, panned: panned, current: current });
    },

    placesIn: function (state) {
      return Object.keys(shown).filter(function (id) { return shown[id].state === state; }).sort();
    },

    /* What the page shows, for tests and the self-test: JSON text. */
    query: function () {
      var out = { seq: lastSeq, zoom: reg.map.getZoom(), places: {}, links: {} };
      arcList.forEach(function (arc) {
        out.links[arc.info.id] = { shown: arc.on, traced: arcLook(arc) === "traced" };
      });
      Object.keys(reg.places).forEach(function (id) {
        var node = markerNode(id), dot = reg.places[id].dot, info = placeInfo[id];
        out.places[id] = {
          state: dot ? dot.state : node ? node.getAttribute("data-state") : null,
          category: (shown[id] || {}).category || null,
          onScreen: reg.map.getBounds().contains(L.latLng(info.lat, info.lon)),
          label: dot ? info.name : labels[id] && labels[id].getElement() ? labels[id].getElement().textContent : null,
          hidden: dot ? dot.hidden : node ? node.classList.contains("filtered-out") : null,
          traced: dot ? dot.traced : node ? node.classList.contains("traced") : null,
          disputed: dot ? dot.disputed : node ? node.classList.contains("disputed") : null,
          canvas: !!dot
        };
        // A canvas-drawn place's label: whether refreshLabels has it drawn.
        if (dot) out.places[id].labelShown = !!(dot.labelBox && dot.labelBox.on);
      });
      return JSON.stringify(out);
    },

    /* A real DOM click on a marker, as a reader's mouse would make. */
    clickMarker: function (id) {
      var refs = reg.places[id];
      if (refs && refs.dot) return placeCanvas.click(refs.dot);
      var node = markerNode(id);
      if (!node) return false;
      node.dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true, view: window }));
      return true;
    },

    /* For tests: a place's container point (JSON text), and the place a click at
     * container point (x, y) reaches on the places canvas (null without one). */
    placePoint: function (id) {
      var info = placeInfo[id];
      if (!info) return null;
      var p = reg.map.latLngToContainerPoint([info.lat, info.lon]);
      return JSON.stringify({ x: p.x, y: p.y });
    },
    placeAt: function (x, y) {
      var dot = placeCanvas && placeCanvas.at(L.point(x, y));
      return dot ? dot.id : null;
    },

    /* For tests: the arc the mouse would hover at container point (x, y), and the
     * container point halfway along an arc (JSON text). */
    arcAt: function (x, y) { return arcAt(L.point(x, y)); },
    arcMiddle: function (id) {
      var arc = arcs[id];
      if (!arc) return null;
      var at = L.point((arc.x0 + 2 * arc.cx + arc.x1) / 4, (arc.y0 + 2 * arc.cy + arc.y1) / 4);
      var p = reg.map.latLngToContainerPoint(reg.map.unproject(at, ARC_ZOOM));
      return JSON.stringify({ x: p.x, y: p.y });
    },

    onlineChanged: function () {
      // With an online layer on, the offline land fill would hide it: keep only the lines.
      var online = onlineOn();
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
        requestAnimationFrame(function () {
          // From now on markers change state with a transition; the first state shows at
          // once (the page opens at its moment rather than animating into it).
          document.documentElement.classList.add("atlas-live");
          callBridge("painted", seq);
          if (!firstPainted) {
            firstPainted = true;
            setTimeout(addBasemapRest, 0);
          }
        });
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
