/* The API documentation page: Swagger UI over the product's own /openapi.json.
   Built into core/home/docs_assets.py; loaded by nonce, so it runs under the
   product's CSP. No validator and no outside URL: the page works offline.
   "Try it out" calls go to this site with the page's session cookie. */
'use strict';
(function () {
  function start() {
    var node = document.getElementById('swagger-ui');
    if (!node || !window.SwaggerUIBundle) { return; }
    var status = document.getElementById('docs-status');
    window.SwaggerUIBundle({
      url: node.getAttribute('data-openapi'),
      domNode: node,
      validatorUrl: null,
      deepLinking: true,
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
