"""Golden tests against a real Erlang node (one `erl` process for all).

1. Python encodes a broad set of values; Erlang checks that
   binary_to_term(Bytes) =:= the expected Erlang term.
2. Erlang encodes the same terms with term_to_binary/2 under several option
   sets (default, compressed, minor_version 0/1/2); Python must decode them
   to the expected Python values.
3. Erlang-only terms (pids, refs, ports, funs) go Erlang -> Python ->
   Erlang: Python must re-encode them byte for byte, and Erlang checks the
   result is =:= the original.

Skipped when `erl` is not on PATH, unless TAIPAN_REQUIRE_ERL=1.
"""

import os
import pickle
import shutil
import struct
import subprocess
import tempfile
import unittest

from taipan.etf import decode, encode
from taipan.terms import (Atom, BitString, Export, Fun, ImproperList, List,
                          OpaqueObject, Pid, Port, Reference)

ERL = shutil.which("erl")
REQUIRE = os.environ.get("TAIPAN_REQUIRE_ERL") == "1"

A = Atom
BOTH, PY2ERL, ERL2PY = "both", "py2erl", "erl2py"


def _erl_bin(data: bytes) -> str:
    return "<<" + ",".join(map(str, data)) + ">>"


def _cases():
    """(name, erlang expression, python value, direction)."""
    c = []

    def add(name, erl, py, direction=BOTH):
        c.append((name, erl, py, direction))

    for n in (0, 1, 255, 256, -1, -256, 2**31 - 1, 2**31, -2**31, -2**31 - 1,
              2**63, -2**63, 2**64, -2**64, 2**1000, -2**1000, 2**2048, -2**2048):
        add("int_%s" % n if abs(n) < 2**70 else "int_big_%d_%s" % (n.bit_length(), n < 0),
            str(n), n)
    for i, (erl, py) in enumerate([
            ("0.0", 0.0), ("1.5", 1.5), ("-2.25", -2.25), ("3.0e10", 3.0e10),
            ("1.0e-300", 1e-300), ("1.7976931348623157e308", 1.7976931348623157e308),
            ("5.0e-324", 5e-324), ("3.141592653589793", 3.141592653589793),
            ("0.1", 0.1)]):
        add("float_%d" % i, erl, py)
    add("atom_ok", "ok", A("ok"))
    add("atom_empty", "''", A(""))
    add("atom_space", "'hello world'", A("hello world"))
    add("atom_latin1", "'é'", A("é"))
    add("atom_c_circ", "'ĉ'", A("ĉ"))
    add("atom_emoji", "'🐍'", A("🐍"))
    add("atom_255", "'%s'" % ("a" * 255), A("a" * 255))
    add("atom_255_emoji", "'%s'" % ("🐍" * 255), A("🐍" * 255))
    add("true", "true", True)
    add("false", "false", False)
    add("undefined", "undefined", None)
    add("bin_empty", "<<>>", "")
    add("bin_hello", '<<"hello">>', "hello")
    add("bin_utf8", '<<"ĉx🐍"/utf8>>', "ĉx🐍")
    add("bin_not_utf8", "<<255,0>>", b"\xff\x00")
    add("bin_1mib_bytes", "binary:copy(<<255>>, 1048576)", b"\xff" * (1 << 20))
    add("bin_1mib_str", 'binary:copy(<<"a">>, 1048576)', "a" * (1 << 20))
    add("bytes_empty", "<<>>", b"", PY2ERL)
    add("bytearray", '<<"ab">>', bytearray(b"ab"), PY2ERL)
    add("memoryview", '<<"ab">>', memoryview(b"ab"), PY2ERL)
    add("bits_3", "<<1:3>>", BitString(b"\x20", 3))
    add("bits_11", "<<255, 7:3>>", BitString(b"\xff\xe0", 3))
    add("tuple_empty", "{}", ())
    add("tuple_2", "{1,2}", (1, 2))
    add("tuple_mixed", '{ok, <<"x">>, [1], {}}', (A("ok"), "x", [1], ()))
    add("tuple_300", "list_to_tuple(lists:seq(1,300))", tuple(range(1, 301)))
    add("nil", "[]", [])
    add("list_small", "[1,2,3]", [1, 2, 3])
    add("list_mixed_ints", "[1,1000,-5]", [1, 1000, -5])
    add("list_bools", "[true,false]", [True, False])
    add("list_bools_ints", "[0,1,true,false,2]", [0, 1, True, False, 2])
    add("charlist", '"héllo"', [104, 233, 108, 108, 111])
    add("charlist_unicode", "[$ĉ, $x]", [265, 120])
    add("improper_atom", "[a|b]", ImproperList([A("a")], A("b")))
    add("improper_int", "[1,2|3]", ImproperList([1, 2], 3))
    add("improper_bin", '[1|<<"t">>]', ImproperList([1], "t"))
    add("nested_lists", "[[1],[[2]],[]]", [[1], [[2]], []])
    add("list_300", "lists:seq(1,300)", list(range(1, 301)))
    add("list_floats", "[I * 1.5 - 3.25 || I <- lists:seq(0, 99)]",
        [i * 1.5 - 3.25 for i in range(100)])
    add("proplist", '[{<<"k">>, 1}, {<<"v">>, 2.5}, {atom, [a]}]',
        [("k", 1), ("v", 2.5), (A("atom"), [A("a")])])
    add("map_empty", "#{}", {})
    add("map_keys", '#{a => 1, <<"a">> => 2, 1 => 3, 2.5 => 4}',
        {A("a"): 1, "a": 2, 1: 3, 2.5: 4})
    add("map_tuple_keys", "#{{1,2} => x, {} => y, {a, {b}} => z}",
        {(1, 2): A("x"), (): A("y"), (A("a"), (A("b"),)): A("z")})
    add("map_nested", '#{<<"m">> => #{<<"n">> => [1, #{}]}}', {"m": {"n": [1, {}]}})
    add("map_100", "maps:from_list([{I, I*I} || I <- lists:seq(1,100)])",
        {i: i * i for i in range(1, 101)})
    add("reference_term",
        '#{<<"id">> => 123456789, <<"big">> => 1180591620717411303424, '
        '<<"neg">> => -42, <<"pi">> => 3.141592653589793, '
        '<<"name">> => <<"taipan worker pool">>, <<"blob">> => binary:copy(<<16#AB>>, 256), '
        '<<"ints">> => lists:seq(0, 99), <<"point">> => {1.5, -2.25, 3.0e10}, '
        '<<"tags">> => [ok, error, undefined], '
        '<<"nested">> => #{<<"a">> => 1, <<"b">> => [true, false], <<"c">> => <<"x">>}}',
        {"id": 123456789, "big": 1180591620717411303424, "neg": -42,
         "pi": 3.141592653589793, "name": "taipan worker pool", "blob": b"\xab" * 256,
         "ints": list(range(100)), "point": (1.5, -2.25, 3.0e10),
         "tags": [A("ok"), A("error"), None],
         "nested": {"a": 1, "b": [True, False], "c": "x"}})
    # ErlPort opaque objects
    inner = encode({A("a"): 1})[1:]
    add("opaque_erlang_splice", "#{a => 1}", OpaqueObject(inner, "erlang"), PY2ERL)
    add("opaque_other_lang", "{'$erlport.opaque', ruby, <<\"xyz\">>}",
        OpaqueObject(b"xyz", "ruby"), BOTH)
    pickled = pickle.dumps({1, 2}, 2)
    add("opaque_python", "{'$erlport.opaque', python, %s}" % _erl_bin(pickled),
        {1, 2}, ERL2PY)
    add("opaque_python_enc",
        "fun({'$erlport.opaque', python, B}) when is_binary(B) -> true; (_) -> false end",
        frozenset([1, 2]), "py2erl_pred")
    return c


