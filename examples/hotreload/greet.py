"""The module the hotreload example edits while it runs.

The example copies this file to a temporary directory and rewrites the copy:
this file stays as it is.
"""

VERSION = 1
GREETING = "Hello"


def hello(name):
    return "%s, %s! (v%d)" % (GREETING, name, VERSION)
