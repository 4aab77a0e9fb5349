"""The saved questions (``<id>.rq``), shipped as package data
(``importlib.resources.files("crisiskg.queries")``)."""
