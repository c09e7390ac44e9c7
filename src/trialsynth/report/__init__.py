"""Self-contained HTML report rendered with Jinja2."""
