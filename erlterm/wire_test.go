package erlterm

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// appended is what Append writes for v, without the version byte.
func appended(t testing.TB, v any) []byte {
	t.Helper()
	b, err := Append(nil, v)
	if err != nil {
		t.Fatalf("Append(%#v): %v", v, err)
	}
	return b[1:]
}

func TestWireAppendMatchesAppend(t *testing.T) {
	uints := []uint64{0, 1, 255, 256, math.MaxInt32, math.MaxInt32 + 1, math.MaxUint32, math.MaxInt64, math.MaxUint64}
	for _, v := range uints {
		if got, want := AppendUint(nil, v), appended(t, v); !bytes.Equal(got, want) {
			t.Errorf("AppendUint(%d) = %v, Append writes %v", v, got, want)
		}
		got, n, ok := ReadUint(AppendUint([]byte{}, v))
		if !ok || got != v || n != len(AppendUint(nil, v)) {
			t.Errorf("ReadUint(AppendUint(%d)) = %d, %d, %v", v, got, n, ok)
		}
	}
	atoms := []struct {
		name string
		ok   bool
	}{{"", true}, {"C", true}, {"hello", true}, {strings.Repeat("a", 255), true}, {strings.Repeat("a", 256), false}, {"λ", false}}
	for _, a := range atoms {
		got, ok := AppendASCIIAtom(nil, a.name)
		if ok != a.ok {
			t.Errorf("AppendASCIIAtom(%q): ok %v, want %v", a.name, ok, a.ok)
			continue
		}
		if !ok {
			continue
		}
		if want := appended(t, Atom(a.name)); !bytes.Equal(got, want) {
			t.Errorf("AppendASCIIAtom(%q) = %v, Append writes %v", a.name, got, want)
		}
		name, n, ok := ReadAtomName(got)
		if !ok || string(name) != a.name || n != len(got) {
			t.Errorf("ReadAtomName(%v) = %q, %d, %v", got, name, n, ok)
		}
	}
	for _, s := range []string{"", "x", "operator", strings.Repeat("é", 300)} {
		got, ok := AppendBinary(nil, s)
		if want := appended(t, s); !ok || !bytes.Equal(got, want) {
			t.Errorf("AppendBinary(%q) = %v, Append writes %v", s, got, want)
		}
	}
	for _, arity := range []int{0, 1, 5, 255, 256, 70000} {
		tup := make(Tuple, arity)
		want := appended(t, tup)
		got := AppendTupleHeader(nil, arity)
		if !bytes.HasPrefix(want, got) {
			t.Errorf("AppendTupleHeader(%d) = %v, Append starts %v", arity, got, want[:min(len(want), 8)])
		}
		a, n, ok := ReadTupleHeader(want)
		if !ok || a != arity || n != len(got) {
			t.Errorf("ReadTupleHeader of a %d-tuple = %d, %d, %v", arity, a, n, ok)
		}
	}
}

func TestWireReadRefuses(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"negative INTEGER", []byte{tagInteger, 0xff, 0xff, 0xff, 0xff}},
		{"negative SMALL_BIG", []byte{tagSmallBig, 1, 1, 5}},
		{"SMALL_BIG of 9 bytes", []byte{tagSmallBig, 9, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
		{"truncated INTEGER", []byte{tagInteger, 0, 0}},
		{"truncated atom", []byte{tagAtom, 0, 5, 'a'}},
		{"truncated small atom", []byte{tagSmallAtomUTF8, 3, 'a'}},
		{"a float", []byte{tagNewFloat, 0, 0, 0, 0, 0, 0, 0, 0}},
		{"truncated large tuple", []byte{tagLargeTuple, 0, 0}},
	}
	for _, tt := range tests {
		if _, _, ok := ReadUint(tt.b); ok && strings.Contains(tt.name, "INT") || ok && strings.Contains(tt.name, "BIG") {
			t.Errorf("%s: ReadUint accepted %v", tt.name, tt.b)
		}
		if _, _, ok := ReadAtomName(tt.b); ok {
			t.Errorf("%s: ReadAtomName accepted %v", tt.name, tt.b)
		}
		if _, _, ok := ReadTupleHeader(tt.b); ok {
			t.Errorf("%s: ReadTupleHeader accepted %v", tt.name, tt.b)
		}
	}
}

// FuzzWireRead: the header readers never panic on arbitrary bytes, and
// whatever they accept, the full decoder reads the same way.
func FuzzWireRead(f *testing.F) {
	f.Add([]byte{tagSmallInteger, 7})
	f.Add([]byte{tagSmallBig, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Add([]byte{tagSmallAtomUTF8, 1, 'r'})
	f.Add([]byte{tagSmallTuple, 3, tagAtom, 0, 1, 'r', tagSmallInteger, 1, tagNil})
	f.Fuzz(func(t *testing.T, b []byte) {
		full := append([]byte{Version}, b...)
		if v, n, ok := ReadUint(b); ok {
			var got any
			if err := Unmarshal(full[:n+1], &got); err != nil {
				t.Fatalf("ReadUint accepted %v (%d), Unmarshal: %v", b[:n], v, err)
			}
			switch x := got.(type) {
			case int64:
				if x < 0 || uint64(x) != v {
					t.Fatalf("ReadUint %d, Unmarshal %d", v, x)
				}
			default:
				if v <= math.MaxInt64 {
					t.Fatalf("ReadUint %d, Unmarshal %T %v", v, got, got)
				}
			}
		}
		if name, n, ok := ReadAtomName(b); ok {
			var got Atom
			if err := Unmarshal(full[:n+1], &got); err == nil && b[0] != tagAtom && b[0] != tagSmallAtom && string(got) != string(name) {
				t.Fatalf("ReadAtomName %q, Unmarshal %q", name, got)
			}
		}
		if arity, n, ok := ReadTupleHeader(b); ok && n > len(b) || ok && arity < 0 {
			t.Fatalf("ReadTupleHeader: arity %d, n %d of %d bytes", arity, n, len(b))
		}
	})
}
