"""Renderers at the edge: terminal tables (rich), HTML maps (pyvis), figures (matplotlib)."""
