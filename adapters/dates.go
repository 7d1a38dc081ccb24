package adapters

import (
	"encoding/json"

	"github.com/arenasync/arenasync/pipeline"
)

// completionDate reads a completion date under the date rule of package
// pipeline: RFC 3339 with an offset, a local time or a date in the
// source's zone, or epoch seconds or milliseconds. It returns RFC 3339 in
// UTC, or "" after recording the error on fe. A date further in the future
// than pipeline.FutureTolerance is invalid.
func (a *Adapter) completionDate(raw json.RawMessage, path string, fe *fieldErrors) string {
	if isNull(raw) {
		fe.add(path, "is required")

		return ""
	}

	t, err := pipeline.DateRule{Location: a.cfg.TimeZone}.ParseValue(raw)
	if err != nil {
		fe.add(path, "%s", err.Error())

		return ""
	}
	if err := pipeline.CheckNotFuture(t, a.cfg.Now()); err != nil {
		fe.add(path, "%s", err.Error())

		return ""
	}

	return pipeline.FormatUTC(t)
}
