package erlterm

// Port is an Erlang port identifier. It is comparable, so it can key a Go map.
type Port struct {
	Node     Atom
	ID       uint64
	Creation uint32
}