# Erlang-only terms for the Erlang -> Python -> Erlang round trip.
_IDENTS = [
    ("pid", "self()", Pid),
    ("ref", "make_ref()", Reference),
    ("port", "hd(erlang:ports())", Port),
    ("export", "fun erlang:abs/1", Export),
    ("fun_identity", "fun(X) -> X end", Fun),
    ("fun_closure", "begin Y5 = 5, fun(X) -> X + Y5 end end", Fun),
    ("in_structure", "{self(), #{ref => make_ref()}, [fun lists:map/2]}", tuple),
]

_OPTIONS = ["[]", "[compressed]", "[{minor_version,0}]", "[{minor_version,1}]",
            "[{minor_version,2}]", "[{compressed,9},{minor_version,2}]"]


def _records(path):
    """<<NameLen:16, Name, Variant:8, Len:32, Bin>>* -> [(name, variant, bin)]"""
    with open(path, "rb") as f:
        data = f.read()
    out, pos = [], 0
    while pos < len(data):
        (n,) = struct.unpack_from(">H", data, pos)
        name = data[pos + 2:pos + 2 + n].decode()
        pos += 2 + n
        variant = data[pos]
        (size,) = struct.unpack_from(">I", data, pos + 1)
        out.append((name, variant, data[pos + 5:pos + 5 + size]))
        pos += 5 + size
    return out


