//go:build race

package erlterm

// raceMemoryFactor scales memory bounds measured in RSS: the race
// detector's shadow memory makes each byte written cost about three.
const raceMemoryFactor = 3
