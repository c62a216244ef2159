"""Fixture of the taipan facade tests."""
import os


def add(a, b):
    return a + b


def pid():
    return os.getpid()


def where():
    return __file__
