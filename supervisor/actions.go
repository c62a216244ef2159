package supervisor

import (
	"fmt"
	"strings"
	"time"
)

// Actions is what the Machine decides after an event, for an engine to
// carry out in this order: stop the children in Stop one after the other
// (the order is already the reverse of their start order), forget the
// children in Forget, then — unless Escalate is set — wait Delay and start
// the children in Start one after the other. With Escalate set the
// supervisor gives up: once Stop is done it stops itself with Escalate as
// its reason. The zero value means "nothing to do".
type Actions struct {
	Stop     []string
	Forget   []string
	Start    []string
	Delay    time.Duration
	Escalate error
}

// IsZero reports whether there is nothing to do.
func (a Actions) IsZero() bool {
	return len(a.Stop) == 0 && len(a.Forget) == 0 && len(a.Start) == 0 && a.Escalate == nil
}

// String describes the actions, for logs and test failures.
func (a Actions) String() string {
	if a.IsZero() {
		return "nothing"
	}
	var parts []string
	if len(a.Stop) > 0 {
		parts = append(parts, "stop "+strings.Join(a.Stop, ","))
	}
	if len(a.Forget) > 0 {
		parts = append(parts, "forget "+strings.Join(a.Forget, ","))
	}
	if a.Escalate != nil {
		parts = append(parts, fmt.Sprintf("escalate %v", a.Escalate))
	}
	if len(a.Start) > 0 {
		parts = append(parts, fmt.Sprintf("start %s after %v", strings.Join(a.Start, ","), a.Delay))
	}
	return strings.Join(parts, "; ")
}
