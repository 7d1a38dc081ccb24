package adapters

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/arenasync/arenasync/pipeline"
)

// doceboCompleted is the Docebo event that becomes completions. Every
// other event name is acknowledged and ignored.
const doceboCompleted = "course.enrollment.completed"

// doceboStatusCompleted is the item status of a finished enrollment.
const doceboStatusCompleted = "completed"

// parseDocebo reads a Docebo webhook: a single "payload" object, or a
// grouped delivery whose "payloads" array holds one object per event.
// user_id and course_id are integers, completion_date has no zone and is
// read in the configured time zone. The event id is message_id for a
// single payload and message_id:<index> for the items of a grouped one,
// so a repeated delivery repeats its ids.
func (a *Adapter) parseDocebo(_ http.Header, body []byte) ([]pipeline.Event, error) {
	fields, err := decodeObject(body)
	if err != nil {
		return nil, err
	}

	fe := &fieldErrors{}
	name := requiredText(fields["event"], "event", fe)
	messageID := checkEventID(text(fields["message_id"], "message_id", fe), "message_id", fe)
	fe.eventID = messageID
	if err := fe.err(); err != nil {
		return nil, err
	}
	if name != doceboCompleted {
		return nil, a.ignore(pipeline.IgnoredEventType, "Docebo event "+name+" is not "+doceboCompleted)
	}

	items, grouped := doceboItems(fields, fe)
	var completions []completion
	var ignored []pipeline.IgnoredError
	for i, raw := range items {
		path, itemID := "payload.", messageID
		if grouped {
			path = fmt.Sprintf("payloads[%d].", i)
			if messageID != "" {
				itemID = messageID + ":" + strconv.Itoa(i)
			}
		}

		item, ok := asObject(raw, strings.TrimSuffix(path, "."), fe)
		if !ok {
			continue
		}
		if status := text(item["status"], path+"status", fe); status != "" && !strings.EqualFold(status, doceboStatusCompleted) {
			ignored = append(ignored, pipeline.IgnoredError{Reason: pipeline.IgnoredStatus, Detail: fmt.Sprintf("%sstatus is %q, not %q", path, status, doceboStatusCompleted)})

			continue
		}

		completions = append(completions, completion{
			path:      path,
			userField: "user_id",
			lmsUserID: id(item["user_id"], path+"user_id", fe),
			courseID:  id(item["course_id"], path+"course_id", fe),
			date:      a.completionDate(item["completion_date"], path+"completion_date", fe),
			id:        itemID,
		})
	}

	events, drops, err := a.build(completions, fe)
	if err != nil {
		return nil, err
	}

	return a.finish(events, drops, ignored, fe)
}

// doceboItems returns the items of a delivery and whether it was grouped.
// A missing or empty payload is recorded on fe.
func doceboItems(fields object, fe *fieldErrors) ([]json.RawMessage, bool) {
	if !isNull(fields["payloads"]) {
		var items []json.RawMessage
		if bytes.TrimSpace(fields["payloads"])[0] != '[' || json.Unmarshal(fields["payloads"], &items) != nil {
			fe.add("payloads", "must be an array of objects, got %s", kind(fields["payloads"]))

			return nil, true
		}
		if len(items) == 0 {
			fe.add("payloads", "must hold at least one item")
		}

		return items, true
	}

	if isNull(fields["payload"]) {
		fe.add("payload", "is required: send payload, or payloads for a grouped delivery")

		return nil, false
	}

	return []json.RawMessage{fields["payload"]}, false
}
