"""Python functions the Pools, Session, Future and Map tests call."""

import os
import time

counter = 0


def incr(n=1):
    global counter
    counter += n
    return counter


def echo(x):
    return x


def pid():
    return os.getpid()


def square(x):
    return x * x


def add(a, b):
    return a + b


def slow_square(x, delay):
    time.sleep(delay)
    return x * x


def fail_on(x, bad, delay=0):
    if x == bad:
        raise ValueError("bad input %r" % (x,))
    time.sleep(delay)
    return x


def count_to(n):
    for i in range(n):
        yield i
