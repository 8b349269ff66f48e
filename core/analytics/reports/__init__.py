"""Reports: what an owner reads back. ``rollup`` folds events into hourly and
daily rows, ``service`` answers summaries and heatmaps from them, ``export``
streams the raw events, ``dashboard`` is the page that shows them."""
