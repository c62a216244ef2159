package snakes

import (
	"errors"
	"fmt"
	"syscall"
	"testing"
)

// TestRedispatchAgain: the never-ran rule pools and pets share, by table:
// what may be sent again, and when the budget stops it.
func TestRedispatchAgain(t *testing.T) {
	exit := &ExitError{Code: -1, Signal: syscall.SIGKILL}
	reached := notRunReached(exit) // queued behind the running call when the process died
	refused := notRun(exit)        // the worker was dead already: never sent
	stopped := notRun(ErrStopped)  // the worker was stopping
	mayHaveRun := error(exit)      // the running call: never again
	python := &PythonError{Type: "builtins.ValueError"}
	encoding := fmt.Errorf("snakes: encoding the call: %w", errors.New("bad"))
	tests := []struct {
		name      string
		max       int
		errs      []error // one per attempt
		wantAgain []bool
		budget    bool // the last refusal is the budget's
	}{
		{"a Python error is final", 0, []error{python}, []bool{false}, false},
		{"an encoding error is final", 0, []error{encoding}, []bool{false}, false},
		{"a call that may have run is final", 0, []error{mayHaveRun}, []bool{false}, false},
		{"reached twice, then the budget (default 2)", 0, []error{reached, reached, reached}, []bool{true, true, false}, true},
		{"max 1", 1, []error{reached, reached}, []bool{true, false}, true},
		{"negative max: never", -1, []error{reached}, []bool{false}, true},
		{"negative max: not even a refusal", -1, []error{refused}, []bool{false}, true},
		{"refusals do not spend the budget", 1, []error{refused, stopped, refused, reached, reached}, []bool{true, true, true, true, false}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd := Redispatch{Max: tt.max}
			var last error
			for i, err := range tt.errs {
				again, final := rd.Again(err)
				if again != tt.wantAgain[i] {
					t.Fatalf("attempt %d (%v): again %v, want %v", i, err, again, tt.wantAgain[i])
				}
				if again && final != nil {
					t.Fatalf("attempt %d: again with an error %v", i, final)
				}
				last = final
			}
			if got := errors.Is(last, ErrRedispatchBudget); got != tt.budget {
				t.Fatalf("last error %v: ErrRedispatchBudget %v, want %v", last, got, tt.budget)
			}
			if tt.budget && !errors.Is(last, ErrNotRun) {
				t.Fatalf("a budget error %v must still match ErrNotRun", last)
			}
		})
	}
	// Refusals are bounded apart.
	rd := Redispatch{}
	n := 0
	for {
		again, err := rd.Again(refused)
		if !again {
			if !errors.Is(err, ErrRedispatchBudget) {
				t.Fatalf("after %d refusals: %v", n, err)
			}
			break
		}
		if n++; n > 100 {
			t.Fatal("refusals are not bounded")
		}
	}
}
