package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// modulePaths checks -path: each entry (':'-separated; empty ones are
// skipped) must be a directory, made absolute so that hints name it fully.
func modulePaths(s string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(s, ":") {
		if p == "" {
			continue
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, &PathError{Path: p, Err: err}
		}
		fi, err := os.Stat(abs)
		if err == nil && !fi.IsDir() {
			err = fmt.Errorf("a file")
		}
		if err != nil {
			return nil, &PathError{Path: p, Err: err}
		}
		out = append(out, abs)
	}
	return out, nil
}
