// The atlas map: MapLibre GL JS drawing the atlas's PMTiles vector tiles, each area coloured
// in the browser through feature-state.
//
// Streamlit (st.components.v2, see ui/area_map.py) calls render() on every rerun with the
// payload of ui/map_payload.py. The map is created once per element and only what changed
// is applied: a new archive swaps the source, new values set feature-state (no geometry
// crosses the websocket), a new view fits its extent, a new selection moves the outline.
// Hover reads name, value and rank from what the browser already holds; a click sends the
// area's code back to Python as the trigger value "click".
//
// Areas whose value cannot be told from random placement (payload values.hatched) are
// drawn hatched over their colour, with a legend entry.
//
// For tests and benchmarks the map element carries data-areas ("drawn" once the areas
// first show in their colours), data-state ("loading" / "idle"), data-values (the version of the values drawn), data-tile-errors and
// data-error, and
// element.atlas (also window.atlasMap) offers renderedAreas(), hatchedAreas() and
// pointOf(code).

import * as maplibregl from "./vendor/maplibre-gl.mjs";

const AREAS = "areas";
const NO_STATE = -2; // an area of the archive that is not on this map
const NO_VALUE = -1;
const HATCH = "atlas-hatch";
const maps = new WeakMap();
// MapLibre gives a 2-core machine one tile worker; the main thread mostly waits while tiles
// are parsed, so a second worker parses them in parallel.
maplibregl.setWorkerCount(Math.max(2, Math.min(Math.floor(navigator.hardwareConcurrency / 2), 3)));
let pmtilesProtocol = null;

// The loader of ui/area_map.py has usually started the PMTiles reader already.
function loadPmtiles() {
  pmtilesProtocol ??= new Promise((resolve, reject) => {
    const failed = () => reject(new Error("the PMTiles reader (vendor/pmtiles.js) did not load"));
    let script = document.querySelector("script[data-atlas-pmtiles]");
    if (window.pmtiles || script?.dataset.atlasPmtiles === "loaded") {
      resolve(window.pmtiles);
      return;
    }
    if (script?.dataset.atlasPmtiles === "failed") {
      failed();
      return;
    }
    if (!script) {
      script = document.createElement("script");
      script.src = new URL("vendor/pmtiles.js", import.meta.url).href;
      script.dataset.atlasPmtiles = "loading";
      document.head.appendChild(script);
    }
    script.addEventListener("load", () => resolve(window.pmtiles));
    script.addEventListener("error", failed);
  }).then((pmtiles) => {
    const protocol = new pmtiles.Protocol();
    maplibregl.addProtocol("pmtiles", protocol.tile);
    return protocol;
  });
  return pmtilesProtocol;
}

function loadCss() {
  if (document.querySelector("link[data-atlas-map]")) return;
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = new URL("vendor/maplibre-gl.css", import.meta.url).href;
  link.dataset.atlasMap = "1";
  document.head.appendChild(link);
}

const tileUrl = (path) => "pmtiles://" + new URL(path, window.location.origin).href;

function themeColours(element) {
  const style = getComputedStyle(element);
  const read = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
  const text = read("--st-text-color", style.color || "#31333f");
  const background = read("--st-background-color", "#ffffff");
  return { text, background };
}

// ---------------------------------------------------------------- style

// Diagonal stripes, white edged with black, so they show on light and dark colours alike;
// drawn at twice the resolution (pixelRatio 2) for sharp lines.
function hatchImage() {
  const size = 16;
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const d = (x + y) % 8;
      const [v, a] = d < 2 ? [255, 235] : d < 4 ? [0, 200] : [0, 0];
      data.set([v, v, v, a], (y * size + x) * 4);
    }
  }
  return { width: size, height: size, data };
}

function hatchSwatch() {
  return "repeating-linear-gradient(135deg, rgba(255,255,255,0.95) 0 1.5px, "
    + "rgba(0,0,0,0.8) 1.5px 3px, #9a9a9a 3px 5.5px)";
}

function fillColour(legend) {
  const match = ["match", ["coalesce", ["feature-state", "c"], NO_STATE],
    NO_STATE, "rgba(0,0,0,0)", NO_VALUE, legend.no_value_colour];
  legend.colours.forEach((colour, i) => match.push(i, colour));
  match.push(legend.no_value_colour);
  return match;
}

