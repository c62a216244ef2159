package erlterm

// Ref is an Erlang reference (make_ref()). ID holds 1 to 5 words.
type Ref struct {
	Node     Atom
	Creation uint32
	ID       []uint32
}
