package pets

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/taipan-go/taipan/internal/testkit"
	"github.com/taipan-go/taipan/snakes"
)

// TestAdoptCallKeepsState adopts a pet and calls it: module-level state
// lives between calls, Init ran once, and List and Info say so.
func TestAdoptCallKeepsState(t *testing.T) {
	p, rec := newPets(t, Options{})
	log := filepath.Join(t.TempDir(), "inits")
	adopt(t, p, "counter", PetOptions{}, log)
	ctx := testkit.Context(t)
	for want := int64(1); want <= 3; want++ {
		v, err := p.Call(ctx, "counter", "petmod", "incr")
		if err != nil || v != want {
			t.Fatalf("incr: %v, %v; want %d", v, err, want)
		}
	}
	var st struct {
		Count int    `erl:"count"`
		Tag   string `erl:"tag"`
	}
	if err := p.CallInto(ctx, &st, "counter", "petmod", "get"); err != nil {
		t.Fatal(err)
	}
	if st.Count != 3 || st.Tag != "counter" {
		t.Fatalf("state %+v", st)
	}
	if n := lines(t, log); n != 1 {
		t.Fatalf("Init ran %d times", n)
	}
	in := info(t, p, "counter")
	pid, _ := p.Call(ctx, "counter", "petmod", "pid")
	if in.State != Running || in.Pid == 0 || int64(in.Pid) != pid || in.Worker != "counter#1" ||
		in.Calls != 4 || in.LastUsed.IsZero() || in.Restarts != 0 {
		t.Fatalf("info %+v (pid %v)", in, pid)
	}
	if l := p.List(); len(l) != 1 || l[0].Name != "counter" {
		t.Fatalf("List %+v", l)
	}
	// Adopt returns as the pet serves, maybe before PetAdopted is delivered.
	rec.Wait(t, "PetAdopted", is(func(x PetAdopted) bool { return x.Name == "counter" && x.Pid == in.Pid }))
}

// TestNames: a taken name, an unknown one and invalid ones get their
// typed errors.
func TestNames(t *testing.T) {
	p, _ := newPets(t, Options{})
	adopt(t, p, "a", PetOptions{}, "")
	ctx := testkit.Context(t)
	tests := []struct {
		name string
		err  error
		do   func() error
	}{
		{"adopt taken", ErrPetExists, func() error { return p.Adopt(ctx, "a", PetOptions{}) }},
		{"call unknown", ErrNoSuchPet, func() error { _, err := p.Call(ctx, "b", "petmod", "get"); return err }},
		{"cast unknown", ErrNoSuchPet, func() error { return p.Cast(ctx, "b", "petmod", "get") }},
		{"eval unknown", ErrNoSuchPet, func() error { _, err := p.Eval(ctx, "b", "1"); return err }},
		{"slay unknown", ErrNoSuchPet, func() error { return p.Slay(ctx, "b", SlayPolite) }},
		{"slay style", ErrInvalidOptions, func() error { return p.Slay(ctx, "a", SlayStyle(9)) }},
		{"info unknown", ErrNoSuchPet, func() error { _, err := p.Info("b"); return err }},
		{"stream unknown", ErrNoSuchPet, func() error {
			for _, err := range p.Stream(ctx, "b", "petmod", "count_up", 2) {
				return err
			}
			return nil
		}},
		{"empty name", ErrInvalidName, func() error { return p.Adopt(ctx, "", PetOptions{}) }},
		{"slash", ErrInvalidName, func() error { return p.Adopt(ctx, "a/b", PetOptions{}) }},
		{"space", ErrInvalidName, func() error { return p.Adopt(ctx, "a b", PetOptions{}) }},
		{"dollar", ErrInvalidName, func() error { return p.Adopt(ctx, "a$1", PetOptions{}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.do(); !errors.Is(err, tt.err) {
				t.Fatalf("got %v, want %v", err, tt.err)
			}
		})
	}
	if !p.Has("a") || p.Has("b") {
		t.Fatal("Has")
	}
	if v, err := p.Call(ctx, "a", "petmod", "incr"); err != nil || v != int64(1) {
		t.Fatalf("the first pet after the duplicate: %v %v", v, err)
	}
}

// TestCastStreamEval: the other kinds of request reach the pet.
func TestCastStreamEval(t *testing.T) {
	p, _ := newPets(t, Options{Worker: snakes.Options{AllowEval: true}})
	adopt(t, p, "c", PetOptions{}, "")
	ctx := testkit.Context(t)
	if err := p.Cast(ctx, "c", "petmod", "incr", 5); err != nil {
		t.Fatal(err)
	}
	// The cast went first on the same pipe: the call sees it.
	if v, err := p.Call(ctx, "c", "petmod", "incr"); err != nil || v != int64(6) {
		t.Fatalf("incr after cast: %v %v", v, err)
	}
	var got []any
	for v, err := range p.Stream(ctx, "c", "petmod", "count_up", 3) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	if len(got) != 3 || got[2] != int64(2) {
		t.Fatalf("stream %v", got)
	}
	if err := p.Exec(ctx, "c", "import petmod\nx = petmod.state['count'] * 7"); err != nil {
		t.Fatal(err)
	}
	if v, err := p.Eval(ctx, "c", "x"); err != nil || v != int64(42) {
		t.Fatalf("eval: %v %v", v, err)
	}
}