// Only what is seen is laid out: borders of small areas from the zoom where they show,
// and the selected area's outline by a filter on its id (a line width of 0 would still
// lay out every border of England).
const selectedFilter = (selected) => ["==", ["id"], selected ? selected.id : -1];

function areaLayers(payload) {
  const fine = payload.layer.level !== "lad";
  return [
    {
      id: "areas-fill", type: "fill", source: AREAS, "source-layer": AREAS,
      paint: {
        "fill-color": fillColour(payload.legend),
        "fill-opacity": payload.basemap ? 0.75 : 0.9,
      },
    },
    // Only for indicators that can be hatched: a pattern layer over every small area of
    // England would cost a second fill of all of them.
    ...(payload.legend.hatch_label ? [{
      id: "areas-hatch", type: "fill", source: AREAS, "source-layer": AREAS,
      paint: {
        "fill-pattern": HATCH,
        "fill-opacity": ["case", ["boolean", ["feature-state", "h"], false], 1, 0],
      },
    }] : []),
    {
      // Borders would bury the colours of thousands of small areas at national scale.
      id: "areas-line", type: "line", source: AREAS, "source-layer": AREAS,
      minzoom: fine ? 7.5 : 0,
      paint: {
        "line-color": "rgba(255,255,255,0.8)",
        "line-opacity": ["case", ["==", ["coalesce", ["feature-state", "c"], NO_STATE],
          NO_STATE], 0, 1],
        "line-width": fine
          ? ["interpolate", ["linear"], ["zoom"], 7.5, 0.2, 9, 0.4, 12, 1]
          : ["interpolate", ["linear"], ["zoom"], 4, 0.3, 8, 1],
      },
    },
    {
      id: "areas-selected", type: "line", source: AREAS, "source-layer": AREAS,
      filter: selectedFilter(payload.selected),
      paint: { "line-color": "#d62728", "line-width": 3 },
    },
  ];
}

// District outlines and names come from the district archive, which is the areas' own
// archive on a map of districts (one source, read once).
const districtSource = (payload) => (payload.layer.level === "lad" ? AREAS : "districts");

function contextLayers(payload, theme) {
  const layers = [];
  const { districts, regions } = payload.context;
  if (districts && payload.layer.level !== "lad") {
    layers.push({
      id: "district-lines", type: "line", source: "districts", "source-layer": AREAS,
      minzoom: 5,
      paint: { "line-color": theme.text, "line-opacity": 0.55,
        "line-width": ["interpolate", ["linear"], ["zoom"], 5, 0.3, 10, 1.2] },
    });
  }
  if (regions) {
    layers.push({
      id: "region-lines", type: "line", source: "regions", "source-layer": AREAS,
      paint: { "line-color": theme.text, "line-opacity": 0.7,
        "line-width": ["interpolate", ["linear"], ["zoom"], 4, 0.8, 9, 2] },
    });
  }
  return layers;
}

// The label points of the region and district archives. MapLibre only keeps the features of
// a tile layer that some style layer uses, so an invisible circle layer keeps them; the
// names themselves are HTML (class Names below): drawing text in WebGL needs a glyph
// server or rasterising every glyph in the page, which costs a second in software WebGL.
const NAME_ZOOMS = { region: [0, 7], district: [6.5, 24] };

function labelSources(payload) {
  const { districts, regions } = payload.context;
  const found = [];
  if (regions) found.push(["region", "regions"]);
  if (districts) found.push(["district", districtSource(payload)]);
  return found;
}

function labelPointLayers(payload) {
  return labelSources(payload).map(([kind, source]) => ({
    id: `${kind}-label-points`, type: "circle", source, "source-layer": "labels",
    minzoom: NAME_ZOOMS[kind][0], maxzoom: NAME_ZOOMS[kind][1],
    paint: { "circle-radius": 0, "circle-opacity": 0 },
  }));
}

