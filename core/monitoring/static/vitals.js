(function () {
  "use strict";
  // Web vitals of this page load (the web-vitals package, above) and the errors
  // its visitors hit, to creator-edge's own endpoints. Nothing identifying is
  // sent: a random id for this page load only, none under Do Not Track or GPC.
  var script = document.currentScript;
  var profile = script && script.getAttribute("data-profile");
  if (!profile || !window.webVitals) return;
  var nav = window.navigator;
  var privateMode = nav.doNotTrack === "1" || nav.globalPrivacyControl === true;
  var session = null;
  if (!privateMode && window.crypto && crypto.getRandomValues) {
    var bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    session = Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }
  var width = window.innerWidth || 1024;
  var device = width < 768 ? "mobile" : width < 1024 ? "tablet" : "desktop";
  var page = location.pathname.slice(0, 512);
  var pending = {};

  function send(url, body) {
    var text = JSON.stringify(body);
    if (nav.sendBeacon && nav.sendBeacon(url, text)) return;
    fetch(url, { method: "POST", body: text, keepalive: true,
      headers: { "content-type": "text/plain" } }).catch(function () {});
  }

  function flush() {
    var metrics = Object.keys(pending).map(function (k) { return pending[k]; });
    if (!metrics.length) return;
    pending = {};
    var beacon = { profile_id: profile, page: page, device: device, metrics: metrics };
    if (session) beacon.session_id = session;
    send("/api/monitoring/vitals", beacon);
  }

  function keep(metric) {
    pending[metric.name] = { name: metric.name, value: Math.max(0, metric.value),
      navigation_type: metric.navigationType || null };
  }

  ["onLCP", "onINP", "onCLS", "onFCP", "onTTFB"].forEach(function (name) {
    if (typeof webVitals[name] === "function") webVitals[name](keep);
  });
  addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") flush();
  });
  addEventListener("pagehide", flush);

  var reported = 0;
  function report(name, message, stack) {
    if (reported >= 5) return;
    reported += 1;
    var body = { type: "javascript", name: String(name || "Error").slice(0, 100),
      message: String(message || "Unknown error").slice(0, 2000), profile_id: profile,
      url: location.pathname, severity: "medium" };
    if (stack) body.stack = String(stack).slice(0, 8000);
    if (session) body.session_id = session;
    send("/api/monitoring/errors", body);
  }
  addEventListener("error", function (event) {
    var error = event.error;
    report(error && error.name, event.message, error && error.stack);
  });
  addEventListener("unhandledrejection", function (event) {
    var reason = event.reason || {};
    report(reason.name || "UnhandledRejection", reason.message || String(event.reason),
      reason.stack);
  });
})();
