// perfstream RUM snippet: Web Vitals (Google's web-vitals) plus page load from Navigation Timing,
// batched and sent with navigator.sendBeacon when the page is hidden. Usage:
//   <script src="https://collector.example.com/perfstream-rum.js" data-app="shop-web" async></script>
// Optional attributes: data-endpoint (default: /rum on the script's origin), data-page (default:
// location.pathname; the collector turns ids into placeholders).
import {onCLS, onFCP, onINP, onLCP, onTTFB} from 'web-vitals';

const script = document.currentScript;
const data = (script && script.dataset) || {};
const endpoint = data.endpoint || (script && script.src ? new URL('/rum', script.src).href : '/rum');
const app = data.app || location.hostname || 'unknown';
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

function flush() {
  if (!queue.length) return;
  const body = JSON.stringify({
    app,
    page: data.page || location.pathname,
    session: session(),
    device: device(),
    connection: navigator.connection && navigator.connection.effectiveType,
    metrics: queue.splice(0, queue.length),
  });
  // A string body goes as text/plain: a CORS-safelisted request, no preflight.
  if (!(navigator.sendBeacon && navigator.sendBeacon(endpoint, body))) {
    fetch(endpoint, {method: 'POST', body, keepalive: true, headers: {'Content-Type': 'text/plain'}}).catch(() => {});
  }
}

function add(m) {
  const item = {name: m.name, value: m.value, rating: m.rating, navigationType: m.navigationType, id: m.id};
  // A metric reported again before a flush (INP below) replaces its queued value: one value per metric and page.
  const i = m.id ? queue.findIndex((q) => q.id === m.id) : -1;
  if (i >= 0) queue[i] = item; else queue.push(item);
  if (queue.length >= 20) flush();
}

onTTFB(add);
onFCP(add);
onLCP(add);
onCLS(add);
// INP with every change: web-vitals computes it from Event Timing entries in an idle callback, so a page
// hidden right after an interaction would otherwise report INP before that interaction was counted, and
// drop it. The queue keeps only the latest value.
onINP(add, {reportAllChanges: true});

addEventListener('load', () => setTimeout(() => {
  const nav = performance.getEntriesByType && performance.getEntriesByType('navigation')[0];
  if (nav && nav.loadEventEnd > 0) add({name: 'PAGE_LOAD', value: nav.loadEventEnd, navigationType: nav.type});
}, 0));

// Registered after web-vitals' own listeners, so the values they report on hide are in this flush.
addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden') flush();
});
addEventListener('pagehide', flush);