function buildStyle(payload, theme) {
  const sources = { [AREAS]: { type: "vector", url: tileUrl(payload.layer.url) } };
  const { districts, regions } = payload.context;
  if (districts && districtSource(payload) !== AREAS) {
    sources.districts = { type: "vector", url: tileUrl(districts) };
  }
  if (regions) sources.regions = { type: "vector", url: tileUrl(regions) };
  const layers = [{ id: "background", type: "background",
    paint: { "background-color": "rgba(0,0,0,0)" } }];
  if (payload.basemap) {
    sources.basemap = { type: "raster", tiles: payload.basemap.tiles, tileSize: 256,
      attribution: payload.basemap.attribution, maxzoom: 19 };
    layers.push({ id: "basemap", type: "raster", source: "basemap" });
  }
  return { version: 8, sources, layers: [...layers, ...areaLayers(payload),
    ...contextLayers(payload, theme), ...labelPointLayers(payload)] };
}

// ---------------------------------------------------------------- values

function expandIds(runs) {
  const ids = [];
  for (const [start, count] of runs) for (let i = 0; i < count; i++) ids.push(start + i);
  return ids;
}

// Rank 1 = the worst area, as in the table (pandas rank(method="min")).
function ranksOf(values, polarity) {
  const order = [];
  values.forEach((v, i) => { if (v !== null) order.push(i); });
  const sign = polarity === "higher_better" ? 1 : -1;
  order.sort((a, b) => sign * (values[a] - values[b]));
  const ranks = new Array(values.length).fill(null);
  order.forEach((index, position) => {
    const previous = order[position - 1];
    ranks[index] = position > 0 && values[previous] === values[index]
      ? ranks[previous] : position + 1;
  });
  return { ranks, ranked: order.length };
}

function decodeValues(block) {
  const ids = expandIds(block.ids);
  const values = block.values.map((v) => (v === null ? null : v / block.scale));
  const classes = Array.from(block.classes, (c) => (c === "." ? NO_VALUE : Number(c)));
  const notes = new Map();
  for (const [position, note] of block.notes) notes.set(ids[position], block.note_texts[note]);
  const position = new Map(ids.map((id, i) => [id, i]));
  const hatched = new Set((block.hatched || []).map((p) => ids[p]));
  return { version: block.version, ids, values, classes, notes, position, hatched,
    ...ranksOf(values, block.polarity) };
}

// ---------------------------------------------------------------- names on the map

// Region and district names as HTML over the canvas: the browser draws the text, MapLibre
// says where. Big areas first; a name that would overlap one already placed is left out.
class Names {
  constructor(map, container) {
    this.map = map;
    this.points = [];
    this.layer = document.createElement("div");
    this.layer.className = "atlas-names";
    this.layer.setAttribute("aria-hidden", "true");
    this.layer.style.cssText = "position:absolute;inset:0;overflow:hidden;pointer-events:none;"
      + "font:12px/1.2 sans-serif;";
    container.appendChild(this.layer);
    this.pending = false;
  }

  collect(sources) {
    const seen = new Map();
    for (const [kind, source] of sources) {
      if (!this.map.getSource(source)) continue;
      for (const f of this.map.querySourceFeatures(source, { sourceLayer: "labels" })) {
        const key = `${kind}:${f.properties.code}`;
        if (seen.has(key)) continue;
        const [lng, lat] = f.geometry.coordinates;
        seen.set(key, { kind, name: f.properties.name, lng, lat,
          rank: f.properties.rank ?? 1e9 });
      }
    }
    if (seen.size) {
      this.points = [...seen.values()].sort((a, b) => a.kind === b.kind
        ? a.rank - b.rank : (a.kind === "region" ? -1 : 1));
    }
  }

