/* The API documentation page: Swagger UI over the product's own /openapi.json.
   Built into core/home/docs_assets.py; loaded by nonce, so it runs under the
   product's CSP. No validator and no outside URL: the page works offline.
   "Try it out" calls go to this site with the page's session cookie. */
'use strict';
(function () {
  // Swagger UI draws a <main> and an <h1> of its own inside the page's: one
  // main landmark and one top heading stay the page's, so its are a region and
  // a second-level heading (redone as it redraws).
  function fitLandmarks(root) {
    Array.prototype.forEach.call(root.querySelectorAll('main'), function (el) {
      if (el.getAttribute('role') !== 'region') {
        el.setAttribute('role', 'region');
        el.setAttribute('aria-label', 'Operations');
      }
    });
    // Its path and tag labels are <a> with no address (deep links are off: an
    // address would nest a link in each operation's button): not links at all.
    Array.prototype.forEach.call(root.querySelectorAll('a:not([href]):not([role])'), function (el) {
      el.setAttribute('role', 'presentation');
    });
    Array.prototype.forEach.call(root.querySelectorAll('h1'), function (el) {
      if (el.getAttribute('aria-level') !== '2') {
        el.setAttribute('role', 'heading');
        el.setAttribute('aria-level', '2');
      }
    });
  }

  function start() {
    var node = document.getElementById('swagger-ui');
    if (!node || !window.SwaggerUIBundle) { return; }
    var status = document.getElementById('docs-status');
    if (window.MutationObserver) {
      new MutationObserver(function () { fitLandmarks(node); })
        .observe(node, { childList: true, subtree: true });
    }
    window.SwaggerUIBundle({
      url: node.getAttribute('data-openapi'),
      domNode: node,
      validatorUrl: null,
      deepLinking: false,
      presets: [window.SwaggerUIBundle.presets.apis],
      layout: 'BaseLayout',
      defaultModelsExpandDepth: 0,
      docExpansion: 'list',
      onComplete: function () { if (status) { status.textContent = 'The API reference is loaded.'; } }
    });
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else { start(); }
})();
