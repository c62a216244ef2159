package bench

// Figures quoted by ../shared/DESIGN.md ("What fast means"), for the
// anchors that cannot be measured in the same run: ErlPort needs an Erlang
// node and its Python package, neither of which taipan ships.
const (
	// ErlPortSequentialNs is ErlPort's sequential operator.add(1,2).
	ErlPortSequentialNs = 36500.0
	// ErlPortPoolCallsPerSec is ErlPort behind a pool of 2 with 4 callers.
	ErlPortPoolCallsPerSec = 57000.0
	// ErlPortInFlightCallsPerSec is one ErlPort instance with 4 calls in
	// flight.
	ErlPortInFlightCallsPerSec = 92000.0
	// ErlPortStartMs is ErlPort's start to first reply (Debian python).
	ErlPortStartMs = 70.0
	// ErlPortCallbackNs is ErlPort's Python → Erlang → Python callback.
	ErlPortCallbackNs = 82000.0
	// ErlPortEchoMBps is ErlPort's 1 MB echo.
	ErlPortEchoMBps = 500.0
	// ErlPortPyCodecUs is ErlPort's pure-Python codec, encode + decode of
	// reference_proplist.etf (Debian python3.11; ~40 µs on pyenv 3.11.7).
	ErlPortPyCodecUs = 30.0
)
