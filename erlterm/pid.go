package erlterm

// Pid is an Erlang process identifier. It is comparable, so it can key a Go map.
type Pid struct {
	Node     Atom
	ID       uint32
	Serial   uint32
	Creation uint32
}
