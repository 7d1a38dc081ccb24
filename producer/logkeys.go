package producer

import (
	"strings"

	"go.uber.org/zap"
)

// Log field keys. The error of a zap.Error field is logged under "error".
const (
	keyAddr       = "addr"
	keyDetail     = "detail"
	keyEventID    = "event_id"
	keyJobs       = "jobs"
	keyReason     = "reason"
	keyRemoteAddr = "remote_addr"
	keyRequestID  = "request_id"
	keySource     = "source"
	keyStatus     = "status"
	keyTimeout    = "timeout"
	keyTopic      = "topic"
)

// eventIDField logs the non-empty ids comma-separated under event_id, so
// the key has one type whether a body held one event or several. It is a
// no-op field when every id is empty.
func eventIDField(ids []string) zap.Field {
	known := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != "" {
			known = append(known, id)
		}
	}
	if len(known) == 0 {
		return zap.Skip()
	}

	return zap.String(keyEventID, strings.Join(known, ","))
}
