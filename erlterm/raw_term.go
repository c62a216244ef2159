package erlterm

// RawTerm is one encoded term without the version byte. It lets a caller
// delay decoding (decode into a RawTerm, look at it later) or splice
// pre-encoded bytes into an output: it encodes as itself, after a check that
// it holds exactly one well-formed term.
type RawTerm []byte

// checkTerm reports whether b holds exactly one well-formed term (without
// the version byte), as binary_to_term would see it.
func checkTerm(b []byte, maxDepth int) error {
	d := decodeState{data: b, maxDepth: maxDepth, zeroCopy: true}
	if _, err := d.value(); err != nil {
		return err
	}
	return d.finish()
}
