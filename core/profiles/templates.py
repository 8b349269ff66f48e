"""Templates of the public profile page and the editor, registered into the
shared template set (``core.web.templates.TEMPLATES``) on import."""

from __future__ import annotations

from core.analytics import BEACON_SNIPPET
from core.web.templates import TEMPLATES

# Standalone (not base.html): the smallest page that reads well, with no
# third-party request, its own inline style, and one small inline script (the
# analytics beacon: load time, heatmap clicks); the page works without it.
PUBLIC = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ profile.display_name }} (@{{ profile.slug }})</title>
{% if profile.bio %}<meta name="description" content="{{ profile.bio | truncate(160) }}">{% endif %}
<style nonce="{{ nonce }}">
:root { color-scheme: light dark; --accent: #4338ca; --card: #f3f4f6; --text: #111827;
  --muted: #4b5563; --bg: #ffffff; }
@media (prefers-color-scheme: dark) {
  :root { --accent: #a5b4fc; --card: #1f2937; --text: #f9fafb; --muted: #d1d5db; --bg: #111827; }
}
* { box-sizing: border-box; }
body { margin: 0; padding: 2.5rem 1rem; font: 17px/1.5 system-ui, sans-serif;
  color: var(--text); background: var(--bg); }
main { max-width: 36rem; margin: 0 auto; text-align: center; }
.avatar { width: 96px; height: 96px; border-radius: 50%; object-fit: cover; }
h1 { font-size: 1.6rem; margin: 0.6rem 0 0.2rem; }
.bio { margin: 0 0 1.5rem; color: var(--muted); white-space: pre-line; }
ul { list-style: none; margin: 0; padding: 0; }
li { margin: 0 0 0.75rem; }
a.link { display: block; padding: 0.85rem 1rem; border-radius: 12px; background: var(--card);
  color: var(--text); text-decoration: none; border: 2px solid transparent; }
a.link:hover { border-color: var(--accent); }
a.link:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.title { display: block; font-weight: 600; }
.meta { display: block; font-size: 0.85rem; color: var(--muted); }
.empty { color: var(--muted); }
</style>
</head>
<body>
<main>
<header>
{% if avatar_url -%}
<img class="avatar" src="{{ avatar_url }}" alt="" width="96" height="96">
{%- endif %}
<h1>{{ profile.display_name }}</h1>
{% if profile.bio %}<p class="bio">{{ profile.bio }}</p>{% endif %}
</header>
<nav aria-label="Links of {{ profile.display_name }}">
<ul>
{% for link in links %}
<li><a class="link" href="{{ link.href }}" data-link-id="{{ link.id }}">
<span class="title">{{ link.title }}</span>
{% if link.stats %}<span class="meta">{{ link.stats }}</span>{% endif %}
{% if link.description %}<span class="meta">{{ link.description }}</span>{% endif %}
<span class="meta">{{ link.host }}</span></a></li>
{% else %}
<li class="empty">No links yet.</li>
{% endfor %}
</ul>
</nav>
</main>
{% with profile_id = profile.id %}{% include "analytics_beacon.html" %}{% endwith %}
</body>
</html>
"""

MISSING = """{% extends "base.html" %}
{% block title %}Not found · creator-edge{% endblock %}
{% block body %}
<h1>Nothing is here</h1>
<p class="muted">This page does not exist, or it is not public.</p>
{% endblock %}
"""

EDITOR = """{% extends "base.html" %}
{% block title %}Your profiles · creator-edge{% endblock %}
{% block style %}
label.check { display: flex; gap: 0.5rem; align-items: center; font-weight: 400; }
label.check input { width: auto; }
{% endblock %}
{% block body %}
<nav aria-label="Account">
{%- for href, label in nav %}<a href="{{ href }}">{{ label }}</a>{% endfor -%}
</nav>
<h1>Your profiles</h1>
{% if profiles %}
<table>
  <thead><tr><th>Profile</th><th>Public page</th><th>Visibility</th></tr></thead>
  <tbody>
  {% for p in profiles %}
    <tr><td><a href="/editor/profiles/{{ p.id }}">{{ p.display_name }}</a></td>
    <td>{% if p.is_public %}<a href="{{ p.url }}">{{ p.url }}</a>
      {%- else %}{{ p.url }}{% endif %}</td>
    <td>{{ "public" if p.is_public else "private" }}</td></tr>
  {% endfor %}
  </tbody>
</table>
{% else %}
<p class="muted">No profile yet: create your first one.</p>
{% endif %}
<h2>Create a profile</h2>
{% include "form_error.html" %}
<form method="post" action="/editor/profiles">
  <label for="slug">Address
    <span class="muted">(/p/your-slug: 3 to 30 of a-z, 0-9, - and _)</span></label>
  <input id="slug" name="slug" required minlength="3" maxlength="30" value="{{ form.slug }}"
    autocomplete="off" autocapitalize="none" spellcheck="false">
  <label for="display_name">Display name</label>
  <input id="display_name" name="display_name" required maxlength="80"
    value="{{ form.display_name }}">
  <label for="bio">Bio <span class="muted">(optional)</span></label>
  <textarea id="bio" name="bio" rows="3" maxlength="500">{{ form.bio }}</textarea>
  <label class="check"><input type="checkbox" name="is_public" value="1" checked> Public</label>
  <button type="submit">Create profile</button>
</form>
{% endblock %}
"""

EDITOR_PROFILE = """{% extends "base.html" %}
{% block title %}Edit {{ profile.display_name }} · creator-edge{% endblock %}
{% block style %}
label.check { display: flex; gap: 0.5rem; align-items: center; font-weight: 400; }
label.check input { width: auto; }
.links { list-style: none; padding: 0; }
.links li { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center;
  padding: 0.6rem 0; border-bottom: 1px solid #d1d5db; }
.links .what { flex: 1 1 14rem; min-width: 0; overflow-wrap: anywhere; }
.links form { margin: 0; }
.links button { margin: 0; padding: 0.3rem 0.6rem; font-size: 0.9rem; }
.avatar { width: 96px; height: 96px; border-radius: 50%; object-fit: cover; }
.danger { background: #b91c1c; }
{% endblock %}
{% block body %}
<nav aria-label="Account">
{%- for href, label in nav %}<a href="{{ href }}">{{ label }}</a>{% endfor -%}
</nav>
<h1>{{ profile.display_name }}</h1>
<p>{% if profile.is_public %}Public page: <a href="{{ profile.url }}">{{ profile.url }}</a>
{% else %}Private: {{ profile.url }} answers “not found” until you make it public.{% endif %}</p>
{% include "form_error.html" %}

<h2>Profile</h2>
<form method="post" action="/editor/profiles/{{ profile.id }}">
  <label for="slug">Address</label>
  <input id="slug" name="slug" required minlength="3" maxlength="30" value="{{ profile.slug }}"
    autocomplete="off" autocapitalize="none" spellcheck="false">
  <label for="display_name">Display name</label>
  <input id="display_name" name="display_name" required maxlength="80"
    value="{{ profile.display_name }}">
  <label for="bio">Bio</label>
  <textarea id="bio" name="bio" rows="3" maxlength="500">{{ profile.bio or "" }}</textarea>
  <label class="check"><input type="checkbox" name="is_public" value="1"
    {% if profile.is_public %}checked{% endif %}> Public</label>
  <button type="submit">Save profile</button>
</form>

<h2>Avatar</h2>
<div id="avatar" data-profile-id="{{ profile.id }}">
  <img id="avatar-image" class="avatar" alt="Your avatar"
    {% if profile.avatar_url %}src="{{ profile.avatar_url }}"{% else %}hidden{% endif %}>
  <label for="avatar-file">Choose an image
    <span class="muted">(made smaller in your browser before it is sent)</span></label>
  <input id="avatar-file" type="file" accept="image/jpeg,image/png,image/webp,image/gif" disabled>
  <button id="avatar-upload" type="button" disabled>Upload avatar</button>
  <p id="avatar-status" class="muted" role="status" aria-live="polite"></p>
  <noscript><p class="muted">Uploading an avatar needs JavaScript.</p></noscript>
</div>

<h2>Links</h2>
<p id="links-status" class="muted" role="status" aria-live="polite"></p>
<ol id="links" class="links" data-profile-id="{{ profile.id }}">
{% for link in profile.links %}
  <li data-link-id="{{ link.id }}">
    <span class="what"><strong>{{ link.title }}</strong>
      {%- if not link.is_active %} <span class="muted">(hidden)</span>{% endif %}<br>
    <span class="muted">{{ link.url }}</span></span>
    <form method="post" action="/editor/links/{{ link.id }}/move" data-move="up">
      <input type="hidden" name="direction" value="up">
      <button type="submit" class="secondary" aria-label="Move {{ link.title }} up">Up</button>
    </form>
    <form method="post" action="/editor/links/{{ link.id }}/move" data-move="down">
      <input type="hidden" name="direction" value="down">
      <button type="submit" class="secondary" aria-label="Move {{ link.title }} down">Down</button>
    </form>
    <form method="post" action="/editor/links/{{ link.id }}/visibility">
      <input type="hidden" name="is_active" value="{{ '0' if link.is_active else '1' }}">
      <button type="submit" class="secondary">{{ "Hide" if link.is_active else "Show" }}</button>
    </form>
    <form method="post" action="/editor/links/{{ link.id }}/delete">
      <button type="submit" class="danger" aria-label="Remove {{ link.title }}">Remove</button>
    </form>
  </li>
{% else %}
  <li class="muted">No links yet.</li>
{% endfor %}
</ol>

<h3>Add a link</h3>
<form method="post" action="/editor/profiles/{{ profile.id }}/links">
  <label for="link-title">Title</label>
  <input id="link-title" name="title" required maxlength="100" value="{{ link_form.title }}">
  <label for="link-url">URL <span class="muted">(http:// or https://)</span></label>
  <input id="link-url" name="url" type="url" required maxlength="2048" value="{{ link_form.url }}">
  <button type="submit">Add link</button>
</form>

<h2>Delete this profile</h2>
<form method="post" action="/editor/profiles/{{ profile.id }}/delete">
  <button type="submit" class="danger">Delete profile</button>
</form>
<script nonce="{{ nonce }}" src="{{ script_url }}" defer></script>
{% endblock %}
"""

TEMPLATES.update(
    {
        "profile_public.html": PUBLIC,
        "profile_missing.html": MISSING,
        "editor.html": EDITOR,
        "editor_profile.html": EDITOR_PROFILE,
        "analytics_beacon.html": BEACON_SNIPPET,
    }
)
