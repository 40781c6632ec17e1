// The search page: runs queries against the Pagefind indexes the build writes to
// /pagefind/ (generator/search.py) and draws the results, the filters and the
// empty state itself. Pagefind returns titles, metadata and excerpts as raw
// strings: everything goes into the page as text nodes, and the only markup
// kept is the <mark> highlighting of excerpts, rebuilt as real elements.
// The state (query, sort, filters) lives in the address, so a search can be
// bookmarked and shared: /search/?q=nato&sort=newest&topic=Arms+control
//
// There is one index per year (and one for undated briefings), listed newest
// first in /pagefind/indexes.json. The first is loaded and the others merged
// into it (Pagefind's mergeIndex): a search then covers every year, and its
// filter counts are the sums over all indexes. Pagefind orders merged results
// by score even when asked to sort, so sorting by date happens here, by the
// date the build puts at the start of every dated result's id.

const ROOT = new URL("../", import.meta.url); // the site's root, wherever it is published
const FACETS = [
  ["topic", "Topics"], ["person", "People"], ["organization", "Organizations"],
  ["place", "Places"], ["source", "Sources"], ["year", "Years"],
];
const SORTS = { newest: -1, oldest: 1 }; // direction of the date order
const EXCERPT_LENGTH = 30; // words
const DATED_ID = /^(\d{4}-\d{2}-\d{2})_/; // "2022-01-07_en_8326834" (generator/search.py)
const INDEX_PATH = /^[A-Za-z0-9_-]+\/$/;
const PAGE_SIZE = 10;
const FACET_LIMIT = 8;
const DEBOUNCE_MS = 250;
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
  "September", "October", "November", "December"];

const $ = (id) => document.getElementById(id);
const form = $("search-form");
const input = $("search-q");
const sortSelect = $("search-sort");
const app = $("search-app");
const facetsBox = $("search-facets");
const statusBox = $("search-status");
const list = $("search-results");
const emptyBox = $("search-empty");
const moreButton = $("search-more");
const errorBox = $("search-error");
const noScriptBox = $("search-nojs");
const filtersBox = $("search-filters");
const filtersCount = $("search-filters-count");
const WIDE = window.matchMedia("(min-width: 52rem)"); // filters beside the results, always open

const state = { q: "", sort: "", filters: new Map(FACETS.map(([name]) => [name, new Set()])) };
const expanded = new Set(); // facets showing all their values
let pagefind = null;
let totals = {}; // filter -> value -> count over the whole archive; gives a stable order
let results = [];
let shown = 0;
let generation = 0; // drops answers to searches that were overtaken by newer ones
let timer = 0;

/** An element with attributes and children; strings become text nodes, never markup. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// Pagefind escapes the page text it puts into excerpts (&lt; &amp; ...) and
// wraps matches in <mark>. Split on the marks, decode the entities of each
// piece as text (a <textarea>'s content is never parsed as markup), insert as
// text nodes.
const decoder = document.createElement("textarea");
function decodeEntities(text) {
  decoder.innerHTML = text;
  return decoder.value;
}

function excerptNodes(excerpt) {
  const out = [];
  let marked = false;
  for (const part of String(excerpt).split(/(<mark>|<\/mark>)/)) {
    if (part === "<mark>") marked = true;
    else if (part === "</mark>") marked = false;
    else if (part) {
      const text = decodeEntities(part);
      out.push(marked ? el("mark", {}, text) : document.createTextNode(text));
    }
  }
  return out;
}

function longDate(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
  if (!m || +m[2] < 1 || +m[2] > 12) return null;
  return `${+m[3]} ${MONTHS[+m[2] - 1]} ${m[1]}`;
}

/** A result's address, resolved against the site root; only same-site paths are accepted. */
function resultHref(url) {
  const href = new URL(String(url).replace(/^\/+/, ""), ROOT);
  return href.origin === ROOT.origin ? href.href : ROOT.href;
}

// ---- the address -------------------------------------------------------------

function readAddress() {
  const params = new URLSearchParams(location.search);
  state.q = params.get("q") || "";
  state.sort = Object.hasOwn(SORTS, params.get("sort")) ? params.get("sort") : "";
  for (const [name, values] of state.filters) {
    values.clear();
    for (const value of params.getAll(name)) if (value) values.add(value);
  }
  input.value = state.q;
  sortSelect.value = state.sort;
}

function writeAddress() {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  if (state.sort) params.set("sort", state.sort);
  for (const [name, values] of state.filters) for (const value of [...values].sort()) params.append(name, value);
  const query = params.toString();
  history.replaceState(null, "", location.pathname + (query ? `?${query}` : ""));
}

function activeFilters() {
  const filters = {};
  for (const [name, values] of state.filters) if (values.size) filters[name] = { any: [...values] };
  return filters;
}

// ---- searching ---------------------------------------------------------------