def _record(name, variant, data):
    nb = name.encode()
    return struct.pack(">H", len(nb)) + nb + bytes([variant]) + struct.pack(">I", len(data)) + data


_SCRIPT = r"""%% -*- coding: utf-8 -*-
Dir = "@DIR@",
Cases = [@CASES@],
Idents = [@IDENTS@],
Options = [@OPTIONS@],
Parse = fun Parse(<<N:16, Name:N/binary, V:8, L:32, B:L/binary, Rest/binary>>, Acc) ->
                Parse(Rest, [{Name, V, B} | Acc]);
            Parse(<<>>, Acc) -> lists:reverse(Acc)
        end,
Rec = fun(Name, V, B) -> [<<(byte_size(Name)):16>>, Name, V, <<(byte_size(B)):32>>, B] end,
Say = fun(Fmt, Args) -> io:put_chars(standard_io, unicode:characters_to_binary(io_lib:format(Fmt, Args))) end,
%% 1. Python's encodings.
{ok, FromPy} = file:read_file(filename:join(Dir, "from_python.bin")),
Check = fun({Name, V, B}) ->
            {Name, Kind, Expected} = lists:keyfind(Name, 1, Cases),
            Got = try binary_to_term(B) catch C:E -> {decode_failed, C, E} end,
            Ok = case Kind of
                     pred -> Expected(Got);
                     _ -> Got =:= Expected
                 end,
            case Ok of
                true -> ok;
                false -> Say("FAIL py2erl ~ts/~p: got ~P~n", [Name, V, Got, 12])
            end
        end,
lists:foreach(Check, Parse(FromPy, [])),
%% 2. Erlang's encodings.
ToPy = [Rec(Name, I - 1, term_to_binary(T, lists:nth(I, Options)))
        || {Name, Kind, T} <- Cases, Kind =:= value, I <- lists:seq(1, length(Options))]
       ++ [Rec(Name, 0, term_to_binary(T)) || {Name, T} <- Idents],
ok = file:write_file(filename:join(Dir, "from_erlang.bin"), ToPy),
Say("READY~n", []),
_ = io:get_line(""),
%% 3. Identifiers back from Python.
{ok, Back} = file:read_file(filename:join(Dir, "back_from_python.bin")),
lists:foreach(fun({Name, _, B}) ->
                  {Name, T} = lists:keyfind(Name, 1, Idents),
                  case {catch binary_to_term(B), B =:= term_to_binary(T)} of
                      {T, true} -> ok;
                      Other -> Say("FAIL roundtrip ~ts: ~P~n", [Name, Other, 12])
                  end
              end, Parse(Back, [])),
Say("DONE ~p ~p~n", [length(Parse(FromPy, [])), length(Parse(Back, []))]),
ok.
"""


def _strict_equal(got, want):
    """== plus matching types (str vs bytes, List for lists, ...)."""
    if isinstance(want, ImproperList):
        return (type(got) is ImproperList and len(got) == len(want)
                and all(map(_strict_equal, got, want))
                and _strict_equal(got.tail, want.tail))
    if isinstance(want, list):
        return (type(got) is List and len(got) == len(want)
                and all(map(_strict_equal, got, want)))
    if isinstance(want, tuple):
        return (type(got) is tuple and len(got) == len(want)
                and all(map(_strict_equal, got, want)))
    if isinstance(want, dict):
        return (type(got) is dict and len(got) == len(want)
                and all(k in got and _strict_equal(got[k], v) for k, v in want.items()))
    return type(got) is type(want) and got == want


