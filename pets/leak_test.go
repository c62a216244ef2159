package pets

import (
	"syscall"
	"testing"

	"github.com/taipan-go/taipan/internal/testkit"
	"github.com/taipan-go/taipan/snakes"
)

// TestStopLeavesNoGoroutines: after a life of adoptions, crashes, restarts
// and slays, Stop leaves no goroutine of the pets (nor of their own actor
// system), no fd and no zombie behind.
func TestStopLeavesNoGoroutines(t *testing.T) {
	in, err := testInterp()
	if err != nil {
		t.Fatal(err)
	}
	before := testkit.TakeCensus()
	ctx := testkit.Context(t)
	var rec testkit.Recorder[Event]
	p, err := New(ctx, Options{Worker: snakes.Options{Interpreter: in, Paths: []string{fixtures(t)}}, OnEvent: rec.Record})
	if err != nil {
		t.Fatal(err)
	}
	adopt(t, p, "a", PetOptions{}, "")
	adopt(t, p, "b", PetOptions{KillOnException: true}, "")
	killed := info(t, p, "a").Pid
	if err := syscall.Kill(killed, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Replaced before it is called: a call racing the kill may get the
	// *ExitError (snakes reports some EPIPE writes as "may have run").
	restartedFrom(t, p, &rec, "a", killed)
	if _, err := p.Call(ctx, "b", "petmod", "boom"); err == nil {
		t.Fatal("boom did not raise")
	}
	for _, n := range []string{"a", "b"} {
		if _, err := p.Call(ctx, n, "petmod", "incr"); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Restart(ctx, true); err != nil {
		t.Fatal(err)
	}
	if err := p.Slay(ctx, "a", SlayBrutal); err != nil {
		t.Fatal(err)
	}
	if err := p.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	testkit.NoLeaks(t, before)
}
