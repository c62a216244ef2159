"""The pets of examples/pets: a "model" that Init loads once per process,
and a "counter" whose count lives in the process."""
import os

MODEL = None
COUNT = 0


def load_model(name, size):
    """Init of the "model" pet: builds a fake model (a dict of weights)."""
    global MODEL
    MODEL = {"name": name, "weights": [i * 0.5 for i in range(size)]}


def predict(x):
    """Uses the loaded model: fails if Init did not run."""
    w = MODEL["weights"]
    return sum(wi * x for wi in w)


def describe():
    return {"name": MODEL["name"], "weights": len(MODEL["weights"])}


def start_count(start):
    """Init of the "counter" pet."""
    global COUNT
    COUNT = start


def incr():
    global COUNT
    COUNT += 1
    return COUNT


def pid():
    return os.getpid()
