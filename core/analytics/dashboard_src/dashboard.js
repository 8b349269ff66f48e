/* The analytics dashboard: reads the analytics API with the session cookie and
 * draws the time series (uPlot), the tables and the click heatmap.
 * Built into core/analytics/dashboard_assets.py by scripts/build_assets.py. */
(function () {
  "use strict";

  var DAY_MS = 86400000;
  var COLORS = { views: "#5b5bd6", clicks: "#e5484d", visitors: "#12a594" };
  // What the page drew, for people poking at it in devtools and for the browser test.
  var state = { summary: null, heatmap: null, chart: null, profiles: [], links: {}, loads: 0 };
  window.creatorEdgeDashboard = state;

  function $(id) {
    return document.getElementById(id);
  }

  function setStatus(text, isError) {
    var status = $("status");
    status.textContent = text;
    status.className = isError ? "error" : "muted";
    status.setAttribute("role", isError ? "alert" : "status");
  }

  function ApiError(status, message) {
    this.status = status;
    this.message = message;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { accept: "application/json" } }).then(
      function (response) {
        if (response.status === 401) {
          window.location.assign("/login?next=" + encodeURIComponent("/dashboard"));
          throw new ApiError(401, "Your session has ended; sign in again.");
        }
        return response.json().then(
          function (body) {
            if (!response.ok) {
              var message = body && body.error ? body.error.message : response.statusText;
              throw new ApiError(response.status, message);
            }
            return body;
          },
          function () {
            throw new ApiError(response.status, "The server's answer was not JSON.");
          }
        );
      }
    );
  }

  function isoDay(ms) {
    return new Date(ms).toISOString().slice(0, 10);
  }

  function number(n) {
    return (n || 0).toLocaleString();
  }

  // Days and hours in the viewer's language; the buckets are UTC, and say so.
  function localDay(ms) {
    return new Date(ms).toLocaleDateString(undefined, {
      year: "numeric", month: "short", day: "numeric", timeZone: "UTC",
    });
  }

  function localBucket(at, interval) {
    var ms = Date.parse(at);
    if (interval !== "hour") {
      return localDay(ms);
    }
    return new Date(ms).toLocaleString(undefined, {
      month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZone: "UTC",
    });
  }

  // Counts are whole numbers: the y axis steps by 1, 2, 5, 10, 20, 50 ...
  var COUNT_STEPS = (function () {
    var steps = [];
    for (var power = 1; power <= 1e9; power *= 10) {
      steps.push(power, 2 * power, 5 * power);
    }
    return steps;
  })();

  var regionNames = null;
  try {
    regionNames = new Intl.DisplayNames(undefined, { type: "region" });
  } catch (e) {
    regionNames = null;
  }

  function countryName(code) {
    if (!code) {
      return "Unknown";
    }
    try {
      return (regionNames && regionNames.of(code)) || code;
    } catch (e) {
      return code;
    }
  }

  function percent(rate) {
    return rate === null || rate === undefined ? "–" : (rate * 100).toFixed(1) + "%";
  }

  function fillTable(tbody, rows) {
    tbody.replaceChildren();
    if (!rows.length) {
      var tr = tbody.insertRow();
      var td = tr.insertCell();
      td.colSpan = tbody.parentElement.tHead.rows[0].cells.length;
      td.className = "muted";
      td.textContent = "Nothing in this range.";
      return;
    }
    rows.forEach(function (cells) {
      var row = tbody.insertRow();
      cells.forEach(function (cell, i) {
        var td = row.insertCell();
        if (cell && typeof cell === "object") {
          td.appendChild(cell);
        } else {
          td.textContent = cell === null || cell === undefined ? "" : String(cell);
        }
        if (i > 0) {
          td.className = "num";
        }
      });
    });
  }

  function nextTask(work) {
    return new Promise(function (resolve) {
      window.setTimeout(function () {
        work();
        resolve();
      }, 0);
    });
  }

  function count(map, type) {
    return map && map[type] ? map[type] : 0;
  }

  // ---- filters ---------------------------------------------------------

  function readQuery() {
    var params = new URLSearchParams(window.location.search);
    var today = Date.now();
    var to = params.get("to") || isoDay(today);
    var from = params.get("from") || isoDay(Date.parse(to + "T00:00:00Z") - 6 * DAY_MS);
    $("from").value = from;
    $("to").value = to;
    $("interval").value = params.get("interval") === "hour" ? "hour" : "day";
    return params.get("profile");
  }

  function filters() {
    var from = $("from").value;
    var to = $("to").value;
    if (from > to) {
      var swap = from;
      from = to;
      to = swap;
    }
    return {
      profile: $("profile").value,
      from: from + "T00:00:00Z",
      // The range is [from, to): the whole of the last day shown.
      to: new Date(Date.parse(to + "T00:00:00Z") + DAY_MS).toISOString().replace(".000Z", "Z"),
      interval: $("interval").value,
      days: { from: from, to: to },
    };
  }

  function loadProfiles(wanted) {
    return getJSON("/api/profiles?limit=200").then(function (page) {
      var profiles = page.items || [];
      state.profiles = profiles;
      var select = $("profile");
      select.replaceChildren();
      profiles.forEach(function (p) {
        var option = document.createElement("option");
        option.value = p.id;
        option.textContent = p.display_name + " (" + (p.url || "/p/" + p.slug) + ")";
        select.appendChild(option);
      });
      if (wanted && profiles.some(function (p) { return p.id === wanted; })) {
        select.value = wanted;
      }
      return profiles;
    });
  }

  function loadLinks(profileId) {
    if (state.links[profileId]) {
      return Promise.resolve(state.links[profileId]);
    }
    return getJSON("/api/profiles/" + encodeURIComponent(profileId) + "/links?limit=200").then(
      function (body) {
        var titles = {};
        var shown = 0;
        (body.items || body || []).forEach(function (link) {
          titles[link.id] = link.title;
          if (link.is_active !== false) {
            shown += 1;
          }
        });
        // Not an own property a link id could be: the links the page shows.
        Object.defineProperty(titles, "shown", { value: shown, enumerable: false });
        state.links[profileId] = titles;
        return titles;
      },
      function () {
        return {}; // titles are a nicety: the ids still identify the links
      }
    );
  }

  // ---- drawing ---------------------------------------------------------

  function drawTotals(summary) {
    var views = summary.totals.profile_view ? summary.totals.profile_view.events : 0;
    var clicks = summary.totals.link_click ? summary.totals.link_click.events : 0;
    $("total-views").textContent = number(views);
    $("total-clicks").textContent = number(clicks);
    $("total-visitors").textContent = number(summary.visitors);
    $("total-ctr").textContent = views ? percent(clicks / views) : "–";
  }

  function seriesData(summary) {
    var xs = [], views = [], clicks = [], visitors = [];
    summary.series.forEach(function (point) {
      xs.push(Date.parse(point.at) / 1000);
      views.push(count(point.events, "profile_view"));
      clicks.push(count(point.events, "link_click"));
      visitors.push(point.visitors || 0);
    });
    return [xs, views, clicks, visitors];
  }

  function drawChart(summary) {
    var data = seriesData(summary);
    var box = $("timeseries");
    var ink = window.getComputedStyle(document.body).color;
    var grid = "rgba(127, 127, 127, 0.25)";
    var axis = { stroke: ink, grid: { stroke: grid }, ticks: { stroke: grid } };
    var xAxis = axis;
    if (summary.interval === "day") {
      // Whole days only: no hour ticks between the daily points.
      xAxis = Object.assign({}, axis, {
        incrs: [86400, 2 * 86400, 7 * 86400, 14 * 86400, 28 * 86400, 91 * 86400],
        values: function (u, splits) {
          return splits.map(function (ts) {
            return new Date(ts * 1000).toLocaleDateString(undefined, {
              month: "short", day: "numeric", timeZone: "UTC",
            });
          });
        },
      });
    }
    if (state.chart) {
      state.chart.destroy();
      state.chart = null;
    }
    var options = {
      width: Math.max(280, box.clientWidth),
      height: 280,
      // The API's buckets are UTC hours and days: show them as such.
      tzDate: function (ts) {
        return window.uPlot.tzDate(new Date(ts * 1000), "Etc/UTC");
      },
      scales: { x: { time: true }, y: { range: function (u, min, max) { return [0, Math.max(1, max)]; } } },
      axes: [
        xAxis,
        Object.assign({}, axis, {
          incrs: COUNT_STEPS,
          values: function (u, splits) {
            return splits.map(function (v) { return number(v); });
          },
        }),
      ],
      series: [
        {},
        { label: "Views", stroke: COLORS.views, width: 2, fill: "rgba(91, 91, 214, 0.12)" },
        { label: "Clicks", stroke: COLORS.clicks, width: 2 },
        { label: "Visitors", stroke: COLORS.visitors, width: 2, dash: [6, 4] },
      ],
    };
    state.chart = new window.uPlot(options, data, box);
    var rows = summary.series.map(function (p, i) {
      return [localBucket(p.at, summary.interval), number(data[1][i]), number(data[2][i]),
        number(data[3][i])];
    });
    fillTable($("series-table").tBodies[0], rows);
  }

  function drawLinks(summary, titles) {
    var rows = summary.links.map(function (link) {
      return [titles[link.link_id] || link.link_id, number(link.clicks), number(link.uniques), percent(link.ctr)];
    });
    fillTable($("links-table").tBodies[0], rows);
  }

  function bar(share) {
    var meter = document.createElement("span");
    meter.className = "share";
    var fill = document.createElement("span");
    fill.style.width = Math.round(share * 100) + "%";
    meter.appendChild(fill);
    var label = document.createElement("span");
    label.textContent = " " + (share * 100).toFixed(0) + "%";
    var wrap = document.createElement("span");
    wrap.appendChild(meter);
    wrap.appendChild(label);
    return wrap;
  }

  function label(value, dim) {
    if (value === null || value === undefined || value === "") {
      // No referrer: the visitor typed the address or used a bookmark.
      return dim === "referrer" ? "Direct" : "Unknown";
    }
    return value;
  }

  function drawTops(summary) {
    var top = summary.top || {};
    var countries = top.country || [];
    var all = countries.reduce(function (sum, r) { return sum + r.events; }, 0);
    fillTable(
      $("countries-table").tBodies[0],
      countries.map(function (r) {
        return [countryName(r.value), number(r.events), number(r.uniques),
          bar(all ? r.events / all : 0)];
      })
    );
    Array.prototype.forEach.call(document.querySelectorAll(".tops table"), function (table) {
      var dim = table.id.slice("top-".length);
      fillTable(
        table.tBodies[0],
        (top[dim] || []).map(function (r) {
          return [label(r.value, dim), number(r.events), number(r.uniques)];
        })
      );
    });
  }

  function heatColor(t) {
    // blue (cold) through yellow to red (hot)
    var hue = 240 - 240 * t;
    return "hsla(" + hue.toFixed(0) + ", 90%, 50%, " + (0.25 + 0.6 * t).toFixed(2) + ")";
  }

  function drawOutline(ctx, w, h, linkCount) {
    ctx.fillStyle = "#f8f9fb";
    ctx.fillRect(0, 0, w, h);
    ctx.strokeStyle = "#c5cad3";
    ctx.lineWidth = 1;
    ctx.strokeRect(0.5, 0.5, w - 1, h - 1);
    ctx.fillStyle = "#d5d9e0";
    ctx.beginPath();
    ctx.arc(w / 2, h * 0.09, w * 0.1, 0, 2 * Math.PI);
    ctx.fill();
    ctx.fillRect(w * 0.25, h * 0.17, w * 0.5, h * 0.025); // name
    ctx.fillRect(w * 0.15, h * 0.215, w * 0.7, h * 0.012); // bio
    ctx.fillRect(w * 0.2, h * 0.235, w * 0.6, h * 0.012);
    // As many link placeholders as the page shows links (at most 8 fit).
    var links = Math.max(0, Math.min(8, linkCount || 0));
    for (var i = 0; i < links; i += 1) {
      var top = h * (0.29 + i * 0.085);
      ctx.strokeStyle = "#b3b9c5";
      ctx.fillStyle = "#ffffff";
      ctx.beginPath();
      if (ctx.roundRect) {
        ctx.roundRect(w * 0.08, top, w * 0.84, h * 0.06, 8);
      } else {
        ctx.rect(w * 0.08, top, w * 0.84, h * 0.06);
      }
      ctx.fill();
      ctx.stroke();
    }
  }

  function drawHeatmap(heatmap, linkCount) {
    var canvas = $("heatmap");
    var ctx = canvas.getContext("2d");
    var w = canvas.width, h = canvas.height;
    ctx.clearRect(0, 0, w, h);
    drawOutline(ctx, w, h, linkCount);
    var cells = heatmap.cells || [];
    var rows = cells.length;
    var max = heatmap.max || 0;
    if (!rows || !max) {
      $("heatmap-note").textContent = "No clicks with a position in this range.";
      return;
    }
    // One pixel a cell on a small canvas, scaled up with smoothing: density
    // fades between cells instead of showing blocks.
    var columns = cells[0].length;
    var grid = document.createElement("canvas");
    grid.width = columns;
    grid.height = rows;
    var gctx = grid.getContext("2d");
    for (var r = 0; r < rows; r += 1) {
      for (var c = 0; c < columns; c += 1) {
        var n = cells[r][c];
        if (n > 0) {
          gctx.fillStyle = heatColor(n / max);
          gctx.fillRect(c, r, 1, 1);
        }
      }
    }
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(grid, 0, 0, w, h);
    $("heatmap-note").textContent =
      number(heatmap.total) + " clicks with a position; the hottest cell has " + number(max) + ".";
  }

  // ---- loading ---------------------------------------------------------

  function load() {
    var f = filters();
    if (!f.profile) {
      return Promise.resolve();
    }
    var query = new URLSearchParams({ from: f.from, to: f.to, interval: f.interval }).toString();
    var base = "/api/analytics/profiles/" + encodeURIComponent(f.profile);
    setStatus("Loading…", false);
    window.history.replaceState(
      null,
      "",
      "/dashboard?" +
        new URLSearchParams({ profile: f.profile, from: f.days.from, to: f.days.to, interval: f.interval })
    );
    var heatQuery = new URLSearchParams({ from: f.from, to: f.to }).toString();
    return Promise.all([
      getJSON(base + "/summary?" + query),
      getJSON(base + "/heatmap?" + heatQuery),
      loadLinks(f.profile),
    ]).then(
      function (answers) {
        var summary = answers[0], heatmap = answers[1], titles = answers[2];
        state.summary = summary;
        state.heatmap = heatmap;
        $("report").hidden = false;
        drawTotals(summary);
        drawChart(summary);
        // The rest in tasks of their own: the page stays responsive while it draws.
        return nextTask(function () {
          drawLinks(summary, titles);
          drawTops(summary);
        }).then(function () {
          return nextTask(function () {
            drawHeatmap(heatmap, titles.shown !== undefined ? titles.shown : summary.links.length);
          });
        }).then(function () {
          state.loads += 1;
          $("report").dataset.loads = String(state.loads);
          setStatus(
            "Showing " + localDay(Date.parse(f.days.from + "T00:00:00Z")) + " to " +
              localDay(Date.parse(f.days.to + "T00:00:00Z")) + " (UTC days).",
            false
          );
        });
      },
      function (error) {
        setStatus(error.message || "Could not load the analytics.", true);
      }
    );
  }

  function start() {
    var wanted = readQuery();
    $("filters").addEventListener("submit", function (event) {
      event.preventDefault();
      load();
    });
    $("profile").addEventListener("change", load);
    $("interval").addEventListener("change", load);
    if (window.ResizeObserver) {
      var lastWidth = 0;
      new ResizeObserver(function () {
        var width = Math.max(280, $("timeseries").clientWidth);
        if (state.chart && width !== lastWidth) {
          lastWidth = width;
          state.chart.setSize({ width: width, height: 280 });
        }
      }).observe($("timeseries"));
    }
    loadProfiles(wanted).then(
      function (profiles) {
        if (!profiles.length) {
          $("filters").hidden = true;
          $("status").hidden = true;
          $("no-profile").hidden = false;
          return;
        }
        return load();
      },
      function (error) {
        setStatus(error.message || "Could not load your profiles.", true);
      }
    );
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
