package python

// Modes of what Install creates: the runtime is readable by all (it is
// public source) and writable by its owner alone, as CheckCacheDir and
// Verify require.
const (
	dirMode  = 0o755
	fileMode = 0o644
)
