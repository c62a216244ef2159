//go:build !race

package erlterm

// raceMemoryFactor scales memory bounds measured in RSS (see race_test.go).
const raceMemoryFactor = 1
