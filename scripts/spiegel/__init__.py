"""Spiegel: static site and form endpoint for open feedback programmes in care."""
