"""The web layer: pages, the toolbar socket, the REST API."""
