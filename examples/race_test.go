//go:build race

package examples_test

// raceEnabled: under go test -race the examples are built with -race too,
// so that their runs exercise snakes under the race detector.
const raceEnabled = true
