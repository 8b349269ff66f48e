"""The dashboard page's template, registered into ``core.web.templates.TEMPLATES``.

The server renders the frame (filters, headings, empty tables, the chart and
heatmap areas); the page's script fills them from the analytics API. Scripts
carry the response's nonce and an integrity hash; no inline handlers."""

from __future__ import annotations

from core.web import templates

DASHBOARD = """{% extends "base.html" %}
{% block title %}Dashboard · creator-edge{% endblock %}
{% block head %}
{% for name in ("uplot.css", "dashboard.css") %}
<link rel="stylesheet" href="{{ assets[name].url }}" integrity="{{ assets[name].integrity }}">
{% endfor %}
{% for name in ("uplot.js", "dashboard.js") %}
<script nonce="{{ nonce }}" src="{{ assets[name].url }}" integrity="{{ assets[name].integrity }}"
  defer></script>
{% endfor %}
{% endblock %}
{% block body %}
<nav aria-label="Signed in">{% for href, label in nav %}<a href="{{ href }}"
  {%- if href == "/dashboard" %} aria-current="page"{% endif %}>{{ label }}</a>{% endfor %}</nav>
<h1>Dashboard</h1>
<form id="filters" class="filters" method="get" action="/dashboard">
  <div>
    <label for="profile">Profile</label>
    <select id="profile" name="profile" required><option value="">Loading…</option></select>
  </div>
  <div>
    <label for="from">From</label>
    <input id="from" name="from" type="date" required>
  </div>
  <div>
    <label for="to">To</label>
    <input id="to" name="to" type="date" required>
  </div>
  <div>
    <label for="interval">Interval</label>
    <select id="interval" name="interval">
      <option value="day">Day</option>
      <option value="hour">Hour</option>
    </select>
  </div>
  <div><button type="submit">Show</button></div>
</form>
<p id="status" class="muted" role="status" aria-live="polite">Loading…</p>

<div id="report" hidden>
<section aria-labelledby="totals-heading">
  <h2 id="totals-heading">Totals</h2>
  <dl class="totals">
    <div><dt>Views</dt><dd id="total-views">0</dd></div>
    <div><dt>Clicks</dt><dd id="total-clicks">0</dd></div>
    <div><dt>Visitors</dt><dd id="total-visitors">0</dd></div>
    <div><dt>Click-through rate</dt><dd id="total-ctr">–</dd></div>
  </dl>
</section>

<section aria-labelledby="series-heading">
  <h2 id="series-heading">Over time</h2>
  <div id="timeseries" class="chart" role="img"
    aria-label="Views, clicks and visitors per interval"></div>
  <details>
    <summary>The numbers behind the chart</summary>
    <table id="series-table">
      <caption>Views, clicks and visitors per interval (UTC)</caption>
      <thead><tr><th scope="col">From</th><th scope="col">Views</th><th scope="col">Clicks</th>
        <th scope="col">Visitors</th></tr></thead>
      <tbody></tbody>
    </table>
  </details>
</section>

<section aria-labelledby="links-heading">
  <h2 id="links-heading">Links</h2>
  <table id="links-table">
    <caption class="muted">Clicks per link; click-through rate is clicks per profile view
    </caption>
    <thead><tr><th scope="col">Link</th><th scope="col">Clicks</th><th scope="col">Visitors</th>
      <th scope="col">CTR</th></tr></thead>
    <tbody></tbody>
  </table>
</section>

<section aria-labelledby="world-heading">
  <h2 id="world-heading">Countries</h2>
  <table id="countries-table" class="bars">
    <caption class="muted">Events by country</caption>
    <thead><tr><th scope="col">Country</th><th scope="col">Events</th>
      <th scope="col">Visitors</th><th scope="col">Share</th></tr></thead>
    <tbody></tbody>
  </table>
</section>

<section aria-labelledby="top-heading">
  <h2 id="top-heading">Top lists</h2>
  <div class="tops">
  {% for dim, title, column in top_lists %}
    <table id="top-{{ dim }}">
      <caption>{{ title }}</caption>
      <thead><tr><th scope="col">{{ column }}</th>
        <th scope="col">Events</th><th scope="col">Visitors</th></tr></thead>
      <tbody></tbody>
    </table>
  {% endfor %}
  </div>
</section>

<section aria-labelledby="heatmap-heading">
  <h2 id="heatmap-heading">Click heatmap</h2>
  <p class="muted" id="heatmap-note">Where visitors clicked on the profile page.</p>
  <canvas id="heatmap" width="360" height="640" role="img"
    aria-label="Click density over an outline of the profile page"></canvas>
</section>
</div>
{% endblock %}
"""

# The top lists the page shows: the summary's ``top`` key, a caption, a column.
TOP_LISTS: tuple[tuple[str, str, str], ...] = (
    ("referrer", "Referrers", "Referrer"),
    ("city", "Cities", "City"),
    ("device", "Devices", "Device"),
    ("browser", "Browsers", "Browser"),
    ("os", "Operating systems", "System"),
    ("utm_source", "UTM sources", "Source"),
)


def register_templates() -> None:
    """Add the dashboard's template to the pages' template set (idempotent)."""
    templates.TEMPLATES["dashboard.html"] = DASHBOARD
