(function () {
  var s = document.currentScript, pid = s && s.dataset.profile;
  var url = (s && s.dataset.endpoint) || "/api/collect", q = [], t = 0;
  if (!pid) return;
  function post(body) {
    try {
      var blob = new Blob([body], {type: "text/plain"});
      if (navigator.sendBeacon && navigator.sendBeacon(url, blob)) return;
    } catch (e) {}
    try {
      fetch(url, {method: "POST", body: body, keepalive: true, credentials: "same-origin",
                  headers: {"content-type": "text/plain"}});
    } catch (e) {}
  }
  function send() {
    if (t) { clearTimeout(t); t = 0; }
    while (q.length) post(JSON.stringify({events: q.splice(0, 50)}));
  }
  function push(e) {
    e.profile_id = pid;
    e.path = (location.pathname + location.search).slice(0, 2048);
    q.push(e);
    if (q.length >= 50) send(); else if (!t) t = setTimeout(send, 2000);
  }
  function clip(v) { return Math.round(Math.min(Math.max(v, 0), 1) * 10000) / 10000; }
  function sel(el) {
    var p = [];
    for (var i = 0; el && el.nodeType === 1 && i < 4; i++, el = el.parentElement) {
      var n = el.tagName.toLowerCase();
      if (el.id) { p.unshift(n + "#" + el.id); break; }
      p.unshift(n);
    }
    return p.join(">").slice(0, 200);
  }
  window.creatorEdge = {track: function (name, props) {
    var p = {};
    for (var k in props || {}) p[k] = props[k];
    p.name = String(name).slice(0, 100);
    push({type: "custom", properties: p});
  }};
  addEventListener("load", function () { setTimeout(function () {
    var nav = performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
    var e = {type: "page_view", tz_offset: -new Date().getTimezoneOffset()};
    if (document.referrer) e.referrer = document.referrer.slice(0, 2048);
    if (nav && nav.loadEventStart > 0) e.load_ms = Math.min(Math.round(nav.loadEventStart), 600000);
    push(e);
  }, 0); });
  document.addEventListener("click", function (ev) {
    var w = window.innerWidth || 1, h = window.innerHeight || 1;
    var el = ev.target && ev.target.closest ? ev.target.closest("a,button,[data-track]") : null;
    var e = {type: "custom", x: clip(ev.clientX / w), y: clip(ev.clientY / h),
             properties: {name: "click"}};
    if (el) {
      e.selector = sel(el);
      if (el.dataset && el.dataset.linkId) e.link_id = el.dataset.linkId;
    }
    push(e);
  }, {capture: true, passive: true});
  addEventListener("pagehide", send);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") send();
  });
  // The consent banner (a profile in the consent mode): the answer is a first-party
  // cookie the beacon carries; the server hashes visitors only with "1".
  var banner = document.getElementById("ce-consent");
  if (banner) {
    if (/(^|; )ce_consent=/.test(document.cookie)) banner.hidden = true;
    banner.addEventListener("click", function (ev) {
      var v = ev.target && ev.target.getAttribute && ev.target.getAttribute("data-consent");
      if (!v) return;
      document.cookie = "ce_consent=" + (v === "yes" ? "1" : "0") +
        "; Max-Age=31536000; Path=/; SameSite=Lax; Secure";
      banner.hidden = true;
    });
  }
})();
