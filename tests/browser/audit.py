"""What Lighthouse checks that a test can, run on a page in the real browser.

Lighthouse itself is not run here: its performance score needs a quiet machine
and a throttled, simulated device. Its accessibility category is axe-core (the
same engine, pinned in package.json), run here as it is, in the light and the
dark colour scheme; its best-practice and SEO audits that a page can fail are
checked one by one below, and the headers as Mozilla's Observatory scores them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# Lighthouse's accessibility audits are axe rules of these tags.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
# Observatory: the headers it scores, and what each must say.
OBSERVATORY = {
    "strict-transport-security": "max-age=63072000",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "cross-origin-opener-policy": "same-origin",
}
# Lighthouse's "good" first contentful paint on a mobile device.
FCP_GOOD_MS = 1800

# The first contentful paint, once the browser reports it (at most 5 s).
_FCP = """() => new Promise((resolve) => {
  const seen = (entries) => entries.find((e) => e.name === "first-contentful-paint");
  const done = seen(performance.getEntriesByType("paint"));
  if (done) return resolve(done.startTime);
  new PerformanceObserver((list) => {
    const entry = seen(list.getEntries());
    if (entry) resolve(entry.startTime);
  }).observe({type: "paint", buffered: true});
  setTimeout(() => resolve(null), 5000);
})"""

_FACTS = """() => {
  const meta = (name) => {
    const el = document.querySelector(`meta[name="${name}"]`);
    return el ? el.getAttribute("content") : null;
  };
  const vague = ["click here", "click this", "here", "more", "read more", "learn more", "link"];
  return {
    doctype: document.doctype ? document.doctype.name : null,
    lang: document.documentElement.lang,
    charset: document.characterSet,
    title: document.title,
    viewport: meta("viewport"),
    description: meta("description"),
    robots: meta("robots"),
    // Without an icon the browser asks for /favicon.ico: a 404 in the console.
    icon: document.querySelector("link[rel~='icon']") !== null,
    insecure: performance.getEntriesByType("resource")
      .map((r) => r.name).filter((u) => u.startsWith("http:") && !u.startsWith(location.origin)),
    vagueLinks: [...document.querySelectorAll("a[href]")]
      .map((a) => a.textContent.trim().toLowerCase()).filter((t) => vague.includes(t)),
    // As Lighthouse's crawlable-anchors: an <a> with a role, or an id and no
    // address, is not meant as a link.
    uncrawlable: [...document.querySelectorAll("a")]
      .filter((a) => !a.getAttribute("role") && !(a.id && !a.hasAttribute("href")))
      .filter((a) => !a.getAttribute("href") || a.getAttribute("href").startsWith("javascript:"))
      .map((a) => a.outerHTML),
  };
}"""


@dataclass(frozen=True)
class Finding:
    audit: str
    detail: str

    def __str__(self) -> str:
        return f"{self.audit}: {self.detail}"


@functools.lru_cache(maxsize=1)
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def _axe(page) -> list[dict[str, Any]]:
    # page.evaluate of a plain expression goes through the DevTools protocol,
    # which the page's CSP does not govern: the page itself stays as served.
    page.evaluate(_axe_source())
    result = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return list(result["violations"])


def audit(page, response) -> list[Finding]:
    """Everything this page fails, empty when it passes; ``response`` is the
    navigation's answer."""
    found: list[Finding] = []
    headers = response.all_headers()
    if response.status != 200:
        found.append(Finding("http-status-code", str(response.status)))
    csp = headers.get("content-security-policy", "")
    if "default-src 'none'" not in csp or "'unsafe-inline'" in csp or "'unsafe-eval'" in csp:
        found.append(Finding("csp-xss", csp or "no content-security-policy"))
    if "frame-ancestors 'none'" not in csp:
        found.append(Finding("frame-ancestors", csp))
    for name, expected in OBSERVATORY.items():
        if not headers.get(name, "").startswith(expected):
            found.append(Finding("observatory", f"{name}: {headers.get(name)!r}"))
    facts = page.evaluate(_FACTS)
    facts["fcp"] = page.evaluate(_FCP)
    checks = {
        "doctype": facts["doctype"] == "html",
        "html-has-lang": bool(facts["lang"]),
        "charset": facts["charset"] == "UTF-8",
        "document-title": bool(facts["title"].strip()),
        "meta-viewport": "width=device-width" in (facts["viewport"] or ""),
        "meta-description": bool((facts["description"] or "").strip()),
        "is-crawlable": "noindex" not in (facts["robots"] or ""),
        "errors-in-console (favicon)": facts["icon"],
        "is-on-https (mixed content)": not facts["insecure"],
        "link-text": not facts["vagueLinks"],
        "crawlable-anchors": not facts["uncrawlable"],
        "first-contentful-paint": facts["fcp"] is not None and facts["fcp"] < FCP_GOOD_MS,
    }
    found.extend(Finding(name, repr(facts)) for name, ok in checks.items() if not ok)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for violation in _axe(page):
            nodes = "; ".join(n["html"][:120] for n in violation["nodes"][:3])
            found.append(Finding(f"axe {violation['id']} ({scheme})", nodes))
    page.emulate_media(color_scheme="light")
    return found
