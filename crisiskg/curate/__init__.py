"""The curator's tools: a first annotation file, coverage, and facts sampled for an audit."""
