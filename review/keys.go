package review

// keys builds the Redis key names of the review queue. Every key starts
// with the installation prefix and "review:".
//
//	review:entry:<id>             hash, one entry
//	review:audit:<id>             stream, the entry's audit trail
//	review:audit                  stream, the audit trail of all entries
//	review:index:time             sorted set of ids by dead-letter time (ms)
//	review:index:status:<status>  the same, per status
//	review:index:reason:<reason>  the same, per reason
//	review:index:employee:<id>    the same, per employee
//	review:index:event:<id>       the same, per event id
//	review:lock:<id>              string, held while a replay runs
type keys struct {
	base string
}

func newKeys(prefix string) keys {
	return keys{base: prefix + "review:"}
}

func (k keys) entry(id string) string        { return k.base + "entry:" + id }
func (k keys) trail(id string) string        { return k.base + "audit:" + id }
func (k keys) allTrail() string              { return k.base + "audit" }
func (k keys) byTime() string                { return k.base + "index:time" }
func (k keys) byStatus(s Status) string      { return k.base + "index:status:" + string(s) }
func (k keys) byReason(reason string) string { return k.base + "index:reason:" + reason }
func (k keys) byEmployee(id string) string   { return k.base + "index:employee:" + id }
func (k keys) byEvent(id string) string      { return k.base + "index:event:" + id }
func (k keys) lock(id string) string         { return k.base + "lock:" + id }

// indexesOf returns the sorted sets an entry belongs to, status excluded.
func (k keys) indexesOf(e Entry) []string {
	indexes := []string{k.byTime(), k.byReason(e.Reason)}
	if e.EmployeeID != "" {
		indexes = append(indexes, k.byEmployee(e.EmployeeID))
	}
	if e.EventID != "" {
		indexes = append(indexes, k.byEvent(e.EventID))
	}

	return indexes
}
