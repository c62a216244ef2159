package supervisor

import "fmt"

// Strategy says which children restart when one of them must restart
// (OTP's restart strategies).
type Strategy int

const (
	// OneForOne restarts only the child that exited. The zero value.
	OneForOne Strategy = iota
	// OneForAll stops all the other children (in reverse start order) and
	// restarts all of them (in start order): for children that cannot
	// work without each other.
	OneForAll
	// RestForOne stops the children started after the one that exited
	// and restarts it and them in order: for a chain where each child
	// depends on the ones before it.
	RestForOne
	// SimpleOneForOne is OneForOne for a dynamic set of identical
	// children made from one template (Spec.Template), added with
	// StartChild; they are stopped all at once rather than in order, as
	// OTP does, since they do not depend on each other.
	SimpleOneForOne
)

// String returns OTP's name of the strategy.
func (s Strategy) String() string {
	switch s {
	case OneForOne:
		return "one_for_one"
	case OneForAll:
		return "one_for_all"
	case RestForOne:
		return "rest_for_one"
	case SimpleOneForOne:
		return "simple_one_for_one"
	}
	return fmt.Sprintf("Strategy(%d)", int(s))
}
