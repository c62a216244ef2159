package testkit

import (
	"os/exec"
	"testing"
)

// tamperScript writes, as the compiled file of a source, a compile of that
// source with extra code appended, headed by the source's own mtime and
// size: the import system takes it for up to date and runs it.
const tamperScript = `
import os, sys
from importlib._bootstrap_external import _code_to_timestamp_pyc, cache_from_source
src, extra = sys.argv[1], sys.argv[2]
with open(src, "rb") as f:
    code = compile(f.read() + b"\n" + extra.encode() + b"\n", src, "exec", dont_inherit=True)
st = os.stat(src)
pyc = cache_from_source(src)
os.makedirs(os.path.dirname(pyc), exist_ok=True)
with open(pyc, "wb") as f:
    f.write(_code_to_timestamp_pyc(code, int(st.st_mtime), st.st_size))
print(pyc)
`

// TamperPyc replaces the compiled file that the interpreter python would
// load for the source src with one that also runs extra (Python code),
// carrying src's mtime and size in its header as a genuine one does (the
// attack of issue 12), and returns the compiled file's path.
func TamperPyc(t testing.TB, python, src, extra string) string {
	t.Helper()
	out, err := exec.Command(python, "-I", "-c", tamperScript, src, extra).Output()
	if err != nil {
		t.Fatalf("tampering with the compiled file of %s: %v", src, err)
	}
	return string(out[:len(out)-1])
}