  schedule(theme) {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.place(theme);
    });
  }

  place(theme) {
    const zoom = this.map.getZoom();
    const width = this.layer.clientWidth;
    const height = this.layer.clientHeight;
    const taken = [];
    const parts = [];
    for (const point of this.points) {
      const [low, high] = NAME_ZOOMS[point.kind];
      if (zoom < low || zoom >= high) continue;
      const at = this.map.project([point.lng, point.lat]);
      const size = point.kind === "region" ? 14 : 12;
      const w = point.name.length * size * 0.55 + 6;
      const h = size + 4;
      const box = [at.x - w / 2, at.y - h / 2, at.x + w / 2, at.y + h / 2];
      if (box[2] < 0 || box[0] > width || box[3] < 0 || box[1] > height) continue;
      if (taken.some((t) => box[0] < t[2] && box[2] > t[0] && box[1] < t[3] && box[3] > t[1])) {
        continue;
      }
      taken.push(box);
      parts.push([point, at, size]);
    }
    const halo = theme.background;
    const shadow = [[-1, -1], [1, -1], [-1, 1], [1, 1], [0, 0]]
      .map(([x, y]) => `${x}px ${y}px 2px ${halo}`).join(",");
    this.layer.replaceChildren(...parts.map(([point, at, size]) => {
      const label = document.createElement("span");
      label.textContent = point.name;
      label.style.cssText = `position:absolute;left:${at.x}px;top:${at.y}px;`
        + `transform:translate(-50%,-50%);white-space:nowrap;font-size:${size}px;`
        + `font-weight:${point.kind === "region" ? 600 : 400};color:${theme.text};`
        + `text-shadow:${shadow};`;
      return label;
    }));
  }
}

// ---------------------------------------------------------------- the map of one element

class AtlasMap {
  constructor(parent, payload, component) {
    this.component = component;
    this.payload = payload;
    this.theme = themeColours(parent);
    this.box = document.createElement("div");
    this.box.className = "atlas-map";
    this.box.dataset.state = "loading";
    this.box.dataset.tileErrors = "0";
    this.box.style.cssText = "width:100%;";
    this.box.setAttribute("role", "region");
    this.box.setAttribute("aria-label", payload.aria_label);
    this.canvasBox = document.createElement("div");
    this.canvasBox.style.cssText = `position:relative;width:100%;height:${payload.height}px;`;
    this.legend = document.createElement("div");
    this.legend.className = "atlas-legend";
    this.box.append(this.canvasBox, this.legend);
    parent.appendChild(this.box);
    this.data = null;
    this.tileErrors = 0;
    performance.mark("atlas-map:create");
    this.map = new maplibregl.Map({
      container: this.canvasBox, style: buildStyle(payload, this.theme),
      bounds: payload.view.extent, fitBoundsOptions: { padding: 24 },
      dragRotate: false, pitchWithRotate: false, touchPitch: false, maxZoom: 16,
      attributionControl: { compact: true }, cooperativeGestures: false,
    });
    this.names = new Names(this.map, this.canvasBox);
    this.map.touchZoomRotate.disableRotation();
    this.map.keyboard.disableRotation();
    this.map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
    this.popup = new maplibregl.Popup({ closeButton: false, closeOnClick: false,
      maxWidth: "320px", className: "atlas-popup" });
    this.bindEvents();
    this.box.atlas = this;
    window.atlasMap = this;
    this.applyValues(payload.values);
    this.applyLegend(payload.legend);
    this.applySelection(payload.selected);
  }

  bindEvents() {
    const map = this.map;
    map.on("error", (event) => {
      if (event.sourceId === "basemap") {
        this.notice("The basemap could not be loaded (is there internet here?). "
          + "The areas are drawn without it.");
        return;
      }
      this.tileErrors += 1;
      this.box.dataset.tileErrors = String(this.tileErrors);
      this.box.dataset.error = String(event.error?.message || event.error || "map error");
      this.notice("Part of the map could not be drawn: "
        + this.box.dataset.error + ". The table below lists every value.");
    });
    // The hatch pattern must exist before a tile is laid out (a tile laid out without it
    // never shows it): the resolver runs before the missing image is looked up again,
    // including after a new style.
    const addHatch = () => {
      if (!map.hasImage(HATCH)) map.addImage(HATCH, hatchImage(), { pixelRatio: 2 });
    };
    map.setMissingStyleImageResolver(async (id) => { if (id === HATCH) addHatch(); });
    addHatch();
    map.on("dataloading", () => { this.box.dataset.state = "loading"; });
    map.on("load", () => performance.mark("atlas-map:style-loaded"));
    map.on("idle", () => {
      this.names.collect(labelSources(this.payload));
      this.names.place(this.theme);
      if (this.box.dataset.areas !== "drawn") performance.mark("atlas-map:areas-drawn");
      this.box.dataset.areas = "drawn";
      this.box.dataset.state = "idle";
      performance.mark("atlas-map:idle");
    });
    map.on("move", () => this.names.schedule(this.theme));
    map.on("mousemove", "areas-fill", (event) => this.hover(event));
    map.on("mouseleave", "areas-fill", () => {
      map.getCanvas().style.cursor = "";
      this.popup.remove();
    });
    map.on("click", "areas-fill", (event) => {
      const feature = this.featureOnMap(event.features);
      if (feature) this.component.setTriggerValue("click", feature.properties.code);
    });
  }

