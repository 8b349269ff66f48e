"""Server-rendered pages: templates, small static CSS and JS, rendering with the CSP nonce."""
