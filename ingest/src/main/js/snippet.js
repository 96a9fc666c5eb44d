// perfstream RUM snippet: Web Vitals with attribution (Google's web-vitals/attribution) plus page load from
// Navigation Timing, batched and sent with navigator.sendBeacon when the page is hidden. Usage:
//   <script src="https://collector.example.com/perfstream-rum.js" data-app="shop-web" async></script>
// Optional attributes: data-endpoint (default: /rum on the script's origin), data-page (default:
// location.pathname at load; the collector turns ids into placeholders), data-version (the front end's
// release), data-sample-rate (share of page views measured, 0..1, default 1).
// Soft navigations (an SPA changing the URL through the History API after an interaction, where the browser
// measures them) are reported on their own, each metric with the URL it belongs to (navigationURL).
// Conversions: perfstream.conversion('checkout') sends the goal at once, with the session, whatever the sample
// rate; calls made before the script loaded can be queued as (window.perfstream = window.perfstream || {q: []})
// .q.push(['conversion', 'checkout']).
import {onCLS, onFCP, onINP, onLCP, onTTFB} from 'web-vitals/attribution';

const script = document.currentScript;
const data = (script && script.dataset) || {};
const endpoint = data.endpoint || (script && script.src ? new URL('/rum', script.src).href : '/rum');
const app = data.app || location.hostname || 'unknown';
// The page of the hard navigation, fixed now: a beacon sent after a History API change still belongs to it.
const page = data.page || location.pathname;
const rate = data.sampleRate === undefined ? 1 : Number(data.sampleRate);
const queue = [];

function session() {
  try {
    let id = sessionStorage.getItem('perfstream.sid');
    if (!id) {
      id = (crypto.randomUUID && crypto.randomUUID()) || String(Math.random()).slice(2) + Date.now();
      sessionStorage.setItem('perfstream.sid', id);
    }
    return id;
  } catch (e) {
    return undefined;
  }
}

function device() {
  const ua = navigator.userAgent;
  if (/iPad|Tablet/.test(ua) || (/Android/.test(ua) && !/Mobile/.test(ua))) return 'tablet';
  if ((navigator.userAgentData && navigator.userAgentData.mobile) || /Mobi|iPhone|Android/.test(ua)) return 'mobile';
  return 'desktop';
}

function send(fields) {
  const body = JSON.stringify(Object.assign({
    app,
    page,
    version: data.version,
    sampleRate: rate < 1 ? rate : undefined,
    session: session(),
    device: device(),
    connection: navigator.connection && navigator.connection.effectiveType,
  }, fields));
  // A string body goes as text/plain: a CORS-safelisted request, no preflight.
  if (!(navigator.sendBeacon && navigator.sendBeacon(endpoint, body))) {
    fetch(endpoint, {method: 'POST', body, keepalive: true, headers: {'Content-Type': 'text/plain'}}).catch(() => {});
  }
}

function flush() {
  if (!queue.length) return;
  send({metrics: queue.splice(0, queue.length)});
}

// A conversion of this session: sent on its own beacon right away (the queued vitals may still change).
function conversion(goal) {
  if (typeof goal !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(goal)) return false;
  send({conversions: [goal]});
  return true;
}

const api = window.perfstream || {};
const pending = Array.isArray(api.q) ? api.q : [];
api.conversion = conversion;
api.q = {push: (call) => call && call[0] === 'conversion' && conversion(call[1])};
window.perfstream = api;
for (const call of pending) api.q.push(call);

const r1 = (x) => (typeof x === 'number' && isFinite(x) ? Math.round(x * 10) / 10 : undefined);

function pick(a, names) {
  const o = {};
  let any = false;
  for (const n of names) {
    const v = r1(a[n]);
    if (v !== undefined) { o[n] = v; any = true; }
  }
  return any ? o : undefined;
}

// A selector as web-vitals writes them (its getSelector is not exported): up to the nearest id, tag.classes
// otherwise, at most 100 characters.
function selector(node) {
  let sel = '';
  try {
    while (node && node.nodeType === 1) {
      const part = node.id ? '#' + node.id : [node.nodeName.toLowerCase(), ...Array.from(node.classList || []).sort()].join('.');
      if (sel.length + part.length > 99) return sel || part;
      sel = sel ? part + '>' + sel : part;
      if (node.id) break;
      node = node.parentNode;
    }
  } catch (e) {
    // a detached or foreign node: what we have
  }
  return sel || undefined;
}

