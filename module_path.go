package taipan

import (
	"os"
	"path/filepath"
	"runtime"
)

// ProgramDir is the calling program's directory: the directory of the
// source file that calls it when that exists on this machine (go run, go
// test, a binary built here), else the executable's directory, else the
// working directory. It is Start's default module path; use it to keep
// Python modules next to the Go code that calls them, with snakes or pets
// used on their own.
func ProgramDir() string { return callerDir(1) }

// callerDir is the default module path: the directory of the source file
// skip+1 frames up (the program that called Start) when it exists on this
// machine, as under go run and go test; else the executable's directory;
// else the working directory.
func callerDir(skip int) string {
	if _, file, _, ok := runtime.Caller(skip + 1); ok && filepath.IsAbs(file) {
		dir := filepath.Dir(file)
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			return dir
		}
	}
	if exe, err := os.Executable(); err == nil {
		if exe, err = filepath.EvalSymlinks(exe); err == nil {
			return filepath.Dir(exe)
		}
	}
	if wd, err := os.Getwd(); err == nil {
		return wd
	}
	return "."
}
