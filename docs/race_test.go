//go:build race

package docs

// raceEnabled: under go test -race the export data the snippets are
// checked against is the race build's, already in the build cache.
const raceEnabled = true
