"""Loaders: from the seed files to an RDF dataset.

``read_seeds(folder)`` parses and checks every file (all mistakes at once) and returns a
:class:`~crisiskg.loaders.seeds.SeedSet`; ``to_dataset(seedset)`` mints IRIs, anchors quotes and builds the
named graphs.
"""

from __future__ import annotations

from crisiskg.loaders.graph import to_dataset
from crisiskg.loaders.seeds import SeedSet, read_seeds

__all__ = ["SeedSet", "read_seeds", "to_dataset"]
