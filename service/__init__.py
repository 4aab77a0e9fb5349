"""The HTTP service (Flask): SPARQL endpoint, saved questions, linked data, UI."""
