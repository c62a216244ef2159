"""Checks Python snippets of the docs: each must compile, and use no name
it neither defines, imports nor gets from builtins (the NameError a reader
would meet). Standard library only.

stdin: a JSON list of {"name": ..., "code": ...}; stdout: a JSON list of
{"name": ..., "line": N, "error": ...}, empty when every snippet is fine.
"""
import ast
import builtins
import json
import symtable
import sys

MODULE_NAMES = {"__name__", "__file__", "__doc__", "__spec__", "__loader__", "__package__", "__builtins__"}


def undefined(code, name):
    """The names code uses at module level or as globals that nothing binds."""
    top = symtable.symtable(code, name, "exec")
    bound = {s.get_name() for s in top.get_symbols()
             if s.is_assigned() or s.is_imported() or s.is_namespace()}
    bound |= set(dir(builtins)) | MODULE_NAMES
    used = set()

    def walk(table):
        for s in table.get_symbols():
            if not s.is_referenced():
                continue
            if table is top or (s.is_global() and not s.is_declared_global()):
                used.add(s.get_name())
        for child in table.get_children():
            walk(child)

    walk(top)
    return sorted(used - bound)


def first_use(tree, ident):
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == ident:
            return node.lineno
    return 0


def check(snippet):
    name, code = snippet["name"], snippet["code"]
    try:
        tree = compile(code, name, "exec", ast.PyCF_ONLY_AST)
        compile(tree, name, "exec")
    except SyntaxError as e:
        return [{"name": name, "line": e.lineno or 0, "error": "SyntaxError: %s" % e.msg}]
    return [{"name": name, "line": first_use(tree, ident),
             "error": "NameError: name %r is not defined" % ident}
            for ident in undefined(code, name)]


def main():
    out = []
    for snippet in json.load(sys.stdin):
        out.extend(check(snippet))
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
