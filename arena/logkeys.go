package arena

// Log keys used by this package.
const (
	logKeyEndpoint   = "endpoint"
	logKeyRequestID  = "request_id"
	logKeyStatusCode = "status_code"
	logKeyDuration   = "duration"
	logKeyClientID   = "client_id"
	logKeyExpiresAt  = "expires_at"
	logKeyScopes     = "scopes"
)
