package snakes

import (
	"fmt"
	"os"
	"strings"
)

// EnvPolicy says which of the host's environment variables a worker
// inherits; Options.Env is added on top under every policy.
type EnvPolicy uint8

const (
	// EnvDefault (the zero value) is EnvInherit, or EnvNone when
	// Options.Isolated is set (native profile); it is EnvAllowlist when
	// Options.EnvAllow is not empty.
	EnvDefault EnvPolicy = iota
	// EnvInherit passes the host's whole environment, secrets included
	// (what a child process gets by default).
	EnvInherit
	// EnvNone passes nothing of the host's environment: the worker sees
	// only what taipan sets (PYTHONPATH with the runtime, native profile)
	// and Options.Env. Python needs nothing else: it is started by its
	// absolute path, and on a C locale it runs in UTF-8 mode (PEP 538,
	// 540); the protocol does not depend on the environment.
	EnvNone
	// EnvAllowlist passes the host's variables named in Options.EnvAllow,
	// and nothing else.
	EnvAllowlist
)

// String names the policy as in the docs.
func (p EnvPolicy) String() string {
	switch p {
	case EnvDefault:
		return "default"
	case EnvInherit:
		return "inherit"
	case EnvNone:
		return "none"
	case EnvAllowlist:
		return "allowlist"
	}
	return fmt.Sprintf("EnvPolicy(%d)", uint8(p))
}

// envPolicy is the policy in force: EnvDefault resolved.
func (o *Options) envPolicy() EnvPolicy {
	switch {
	case o.EnvPolicy != EnvDefault:
		return o.EnvPolicy
	case len(o.EnvAllow) > 0:
		return EnvAllowlist
	case o.Isolated && o.Profile != ProfileErlPort: // Isolated does nothing there
		return EnvNone
	}
	return EnvInherit
}

// checkEnv refuses a policy that is not one of the four, and an EnvAllow
// that a policy other than EnvAllowlist would ignore.
func (o *Options) checkEnv() error {
	switch o.EnvPolicy {
	case EnvDefault, EnvAllowlist:
		return nil
	case EnvInherit, EnvNone:
		if len(o.EnvAllow) > 0 {
			return &OptionError{Option: "EnvAllow", Problem: "set under EnvPolicy " + o.EnvPolicy.String() + " (it is read only under EnvAllowlist)"}
		}
		return nil
	}
	return &OptionError{Option: "EnvPolicy", Problem: fmt.Sprintf("unknown policy %d", uint8(o.EnvPolicy))}
}

// hostEnv is what the worker inherits of the host's environment under o's
// policy (os.Environ is read only when something of it is kept).
func (o *Options) hostEnv() []string {
	switch o.envPolicy() {
	case EnvNone:
		return nil
	case EnvAllowlist:
		env := make([]string, 0, len(o.EnvAllow))
		for _, name := range o.EnvAllow {
			if v, ok := os.LookupEnv(name); ok {
				env = append(env, name+"="+v)
			}
		}
		return env
	}
	return os.Environ()
}

// workerEnv is base (the host's environment as the policy keeps it) with
// pythonPath first on PYTHONPATH (when not empty) and the caller's
// additions last (so they win).
func workerEnv(base []string, pythonPath string, extra []string) []string {
	env := make([]string, 0, len(base)+len(extra)+1)
	for _, kv := range base {
		if v, ok := strings.CutPrefix(kv, "PYTHONPATH="); ok && pythonPath != "" {
			if v != "" {
				pythonPath += string(os.PathListSeparator) + v
			}
			continue
		}
		env = append(env, kv)
	}
	if pythonPath != "" {
		env = append(env, "PYTHONPATH="+pythonPath)
	}
	return append(env, extra...)
}
