package pets

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/taipan-go/taipan/snakes"
)

// TestSlay: a polite slay lets the call in flight finish, a brutal one
// kills it; either way the pet is gone for good (not restarted), its
// process too, and its name is free.
func TestSlay(t *testing.T) {
	tests := []struct {
		style   snakes.SlayStyle
		callErr error // what the call in flight gets
	}{
		{snakes.SlayPolite, nil},
		{snakes.SlayBrutal, snakes.ErrWorkerExited},
	}
	for _, tt := range tests {
		t.Run(styleName(tt.style), func(t *testing.T) {
			p, rec := newPets(t, Options{})
			adopt(t, p, "pet", PetOptions{}, "")
			ctx := ctx30(t)
			pid := info(t, p, "pet").Pid
			marker := filepath.Join(t.TempDir(), "running")
			inFlight := make(chan error, 1)
			go func() {
				_, err := p.Call(ctx, "pet", "petmod", "nap", 0.5, marker)
				inFlight <- err
			}()
			waitFile(t, marker)
			if err := p.Slay(ctx, "pet", tt.style); err != nil {
				t.Fatal(err)
			}
			if alive(pid) {
				t.Fatal("process alive after Slay")
			}
			err := <-inFlight
			if tt.callErr == nil && err != nil || tt.callErr != nil && !errors.Is(err, tt.callErr) {
				t.Fatalf("call in flight: %v, want %v", err, tt.callErr)
			}
			if p.Has("pet") || len(p.List()) != 0 {
				t.Fatal("slain pet still listed")
			}
			if _, err := p.Call(ctx, "pet", "petmod", "get"); !errors.Is(err, ErrNoSuchPet) {
				t.Fatalf("call after Slay: %v", err)
			}
			if !rec.has(func(e Event) bool { x, ok := e.(PetSlain); return ok && x.Style == tt.style }) {
				t.Fatal("no PetSlain")
			}
			if rec.has(func(e Event) bool { _, ok := e.(PetRestarted); return ok }) {
				t.Fatal("a slain pet restarted")
			}
			adopt(t, p, "pet", PetOptions{}, "") // the name is free
		})
	}
}
