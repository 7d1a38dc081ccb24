package arenasim

// Log keys used by this package.
const (
	logKeyAddr       = "addr"
	logKeyMethod     = "method"
	logKeyPath       = "path"
	logKeyEndpoint   = "endpoint"
	logKeyStatusCode = "status_code"
	logKeyRequestID  = "request_id"
	logKeyClientID   = "client_id"
)
