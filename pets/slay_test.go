package pets

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/taipan-go/taipan/internal/testkit"
	"github.com/taipan-go/taipan/snakes"
)

// TestSlay: polite sends SIGTERM at once (the pet's handler sees it) and
// SIGKILL after the grace when SIGTERM is ignored; brutal sends SIGKILL
// only; drain lets the call in flight finish. Whatever the style, the pet
// is gone for good (not restarted), its process too, and its name is
// free.
func TestSlay(t *testing.T) {
	tests := []struct {
		name    string
		style   SlayStyle
		init    string         // the pet's Init: petmod.<init>
		nap     float64        // the call in flight
		grace   time.Duration  // the worker's StopGrace
		signal  syscall.Signal // what ended the process under the call; 0: the call succeeds
		sawTerm bool           // the pet's SIGTERM handler ran
	}{
		{"polite", SlayPolite, "trap_sigterm", 30, 20 * time.Second, syscall.SIGTERM, true},
		{"polite, SIGTERM ignored", SlayPolite, "ignore_sigterm", 30, 300 * time.Millisecond, syscall.SIGKILL, false},
		{"brutal", SlayBrutal, "trap_sigterm", 30, 300 * time.Millisecond, syscall.SIGKILL, false},
		{"drain", SlayDrain, "trap_sigterm", 0.5, 10 * time.Second, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, rec := newPets(t, Options{Worker: snakes.Options{StopGrace: tt.grace}})
			dir := t.TempDir()
			term := filepath.Join(dir, "sigterm")
			init := &snakes.InitCall{Module: "petmod", Function: tt.init}
			if tt.init == "trap_sigterm" {
				init.Args = []any{term}
			}
			adopt(t, p, "pet", PetOptions{Init: init}, "")
			ctx := testkit.Context(t)
			pid := info(t, p, "pet").Pid
			marker := filepath.Join(dir, "running")
			running := testkit.Beacon(t, marker)
			inFlight := make(chan error, 1)
			go func() {
				_, err := p.Call(ctx, "pet", "petmod", "nap", tt.nap, marker)
				inFlight <- err
			}()
			testkit.Receive(t, "the call to run", running)
			masks := signalMasks(pid) // for the failure below: seen once under load, not explained
			began := time.Now()
			if err := p.Slay(ctx, "pet", tt.style); err != nil {
				t.Fatal(err)
			}
			if took := time.Since(began); tt.signal == syscall.SIGTERM && took >= tt.grace/2 {
				_, termErr := os.Stat(term)
				t.Fatalf("Slay took %v: SIGTERM waited for the StopGrace (%v); the handler's marker: %v; the process before Slay: %s",
					took, tt.grace, termErr, masks)
			}
			if testkit.Alive(pid) {
				t.Fatal("process alive after Slay")
			}
			err := testkit.Receive(t, "the call in flight to end", inFlight)
			var ee *snakes.ExitError
			switch {
			case tt.signal == 0 && err != nil:
				t.Fatalf("call in flight: %v, want it to finish", err)
			case tt.signal != 0 && (!errors.As(err, &ee) || ee.Signal != tt.signal):
				t.Fatalf("call in flight: %v, want the process killed by %v", err, tt.signal)
			}
			if _, err := os.Stat(term); (err == nil) != tt.sawTerm {
				t.Fatalf("the pet's SIGTERM handler ran: %v, want %v", err == nil, tt.sawTerm)
			}
			if p.Has("pet") || len(p.List()) != 0 {
				t.Fatal("slain pet still listed")
			}
			if _, err := p.Call(ctx, "pet", "petmod", "get"); !errors.Is(err, ErrNoSuchPet) {
				t.Fatalf("call after Slay: %v", err)
			}
			rec.Wait(t, "PetSlain", is(func(x PetSlain) bool { return x.Style == tt.style }))
			if rec.Has(is[PetRestarted](nil)) {
				t.Fatal("a slain pet restarted")
			}
			adopt(t, p, "pet", PetOptions{}, "") // the name is free
		})
	}
}

// signalMasks returns the signal lines of /proc/pid/status (blocked,
// ignored, caught, threads): what a failure to end by SIGTERM needs.
func signalMasks(pid int) string {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return err.Error()
	}
	var out []string
	for _, line := range strings.Split(string(status), "\n") {
		for _, key := range []string{"State:", "Threads:", "SigPnd:", "ShdPnd:", "SigBlk:", "SigIgn:", "SigCgt:"} {
			if strings.HasPrefix(line, key) {
				out = append(out, strings.Join(strings.Fields(line), " "))
			}
		}
	}
	return strings.Join(out, ", ")
}
