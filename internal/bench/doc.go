// Package bench measures taipan's figures beside their anchors in one run,
// for the `taipan bench` command and for the project's Go benchmarks. Each
// figure is timed against its anchor on the same machine at the same time
// (alternating rounds, the best of each kept), because a shared 2-core
// machine is too noisy for figures taken at different times to compare.
package bench
