package reconcile

// keys builds the Redis key names of the reconciliation. Every key starts
// with the installation prefix and "reconcile:".
//
//	reconcile:lock                 string, the owner of the running reconciliation
//	reconcile:run                  hash, id and start time of the unfinished run
//	reconcile:run:<id>:records     hash, Arena record id to the record as read (JSON)
//	reconcile:last                 string, the last report (JSON)
//	reconcile:slot:<time>          string, the instance that claimed a scheduled run
type keys struct {
	base string
}

func newKeys(prefix string) keys {
	return keys{base: prefix + "reconcile:"}
}

func (k keys) lock() string                { return k.base + "lock" }
func (k keys) run() string                 { return k.base + "run" }
func (k keys) records(runID string) string { return k.base + "run:" + runID + ":records" }
func (k keys) last() string                { return k.base + "last" }
func (k keys) slot(at string) string       { return k.base + "slot:" + at }
