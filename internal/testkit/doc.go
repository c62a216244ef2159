// Package testkit is what taipan's tests share to wait and to check that
// they left nothing behind: a wait on a channel or on recorded events
// (Receive, Recorder), a bounded poll for a state that sends no signal
// (Eventually), a context for one step of a test (Context), a count of
// what a test could leak (Census, NoLeaks) and a TestMain that fails a
// package whose goroutines outlive its tests (Main).
//
// Every wait is bounded by Patience: long enough that only a hang reaches
// it on a slow, loaded machine under -race, so a deadline never decides a
// test that works. A test waits on a signal where there is one; Eventually
// is for states nothing announces (a goroutine ending after Stop returned,
// a process reaped by somebody else, a file a Python call writes).
//
// It is imported by tests only.
package testkit
