"""Packaged data and its lookups: guest profiles, the Ubuntu/Debian release catalog, the xe command table,
storage profiles, and the jinja2 environment that renders the templates."""