async function search() {
  const mine = ++generation;
  writeAddress();
  const filters = activeFilters();
  const query = state.q.trim();
  if (!query && !Object.keys(filters).length) {
    results = [];
    renderFacets(totals);
    clearResults();
    setStatus("Type a word to search the briefings, or choose a filter.");
    return;
  }
  const answer = await pagefind.search(query || null, { filters });
  if (mine !== generation || !answer) return;
  results = state.sort ? byDate(answer.results, SORTS[state.sort]) : answer.results;
  renderFacets(answer.filters);
  clearResults();
  if (!results.length) {
    renderEmpty(query, Object.keys(filters).length > 0);
    setStatus(query ? `No briefings match “${query}”.` : "No briefings match these filters.");
    return;
  }
  await showMore(false);
  if (mine !== generation) return;
  const n = results.length;
  const what = `${n} ${n === 1 ? "briefing" : "briefings"}`;
  setStatus(query ? `${what} ${n === 1 ? "matches" : "match"} “${query}”${Object.keys(filters).length ? " with these filters" : ""}.`
    : `${what} with these filters.`);
}

/** Results in date order (direction 1: oldest first, -1: newest first); undated ones
 * last. Equal dates, and the undated, keep their order by relevance. */
function byDate(found, direction) {
  const keyed = found.map((result, rank) => ({ result, rank, date: (DATED_ID.exec(result.id) || [])[1] || null }));
  keyed.sort((a, b) => {
    if (!a.date || !b.date) return (!a.date - !b.date) || a.rank - b.rank;
    return (a.date < b.date ? -direction : a.date > b.date ? direction : 0) || a.rank - b.rank;
  });
  return keyed.map((k) => k.result);
}

function searchSoon() {
  clearTimeout(timer);
  timer = setTimeout(search, DEBOUNCE_MS);
}

function setStatus(text) {
  if (statusBox.textContent !== text) statusBox.textContent = text;
  // The empty state says the same in large type; the live region still announces it.
  statusBox.classList.toggle("visually-hidden", !emptyBox.hidden);
}

function clearResults() {
  list.replaceChildren();
  emptyBox.replaceChildren();
  emptyBox.hidden = true;
  moreButton.hidden = true;
  shown = 0;
}

async function showMore(moveFocus) {
  const mine = generation;
  const batch = results.slice(shown, shown + PAGE_SIZE);
  const data = await Promise.all(batch.map((r) => r.data()));
  if (mine !== generation) return;
  const items = data.map(renderResult);
  list.append(...items);
  shown += batch.length;
  moreButton.hidden = shown >= results.length;
  if (!moreButton.hidden) moreButton.textContent = `Show more results (${results.length - shown} more)`;
  if (moveFocus && items.length) items[0].querySelector("a").focus();
}

function renderResult(data) {
  const meta = data.meta || {};
  const date = longDate(meta.date);
  const line = el("p", { class: "meta" });
  if (date) line.append(el("time", { datetime: meta.date }, date));
  else line.append(el("span", {}, "Undated"));
  if (meta.source) {
    line.append(el("span", { class: "meta__sep", "aria-hidden": "true" }, "·"), el("span", { class: "meta__source" }, meta.source));
  }
  const title = meta.title || "Untitled briefing";
  return el("li", { class: "search-result" },
    el("article", { class: "card" },
      line,
      el("h3", { class: "card__title" }, el("a", { href: resultHref(data.url) }, title)),
      data.excerpt ? el("p", { class: "search-result__excerpt" }, ...excerptNodes(data.excerpt)) : null,
    ));
}

function renderEmpty(query, filtered) {
  const tips = el("ul", { class: "search__tips" },
    el("li", {}, "Check the spelling, or try a shorter or more general word."),
    filtered ? el("li", {}, "Remove some filters: ", el("button", { type: "button", class: "search__clear" }, "Clear all filters")) : null,
    el("li", {}, "Browse ", el("a", { href: new URL("briefings/", ROOT).href }, "the whole archive"), " instead."));
  emptyBox.replaceChildren(
    el("p", { class: "search__empty-title" }, query ? `No briefings match “${query}”.` : "No briefings match these filters."),
    tips);
  emptyBox.hidden = false;
}

// ---- filters -----------------------------------------------------------------

function facetOrder(name, counts) {
  const values = new Set([...Object.keys(totals[name] || {}), ...Object.keys(counts || {}), ...state.filters.get(name)]);
  const total = totals[name] || {};
  return [...values].sort(name === "year"
    ? (a, b) => b.localeCompare(a)
    : (a, b) => (total[b] || 0) - (total[a] || 0) || a.localeCompare(b));
}

