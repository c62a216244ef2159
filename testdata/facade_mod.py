"""Fixture of the taipan facade tests."""
import os


def add(a, b):
    return a + b


def pid():
    return os.getpid()


def where():
    return __file__


def prefix():
    """The interpreter's prefix: a virtual environment's own directory."""
    import sys
    return sys.prefix


def env(name):
    return os.environ.get(name)
