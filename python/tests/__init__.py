"""Tests of the taipan Python runtime: cd python && python3 -m unittest discover -s tests -t ."""