@unittest.skipUnless(ERL or REQUIRE, "erl not on PATH (set TAIPAN_REQUIRE_ERL=1 to fail)")
class ErlangGoldenTest(unittest.TestCase):
    def test_against_erlang(self):
        self.assertIsNotNone(ERL, "TAIPAN_REQUIRE_ERL=1 but erl is not on PATH")
        cases = _cases()
        with tempfile.TemporaryDirectory() as d:
            # 1. what Python encodes
            recs = []
            for name, _erl, py, direction in cases:
                if direction in (BOTH, PY2ERL, "py2erl_pred"):
                    recs.append(_record(name, 0, encode(py)))
                    recs.append(_record(name, 1, encode(py, compressed=6)))
            with open(os.path.join(d, "from_python.bin"), "wb") as f:
                f.write(b"".join(recs))
            erl_cases = []
            for name, erl, _py, direction in cases:
                kind = {"py2erl_pred": "pred", ERL2PY: "value", BOTH: "value",
                        PY2ERL: "check"}[direction]
                erl_cases.append('{<<"%s">>, %s, %s}' % (name, kind, erl))
            script = (_SCRIPT.replace("@DIR@", d)
                      .replace("@CASES@", ",\n".join(erl_cases))
                      .replace("@IDENTS@", ",\n".join('{<<"%s">>, %s}' % (n, e)
                                                      for n, e, _ in _IDENTS))
                      .replace("@OPTIONS@", ", ".join(_OPTIONS)))
            path = os.path.join(d, "golden.script")
            with open(path, "w", encoding="utf-8") as f:
                f.write(script)
            proc = subprocess.Popen(
                [ERL, "-noshell", "-eval",
                 'case file:script("%s") of {ok, _} -> halt(0); '
                 'Err -> io:format("SCRIPT ERROR ~p~n", [Err]), halt(1) end.' % path],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            try:
                lines = []
                for raw in proc.stdout:
                    line = raw.decode("utf-8", "replace").rstrip("\n")
                    lines.append(line)
                    if line == "READY" or line.startswith("SCRIPT ERROR"):
                        break
                self.assertEqual(lines[-1:], ["READY"], "\n".join(lines))
                # 2. what Erlang encodes
                want = {name: py for name, _e, py, direction in cases
                        if direction in (BOTH, ERL2PY)}
                kinds = dict((n, cls) for n, _e, cls in _IDENTS)
                failures, back, seen = [], [], set()
                for name, variant, data in _records(os.path.join(d, "from_erlang.bin")):
                    seen.add(name)
                    try:
                        got = decode(data)
                    except Exception as exc:
                        failures.append("%s/%s: %r" % (name, _OPTIONS[variant], exc))
                        continue
                    if name in kinds:
                        # 3. identifiers: byte-exact re-encoding, then back to Erlang
                        if type(got) is not kinds[name]:
                            failures.append("%s: decoded to %r" % (name, type(got)))
                        again = encode(got)
                        if again != data:
                            failures.append("%s: re-encoded %r != %r" % (name, again, data))
                        back.append(_record(name, 0, again))
                    elif not _strict_equal(got, want[name]):
                        failures.append("%s/%s: got %r" % (name, _OPTIONS[variant],
                                                           repr(got)[:200]))
                with open(os.path.join(d, "back_from_python.bin"), "wb") as f:
                    f.write(b"".join(back))
                proc.stdin.write(b"go\n")
                proc.stdin.flush()
                rest = proc.stdout.read().decode("utf-8", "replace").splitlines()
            finally:
                proc.stdin.close()
                proc.wait(timeout=30)
                proc.stdout.close()
            lines += rest
            failures += [ln for ln in lines if ln.startswith(("FAIL", "SCRIPT ERROR"))]
            self.assertEqual(failures, [])
            self.assertTrue(any(ln.startswith("DONE") for ln in lines), "\n".join(lines))
            self.assertEqual(seen, set(want) | set(kinds))
            self.assertEqual(proc.returncode, 0)


if __name__ == "__main__":
    unittest.main()
