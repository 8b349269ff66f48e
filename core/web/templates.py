"""Page templates (Jinja2). Kept as Python strings so they ship inside the worker
bundle like any module. Styles and scripts carry the response's nonce."""

from __future__ import annotations

BASE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{% block title %}creator-edge{% endblock %}</title>
<style nonce="{{ nonce }}">
:root { color-scheme: light dark; --accent: #5b5bd6; --muted: #6b7280; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; padding: 2rem 1rem; }
main { max-width: 42rem; margin: 0 auto; }
h1 { font-size: 1.6rem; margin: 0 0 1rem; }
label { display: block; margin: 0.8rem 0 0.2rem; font-weight: 600; }
input, select, textarea { width: 100%; padding: 0.55rem 0.6rem; font: inherit;
  border: 1px solid #9ca3af; border-radius: 6px; }
button, .button { margin-top: 1.2rem; padding: 0.6rem 1.2rem; font: inherit; font-weight: 600;
  color: #fff; background: var(--accent); border: 0; border-radius: 6px; cursor: pointer;
  text-decoration: none; display: inline-block; }
button.secondary { background: #4b5563; }
.error { color: #b91c1c; border-left: 4px solid #b91c1c; padding: 0.4rem 0.8rem; }
.muted { color: var(--muted); }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 0.35rem 0.5rem; border-bottom: 1px solid #d1d5db; }
nav { display: flex; gap: 1rem; margin-bottom: 1.5rem; }
{% block style %}{% endblock %}
</style>
{% block head %}{% endblock %}
</head>
<body>
<main>
{% block body %}{% endblock %}
</main>
</body>
</html>
"""

FORM_ERROR = """{% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}"""

LOGIN = """{% extends "base.html" %}
{% block title %}Sign in · creator-edge{% endblock %}
{% block body %}
<h1>Sign in</h1>
{% include "form_error.html" %}
<form method="post" action="/login">
  <input type="hidden" name="next" value="{{ next }}">
  <label for="login">Email or username</label>
  <input id="login" name="login" autocomplete="username" required value="{{ login }}">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button type="submit">Sign in</button>
</form>
<p class="muted">No account? <a href="/register">Create one</a>.</p>
{% endblock %}
"""

REGISTER = """{% extends "base.html" %}
{% block title %}Create an account · creator-edge{% endblock %}
{% block body %}
<h1>Create an account</h1>
{% include "form_error.html" %}
<form method="post" action="/register">
  <label for="email">Email</label>
  <input id="email" name="email" type="email" autocomplete="email" required value="{{ email }}">
  <label for="username">Username</label>
  <input id="username" name="username" autocomplete="username" required minlength="3"
    maxlength="30" value="{{ username }}">
  <label for="display_name">Display name <span class="muted">(optional)</span></label>
  <input id="display_name" name="display_name" maxlength="80" value="{{ display_name }}">
  <label for="password">Password <span class="muted">(at least 10 characters)</span></label>
  <input id="password" name="password" type="password" autocomplete="new-password" required
    minlength="10">
  <button type="submit">Create account</button>
</form>
<p class="muted">Have an account? <a href="/login">Sign in</a>.</p>
{% endblock %}
"""

ACCOUNT = """{% extends "base.html" %}
{% block title %}Your account · creator-edge{% endblock %}
{% block body %}
<nav>{% for href, label in nav %}<a href="{{ href }}">{{ label }}</a>{% endfor %}</nav>
<h1>{{ user.display_name or user.username }}</h1>
<p>@{{ user.username }} · {{ user.email }} · <span class="muted">{{ user.role }}</span></p>
<h2>Sessions</h2>
<table>
  <thead><tr><th>Signed in</th><th>Device</th><th>Kind</th><th></th></tr></thead>
  <tbody>
  {% for s in sessions %}
    <tr><td>{{ s.created_at }}</td><td>{{ s.device or "" }}</td><td>{{ s.kind }}</td>
    <td>{% if s.current %}this one{% elif s.revoked_at %}ended{% endif %}</td></tr>
  {% endfor %}
  </tbody>
</table>
<form method="post" action="/logout">
  <button type="submit" class="secondary">Sign out</button>
</form>
{% endblock %}
"""

TEMPLATES: dict[str, str] = {
    "base.html": BASE,
    "form_error.html": FORM_ERROR,
    "login.html": LOGIN,
    "register.html": REGISTER,
    "account.html": ACCOUNT,
}

# Links every signed-in page shows; features add theirs.
NAV: list[tuple[str, str]] = [
    ("/account", "Account"),
    ("/dashboard", "Dashboard"),
    ("/editor", "Editor"),
]
