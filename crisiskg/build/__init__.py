"""The build: loaded seeds -> OWL 2 RL reasoning -> SHACL gate -> atomic publication (full or incremental)."""
