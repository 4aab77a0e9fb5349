"""Scale: a synthetic corpus with the seeds' shape, and copying a build into another store."""
