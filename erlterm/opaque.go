package erlterm

// opaqueTag is the first element of ErlPort's opaque-object tuple.
const opaqueTag Atom = "$erlport.opaque"

// Opaque is ErlPort's wrapper for a value only one language understands:
// the tuple {'$erlport.opaque', Language, Data}. With Language "python",
// Data is a pickle that the Python side turns back into the object; with
// "erlang", Data is an encoded term (without the version byte).
type Opaque struct {
	Language Atom
	Data     []byte
}