  notice(text) {
    if (!this.noticeBox) {
      this.noticeBox = document.createElement("div");
      this.noticeBox.setAttribute("role", "status");
      this.noticeBox.style.cssText = "position:absolute;top:8px;left:8px;right:56px;"
        + "padding:4px 8px;border-radius:4px;font-size:0.8rem;"
        + `background:${this.theme.background};color:${this.theme.text};opacity:0.92;`;
      this.canvasBox.appendChild(this.noticeBox);
    }
    this.noticeBox.textContent = text;
    this.noticeBox.hidden = false;
  }

  featureOnMap(features) {
    return (features || []).find((f) => this.data && this.data.position.has(f.id));
  }

  hover(event) {
    const feature = this.featureOnMap(event.features);
    if (!feature) {
      this.map.getCanvas().style.cursor = "";
      this.popup.remove();
      return;
    }
    this.map.getCanvas().style.cursor = "pointer";
    const i = this.data.position.get(feature.id);
    const value = this.data.values[i];
    const h = this.payload.hover;
    const lines = [[feature.properties.name, true], [feature.properties.code, false]];
    if (value === null) {
      lines.push([this.data.notes.get(feature.id) || h.no_value, false]);
    } else {
      // The indicator's formatting rule (indicators/formatting.py): a share as a percentage.
      const number = (h.percent ? 100 * value : value).toLocaleString("en-GB", {
        minimumFractionDigits: h.decimals, maximumFractionDigits: h.decimals });
      lines.push([`${h.label}: ${number}${h.percent ? "%" : ""} ${h.unit}`, false]);
      if (h.ranked) lines.push([`Rank ${this.data.ranks[i]} of ${this.data.ranked.toLocaleString("en-GB")}`, false]);
      const note = this.data.notes.get(feature.id);
      if (note) lines.push([note, false]);
    }
    lines.push([h.vintage, false]);
    const body = document.createElement("div");
    for (const [text, bold] of lines) {
      const line = document.createElement(bold ? "strong" : "div");
      line.textContent = text;
      body.appendChild(line);
      if (bold) body.appendChild(document.createElement("br"));
    }
    this.popup.setLngLat(event.lngLat).setDOMContent(body).addTo(this.map);
  }

  update(payload) {
    const before = this.payload;
    this.payload = payload;
    const theme = themeColours(this.box.parentElement || this.box);
    const restyle = before.layer.url !== payload.layer.url
      || JSON.stringify(before.context) !== JSON.stringify(payload.context)
      || JSON.stringify(before.basemap) !== JSON.stringify(payload.basemap)
      || !before.legend.hatch_label !== !payload.legend.hatch_label
      || theme.text !== this.theme.text || theme.background !== this.theme.background;
    this.theme = theme;
    if (restyle) {
      // setStyle with diff swaps only what changed; feature-state goes with a new source.
      this.map.setStyle(buildStyle(payload, theme));
      this.data = null;
      if (this.noticeBox) this.noticeBox.hidden = true;
    } else if (JSON.stringify(before.legend.colours) !== JSON.stringify(payload.legend.colours)
      || before.legend.no_value_colour !== payload.legend.no_value_colour) {
      this.map.setPaintProperty("areas-fill", "fill-color", fillColour(payload.legend));
    }
    this.box.setAttribute("aria-label", payload.aria_label);
    if (before.view.key !== payload.view.key) {
      this.map.fitBounds(payload.view.extent, { padding: 24, duration: 400 });
    }
    this.applyValues(payload.values);
    this.applyLegend(payload.legend);
    this.applySelection(payload.selected);
  }

