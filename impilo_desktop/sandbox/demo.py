"""The sandbox's public demo key, in a module of its own so that naming it does not import the
HTTP server (aiohttp) into every command-line start."""

DEMO_API_KEY = "impilo-sandbox-demo-key"
