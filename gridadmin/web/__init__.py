"""The web layer: Flask-Admin views, login, i18n, CLI. Thin over the services."""