  applyValues(block) {
    if (this.data && this.data.version === block.version) return;
    const map = this.map;
    const target = { source: AREAS, sourceLayer: AREAS };
    if (!map.getSource(AREAS)) {
      map.once("styledata", () => this.applyValues(block));
      return;
    }
    map.removeFeatureState(target);
    this.popup.remove();
    this.data = decodeValues(block);
    const { ids, classes, hatched } = this.data;
    for (let i = 0; i < ids.length; i++) {
      map.setFeatureState({ ...target, id: ids[i] }, { c: classes[i], h: hatched.has(ids[i]) });
    }
    this.box.dataset.values = block.version;
  }

  applySelection(selected) {
    const map = this.map;
    const id = selected ? selected.id : null;
    if (this.selected === id || !map.getLayer("areas-selected")) return;
    this.selected = id;
    map.setFilter("areas-selected", selectedFilter(selected));
    if (id === null) return;
    const [minx, miny, maxx, maxy] = selected.bounds;
    const shown = map.getBounds();
    if (!(shown.contains([minx, miny]) && shown.contains([maxx, maxy]))) {
      map.fitBounds(selected.bounds, { padding: 60, maxZoom: Math.max(map.getZoom(), 9),
        duration: 400 });
    }
  }

  applyLegend(legend) {
    const key = JSON.stringify(legend);
    if (this.legendKey === key) return;
    this.legendKey = key;
    const box = this.legend;
    box.replaceChildren();
    box.style.cssText = "display:flex;flex-wrap:wrap;gap:2px 14px;align-items:center;"
      + "padding:6px 0 0;font-size:0.8rem;line-height:1.4;"
      + `color:${this.theme.text};`;
    const title = document.createElement("div");
    title.style.cssText = "flex-basis:100%;font-weight:600;";
    title.textContent = legend.title;
    box.appendChild(title);
    const entries = legend.labels.map((label, i) => [legend.colours[i], label]);
    if (legend.show_no_value) entries.push([legend.no_value_colour, legend.no_value_label]);
    if (legend.hatch_label) entries.push([hatchSwatch(), legend.hatch_label]);
    for (const [colour, label] of entries) {
      const row = document.createElement("span");
      const swatch = document.createElement("span");
      swatch.style.cssText = "display:inline-block;width:14px;height:10px;margin-right:6px;"
        + `vertical-align:middle;background:${colour};border:1px solid rgba(0,0,0,0.2)`;
      row.append(swatch, document.createTextNode(label));
      box.appendChild(row);
    }
  }

  // ---- for tests and benchmarks

  renderedAreas() {
    const seen = new Set();
    for (const f of this.map.queryRenderedFeatures({ layers: ["areas-fill"] })) {
      if (this.data && this.data.position.has(f.id)) seen.add(f.id);
    }
    return seen.size;
  }

  // Areas drawn on screen now whose hatch is showing (their feature-state h).
  hatchedAreas() {
    const seen = new Set();
    const target = { source: AREAS, sourceLayer: AREAS };
    for (const f of this.map.queryRenderedFeatures({ layers: ["areas-hatch"] })) {
      if (this.map.getFeatureState({ ...target, id: f.id }).h) seen.add(f.properties.code);
    }
    return [...seen].sort();
  }

  pointOf(code) {
    const f = this.map.queryRenderedFeatures({ layers: ["areas-fill"] })
      .find((x) => x.properties.code === code);
    if (!f) return null;
    const rect = this.canvasBox.getBoundingClientRect();
    const probe = (x, y) => this.map.queryRenderedFeatures([x, y], { layers: ["areas-fill"] })
      .some((g) => g.properties.code === code);
    const canvas = this.map.getCanvas();
    const step = 6;
    for (let y = step; y < canvas.clientHeight; y += step) {
      for (let x = step; x < canvas.clientWidth; x += step) {
        if (probe(x, y)) return { x: rect.left + x, y: rect.top + y };
      }
    }
    return null;
  }

  remove() {
    this.popup.remove();
    this.map.remove();
    this.box.remove();
  }
}

export async function render(component) {
  const { data, parentElement } = component;
  if (!data) return undefined;
  loadCss();
  await loadPmtiles();
  let atlas = maps.get(parentElement);
  if (atlas) {
    atlas.component = component;
    atlas.update(data);
  } else {
    atlas = new AtlasMap(parentElement, data, component);
    maps.set(parentElement, atlas);
  }
  return () => {
    maps.delete(parentElement);
    atlas.remove();
  };
}
