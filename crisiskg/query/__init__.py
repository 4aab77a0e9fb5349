"""Queries on a published build: the store, its results, saved questions and their kept answers."""
