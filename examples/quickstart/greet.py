"""The Python side of examples/quickstart: plain functions, nothing to import
from taipan. The Go host puts this directory on sys.path."""


def greet(name, greeting="Hello", punctuation="!"):
    """Keyword arguments come from a trailing snakes.Kwargs on the Go side."""
    return f"{greeting}, {name}{punctuation}"


def summary(numbers):
    """A dict with str keys arrives in Go as map[string]any, or decodes into a
    struct whose fields carry `erl:"..."` tags."""
    total = sum(numbers)
    return {"count": len(numbers), "total": total, "mean": total / len(numbers)}


def ratio(a, b):
    """Raises ZeroDivisionError when b == 0: Go gets a *snakes.PythonError."""
    return a / b
