"""The page files: templates and scripts kept as files, read through their
generated modules, the same text the files hold."""

from __future__ import annotations

from pathlib import Path

from core.analytics.ingest.beacon import BEACON_JS, beacon_script
from core.features import FEATURES
from core.monitoring.page import vitals_templates
from core.profiles.editor import script as editor_js
from core.web.render import environment, page_files

ROOT = Path(__file__).resolve().parents[2]


def test_every_page_file_is_loaded_as_the_file_says() -> None:
    files = {p.name: p for p in ROOT.glob("core/*/templates/*.html")}
    files |= {p.name: p for p in ROOT.glob("core/*/static/*.js")}
    # The web-vitals package's build, a page file the public page inlines (no file here).
    built = vitals_templates()
    loaded = page_files(FEATURES)
    assert set(loaded) == set(files) | set(built)
    for name, path in files.items():
        assert loaded[name] == path.read_text(encoding="utf-8"), name
    assert set(environment(loaded).list_templates()) == set(files) | set(built)


def test_the_scripts_are_the_files() -> None:
    assert (ROOT / "core/profiles/static/editor.js").read_text() == editor_js.EDITOR_JS
    assert (ROOT / "core/analytics/static/beacon.js").read_text() == BEACON_JS + "\n"


def test_the_beacon_template_is_the_beacon_script() -> None:
    rendered = (
        environment(page_files(FEATURES))
        .get_template("analytics_beacon.html")
        .render(nonce="n0nce", profile_id="01PROFILE")
    )
    assert rendered == str(beacon_script("n0nce", "01PROFILE"))
