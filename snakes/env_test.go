package snakes

import (
	"context"
	"errors"
	"testing"
)

// TestEnvPolicy runs a worker under each policy with a secret in the
// host's environment: it reaches Python only under inherit (asked for,
// or the default without Isolated), an allowlisted variable only where it
// is allowed, and the additions of Env under every policy.
func TestEnvPolicy(t *testing.T) {
	const secret, allowed = "TAIPAN_TEST_SECRET", "TAIPAN_TEST_ALLOWED"
	t.Setenv(secret, "hunter2")
	t.Setenv(allowed, "yes")
	cases := []struct {
		name            string
		opts            Options
		secret, allowed bool
	}{
		{"default", Options{}, true, true},
		{"inherit", Options{EnvPolicy: EnvInherit}, true, true},
		{"none", Options{EnvPolicy: EnvNone}, false, false},
		{"allowlist", Options{EnvPolicy: EnvAllowlist, EnvAllow: []string{allowed, "TAIPAN_TEST_UNSET"}}, false, true},
		{"allow alone", Options{EnvAllow: []string{allowed}}, false, true},
		{"isolated", Options{Isolated: true}, false, false},
		{"isolated inherit", Options{Isolated: true, EnvPolicy: EnvInherit}, true, true},
		{"isolated allowlist", Options{Isolated: true, EnvAllow: []string{allowed}}, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.opts.Env = []string{"TAIPAN_TEST_ADDED=added"}
			w := startWorker(t, c.opts)
			get := func(name string) (string, bool) {
				t.Helper()
				v, err := w.Call(context.Background(), "os", "getenv", name)
				if err != nil {
					t.Fatalf("os.getenv(%s): %v", name, err)
				}
				s, ok := v.(string)
				return s, ok
			}
			if v, ok := get(secret); ok != c.secret || ok && v != "hunter2" {
				t.Errorf("%s = %q, %v; want present=%v", secret, v, ok, c.secret)
			}
			if v, ok := get(allowed); ok != c.allowed || ok && v != "yes" {
				t.Errorf("%s = %q, %v; want present=%v", allowed, v, ok, c.allowed)
			}
			if v, ok := get("TAIPAN_TEST_ADDED"); !ok || v != "added" {
				t.Errorf("TAIPAN_TEST_ADDED = %q, %v; want the addition", v, ok)
			}
			if _, ok := get("TAIPAN_TEST_UNSET"); ok {
				t.Error("a variable the host does not set appeared")
			}
			// The worker runs and speaks UTF-8 whatever it inherits.
			if v, err := w.Call(context.Background(), "fixtures", "echo", "héllo ✓"); err != nil || v != "héllo ✓" {
				t.Errorf("echo = %v, %v", v, err)
			}
		})
	}
}

// TestInvalidOptions: options that cannot work are refused before
// anything starts, with an *OptionError naming the field.
func TestInvalidOptions(t *testing.T) {
	cases := []struct {
		name, option string
		opts         Options
	}{
		{"unknown policy", "EnvPolicy", Options{EnvPolicy: EnvPolicy(9)}},
		{"allow under none", "EnvAllow", Options{EnvPolicy: EnvNone, EnvAllow: []string{"PATH"}}},
		{"allow under inherit", "EnvAllow", Options{EnvPolicy: EnvInherit, EnvAllow: []string{"PATH"}}},
		{"negative memory", "Limits.Memory", Options{Limits: Limits{Memory: -1}}},
		{"negative cpu", "Limits.CPUTime", Options{Limits: Limits{CPUTime: -1}}},
		{"negative files", "Limits.OpenFiles", Options{Limits: Limits{OpenFiles: -1}}},
		{"negative processes", "Limits.Processes", Options{Limits: Limits{Processes: -1}}},
		{"relative cgroup", "Limits.CgroupParent", Options{Limits: Limits{Memory: 1 << 30, CgroupParent: "sys/fs/cgroup"}}},
		{"unknown memory choice", "Limits.MemoryBy", Options{Limits: Limits{Memory: 1 << 30, MemoryBy: MemoryBy(7)}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.opts.Interpreter = interp(t)
			w, err := Start(context.Background(), c.opts)
			if err == nil {
				w.Stop(context.Background())
				t.Fatal("started")
			}
			var oe *OptionError
			if !errors.Is(err, ErrInvalidOptions) || !errors.Is(err, ErrStartFailed) || !errors.As(err, &oe) || oe.Option != c.option {
				t.Fatalf("err = %v; want an *OptionError on %s", err, c.option)
			}
			_, err = NewPool(context.Background(), PoolOptions{Size: 1, Worker: c.opts})
			if !errors.As(err, &oe) || oe.Option != c.option {
				t.Fatalf("NewPool: %v; want an *OptionError on %s", err, c.option)
			}
		})
	}
}

// TestEnvPolicyErlPort: the ErlPort profile's process gets the same
// policy (and its limits: prlimit does not depend on the runtime).
func TestEnvPolicyErlPort(t *testing.T) {
	t.Setenv("TAIPAN_TEST_SECRET", "hunter2")
	for _, c := range []struct {
		name   string
		opts   Options
		secret bool
	}{
		{"inherit", Options{EnvPolicy: EnvInherit}, true},
		{"none", Options{EnvPolicy: EnvNone}, false},
		{"isolated", Options{Isolated: true}, true}, // Isolated does nothing on this profile
	} {
		t.Run(c.name, func(t *testing.T) {
			c.opts.Env, c.opts.Limits = []string{"TAIPAN_TEST_ADDED=added"}, Limits{OpenFiles: 48}
			w := startErlPort(t, c.opts)
			for name, want := range map[string]bool{"TAIPAN_TEST_SECRET": c.secret, "TAIPAN_TEST_ADDED": true} {
				// ErlPort passes a Go string as bytes.
				v, err := w.Call(context.Background(), "os", "getenvb", []byte(name))
				if err != nil || (v != nil) != want {
					t.Errorf("os.getenvb(%s) = %#v, %v; want present=%v", name, v, err, want)
				}
			}
			if soft, hard := procLimits(t, w.Pid(), "Max open files"); soft != "48" || hard != "48" {
				t.Errorf("open files %s/%s", soft, hard)
			}
		})
	}
}
