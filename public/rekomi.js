/*! rekomi.js: docs/checkout-integration.md */
/* eslint-disable no-empty */
// prettier-ignore
(function(d) {
 var K = "rekomi_ref", ref = null, days = 30, dom;
 function ok(v) { return typeof v == "string" && /^[\w-]{1,200}$/.test(v) ? v : null; }
 function read() {
  try {
   var m = d.cookie.match(/(?:^|; *)rekomi_ref=([^;]*)/);
   if (m && ok(m[1])) return m[1];
   var j = JSON.parse(localStorage.getItem(K) || "0");
   if (j && j.e > Date.now()) return ok(j.v);
  } catch {}
  return null;
 }
 function save(v) {
  try {
   d.cookie = K + "=" + v + "; Max-Age=" + days * 86400 + "; Path=/; SameSite=Lax" + (dom ? "; Domain=" + dom : "") + (location.protocol == "https:" ? "; Secure" : "");
   localStorage.setItem(K, JSON.stringify({ v: v, e: Date.now() + days * 864e5 }));
  } catch {}
 }
 function tag(el) {
  try {
   if (!ref || !el) return;
   if (el.tagName != "A") return el.getAttribute("client-reference-id") || el.setAttribute("client-reference-id", ref);
   var u = new URL(el.href), q = u.searchParams;
   if (u.protocol == "https:" && u.hostname == "buy.stripe.com" && !q.get("client_reference_id")) {
    q.set("client_reference_id", ref);
    el.href = u.href;
   }
  } catch {}
 }
 function scan() {
  try {
   var l = d.querySelectorAll('a[href^="https://buy.stripe.com/"],stripe-pricing-table,stripe-buy-button');
   for (var i = 0; i < l.length; i++) tag(l[i]);
  } catch {}
 }
 try {
  window.Rekomi = { ref: function() { return ref || read(); }, scan: scan };
  var s = d.currentScript || d.querySelector("script[data-rekomi],script[src*='rekomi.js']"),
   n = parseInt(s && s.getAttribute("data-cookie-days"));
  if (n > 0) days = n;
  dom = s && s.getAttribute("data-cookie-domain");
  if (!/^\.?[\w.-]+$/.test(dom)) dom = "";
  ref = ok(new URLSearchParams(location.search).get("rk_ref"));
  if (ref) save(ref); else ref = read();
  scan();
  d.addEventListener("DOMContentLoaded", scan);
  d.addEventListener("click", function(e) { try { tag(e.target.closest("a")); } catch {} }, !0);
 } catch {}
})(document);
