"""The website chat widget and the demo clinic site (see `web.server`)."""
