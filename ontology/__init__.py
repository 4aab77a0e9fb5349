"""The ontology (OWL 2), the CAMEO scheme and the SHACL shapes, shipped as package data
(``importlib.resources.files("crisiskg.ontology")``)."""
