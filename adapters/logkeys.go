package adapters

// Log field keys.
const (
	keyEventID = "event_id"
	keyField   = "field"
	keyReason  = "reason"
	keySource  = "source"
)