// The selectors of the last interactions, taken when they happened (the node may be gone by the time INP is
// computed): event.timeStamp is the Event Timing entry's startTime, which web-vitals reports as interactionTime.
const interactions = [];
function remember(e) {
  interactions.push({t: e.timeStamp, sel: selector(e.target)});
  if (interactions.length > 10) interactions.shift();
}
for (const type of ['pointerdown', 'keydown', 'click']) {
  addEventListener(type, remember, {capture: true, passive: true});
}
function recordedTarget(t) {
  let best;
  for (const i of interactions) {
    const d = Math.abs(i.t - t);
    if (i.sel && d <= 50 && (!best || d < best.d)) best = {d, sel: i.sel};
  }
  return best && best.sel;
}

// A bounded, flat subset of web-vitals' attribution: selectors, one URL, the sub-parts, the longest script.
function attribution(m) {
  const a = m.attribution;
  if (!a) return undefined;
  switch (m.name) {
    case 'LCP':
      return {element: a.target, url: a.url,
        parts: pick(a, ['timeToFirstByte', 'resourceLoadDelay', 'resourceLoadDuration', 'elementRenderDelay'])};
    case 'INP': {
      const s = a.longestScript && a.longestScript.entry;
      const parts = pick(a, ['inputDelay', 'processingDuration', 'presentationDelay']) || {};
      if (s) parts.scriptDuration = r1(s.duration);
      // web-vitals 6.2.3 loses the target when a soft navigation finalises the previous page's INP, and an
      // Event Timing entry loses it when its node left the DOM before INP was computed: fall back to the
      // interaction's own event entries, then to the selector recorded when the interaction happened.
      const target = a.interactionTarget ||
        selector(((a.processedEventEntries || []).find((e) => e.target) || {}).target) ||
        recordedTarget(a.interactionTime);
      return {element: target, interactionType: a.interactionType, parts,
        script: s ? {url: s.sourceURL || undefined, fn: s.sourceFunctionName || undefined, invoker: s.invoker || undefined} : undefined};
    }
    case 'CLS':
      return {element: a.largestShiftTarget};
    case 'TTFB':
      return {parts: pick(a, ['waitingDuration', 'cacheDuration', 'dnsDuration', 'connectionDuration', 'requestDuration'])};
    default:
      return undefined;
  }
}

function add(m) {
  const item = {name: m.name, value: m.value, rating: m.rating, navigationType: m.navigationType, id: m.id,
    navigationURL: m.navigationType === 'soft-navigation' ? m.navigationURL : undefined, attribution: attribution(m)};
  // A metric reported again before a flush (INP below) replaces its queued value: one value per metric and page.
  const i = m.id ? queue.findIndex((q) => q.id === m.id) : -1;
  if (i >= 0) {
    // The same value reported again (INP finalised by a soft navigation) may come without its target: keep it.
    const before = queue[i];
    if (before.value === item.value && before.attribution && item.attribution && !item.attribution.element) {
      item.attribution.element = before.attribution.element;
    }
    queue[i] = item;
  } else {
    queue.push(item);
  }
  if (queue.length >= 20) flush();
}

if (rate > 0 && Math.random() < rate) {
  // reportSoftNavs: browsers that measure soft navigations report each one's vitals separately (navigationType
  // 'soft-navigation', navigationURL); elsewhere nothing changes.
  const opts = {reportSoftNavs: true};
  onTTFB(add, opts);
  onFCP(add, opts);
  onLCP(add, opts);
  onCLS(add, opts);
  // INP with every change: web-vitals computes it from Event Timing entries in an idle callback, so a page
  // hidden right after an interaction would otherwise report INP before that interaction was counted, and
  // drop it. The queue keeps only the latest value.
  onINP(add, {reportSoftNavs: true, reportAllChanges: true});

  addEventListener('load', () => setTimeout(() => {
    const nav = performance.getEntriesByType && performance.getEntriesByType('navigation')[0];
    if (nav && nav.loadEventEnd > 0) add({name: 'PAGE_LOAD', value: nav.loadEventEnd, navigationType: nav.type});
  }, 0));

  // Registered after web-vitals' own listeners, so the values they report on hide are in this flush.
  addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') flush();
  });
  addEventListener('pagehide', flush);
}
