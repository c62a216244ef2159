package taipan

import (
	"os"
	"path/filepath"
	"runtime"
)

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
