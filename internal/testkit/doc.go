// Package testkit is what taipan's tests share to wait and to check that
// they left nothing behind. To wait: a value on a channel (Receive), a
// recorded event (Recorder), a count reached (Counter), a process's exit
// (WaitExit, on its pidfd), a marker a process writes (Beacon, a named
// pipe), and, for a state nothing announces, a bounded poll (Eventually).
// To bound a step: Context. To check for leaks: a count of fds,
// goroutines and zombie children (Census, NoLeaks), and a TestMain that
// fails a package whose goroutines or child processes outlive its tests
// (Main).
//
// Every wait is bounded by Patience: long enough that only a hang reaches
// it on a slow, loaded machine under -race, so a deadline never decides a
// test that works. A test waits on a signal where there is one; Eventually
// is for states nothing announces (a goroutine ending after Stop returned,
// a worker leaving a pool's list).
//
// It is imported by tests only.
package testkit
