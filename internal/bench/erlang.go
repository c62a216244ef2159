package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrNoErlang reports that no erl executable was found, so the Erlang
// anchors cannot be measured.
var ErrNoErlang = errors.New("bench: erl not found on PATH (Debian: apt-get install erlang-base)")

// erlangCodecModule times term_to_binary and binary_to_term on a file,
// compiled (an interpreted loop in erl -eval would time the interpreter).
const erlangCodecModule = `-module(taipan_codec_bench).
-export([run/3]).
loop(0, _F) -> ok;
loop(K, F) -> F(), loop(K - 1, F).
best(Rounds, N, F) ->
    lists:min([element(1, timer:tc(fun() -> loop(N, F) end)) || _ <- lists:seq(1, Rounds)]) * 1000 / N.
run(File, N, Rounds) ->
    {ok, Bin} = file:read_file(File),
    T = binary_to_term(Bin),
    loop(N div 10, fun() -> term_to_binary(T) end),
    E = best(Rounds, N, fun() -> term_to_binary(T) end),
    D = best(Rounds, N, fun() -> binary_to_term(Bin) end),
    io:format("~.3f ~.3f~n", [E, D]).
`

// ErlangCodec returns Erlang's term_to_binary and binary_to_term times on
// term, in ns per call, the best of rounds rounds of n calls each.
func ErlangCodec(ctx context.Context, term []byte, n, rounds int) (encodeNs, decodeNs float64, err error) {
	erl, err := exec.LookPath("erl")
	if err != nil {
		return 0, 0, ErrNoErlang
	}
	dir, err := os.MkdirTemp("", "taipan-bench-")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "taipan_codec_bench.erl")
	termFile := filepath.Join(dir, "term.etf")
	if err := os.WriteFile(src, []byte(erlangCodecModule), 0o600); err != nil {
		return 0, 0, err
	}
	if err := os.WriteFile(termFile, term, 0o600); err != nil {
		return 0, 0, err
	}
	eval := fmt.Sprintf(`{ok, M, B} = compile:file(%q, [binary]), {module, M} = code:load_binary(M, %q, B), M:run(%q, %d, %d), halt().`,
		src, src, termFile, n, rounds)
	var out, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, erl, "-noshell", "-eval", eval)
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return 0, 0, fmt.Errorf("bench: erl: %w: %s%s", err, out.String(), stderr.String())
	}
	fields := strings.Fields(out.String())
	if len(fields) < 2 {
		return 0, 0, fmt.Errorf("bench: erl printed %q", out.String())
	}
	if encodeNs, err = strconv.ParseFloat(fields[len(fields)-2], 64); err != nil {
		return 0, 0, fmt.Errorf("bench: erl printed %q", out.String())
	}
	if decodeNs, err = strconv.ParseFloat(fields[len(fields)-1], 64); err != nil {
		return 0, 0, fmt.Errorf("bench: erl printed %q", out.String())
	}
	return encodeNs, decodeNs, nil
}