function renderFacets(counts) {
  // Keep keyboard focus on the same checkbox across the redraw.
  const focused = document.activeElement;
  const keep = focused && focused.closest && focused.closest("#search-facets")
    ? { name: focused.name || focused.dataset.facet, value: focused.value, toggle: focused.classList.contains("facet__toggle") } : null;
  const groups = [];
  for (const [name, label] of FACETS) {
    const checked = state.filters.get(name);
    const values = facetOrder(name, counts[name]).filter((v) => checked.has(v) || (counts[name] || {})[v] > 0);
    if (!values.length) continue;
    const all = expanded.has(name);
    const visible = all ? values : values.filter((v, i) => i < FACET_LIMIT || checked.has(v));
    const items = visible.map((value) => {
      const n = (counts[name] || {})[value] || 0;
      return el("li", {},
        el("label", { class: "facet__option" },
          el("input", { type: "checkbox", name, value, checked: checked.has(value) }),
          el("span", { class: "facet__name" }, value),
          el("span", { class: "facet__count" }, el("span", { class: "visually-hidden" }, "("), String(n),
            el("span", { class: "visually-hidden" }, n === 1 ? " briefing)" : " briefings)"))));
    });
    const group = el("fieldset", { class: "facet" }, el("legend", { class: "facet__legend" }, label), el("ul", { class: "facet__list" }, ...items));
    if (values.length > FACET_LIMIT) {
      group.append(el("button", { type: "button", class: "facet__toggle", "data-facet": name, "aria-expanded": all ? "true" : "false" },
        all ? `Show fewer ${label.toLowerCase()}` : `Show all ${values.length} ${label.toLowerCase()}`));
    }
    groups.push(group);
  }
  if (!groups.length) groups.push(el("p", { class: "empty" }, "No filters for these results."));
  facetsBox.replaceChildren(...groups);
  const chosen = [...state.filters.values()].reduce((n, values) => n + values.size, 0);
  filtersCount.textContent = chosen ? ` (${chosen} chosen)` : "";
  if (keep) {
    const target = keep.toggle
      ? facetsBox.querySelector(`.facet__toggle[data-facet="${CSS.escape(keep.name)}"]`)
      : [...facetsBox.querySelectorAll("input[type=checkbox]")].find((box) => box.name === keep.name && box.value === keep.value);
    if (target) target.focus();
  }
}

// ---- wiring ------------------------------------------------------------------

function wire() {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    state.q = input.value;
    search();
  });
  input.addEventListener("input", () => {
    state.q = input.value;
    searchSoon();
  });
  sortSelect.addEventListener("change", () => {
    state.sort = Object.hasOwn(SORTS, sortSelect.value) ? sortSelect.value : "";
    search();
  });
  facetsBox.addEventListener("change", (event) => {
    const box = event.target;
    if (!(box instanceof HTMLInputElement) || !state.filters.has(box.name)) return;
    if (box.checked) state.filters.get(box.name).add(box.value);
    else state.filters.get(box.name).delete(box.value);
    search();
  });
  facetsBox.addEventListener("click", (event) => {
    const toggle = event.target.closest(".facet__toggle");
    if (!toggle) return;
    const name = toggle.dataset.facet;
    if (expanded.has(name)) expanded.delete(name); else expanded.add(name);
    search();
  });
  emptyBox.addEventListener("click", (event) => {
    if (!event.target.closest(".search__clear")) return;
    for (const values of state.filters.values()) values.clear();
    input.focus();
    search();
  });
  moreButton.addEventListener("click", () => showMore(true));
}

async function start() {
  noScriptBox.hidden = true;
  readAddress();
  if (form.dataset.briefings === "0") { // Pagefind writes no language index for an empty site
    errorBox.textContent = "The archive has no briefings yet, so there is nothing to search.";
    errorBox.hidden = false;
    return;
  }
  try {
    const response = await fetch(new URL("pagefind/indexes.json", ROOT));
    if (!response.ok) throw new Error(`pagefind/indexes.json: HTTP ${response.status}`);
    const folders = ((await response.json()).indexes || []).map((index) => String(index.path));
    if (!folders.length) {
      errorBox.textContent = "The archive has no briefings yet, so there is nothing to search.";
      errorBox.hidden = false;
      return;
    }
    if (!folders.every((path) => INDEX_PATH.test(path))) throw new Error("pagefind/indexes.json: unexpected index path");
    const [primary, ...others] = folders.map((path) => new URL(`pagefind/${path}`, ROOT));
    pagefind = await import(new URL("pagefind.js", primary).href);
    await pagefind.options({ excerptLength: EXCERPT_LENGTH });
    await pagefind.init();
    await Promise.all(others.map((url) => pagefind.mergeIndex(url.pathname, { excerptLength: EXCERPT_LENGTH })));
    totals = await pagefind.filters();
  } catch (error) {
    errorBox.textContent = location.protocol === "file:"
      ? "Search cannot run on pages opened from disk. Serve the site over HTTP (see the README) and reload this page."
      : "The search index could not be loaded. Reload the page; if this persists, the site was published without its /pagefind/ folder.";
    errorBox.hidden = false;
    console.warn("search: cannot load the Pagefind index", error);
    return;
  }
  // On narrow screens the filters fold away above the results, open if some are chosen.
  const fold = () => { filtersBox.open = WIDE.matches || [...state.filters.values()].some((v) => v.size); };
  WIDE.addEventListener("change", fold);
  fold();
  app.hidden = false;
  wire();
  await search();
  if (!state.q) input.focus();
}

start();
