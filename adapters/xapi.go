package adapters

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/arenasync/arenasync/pipeline"
)

// ADL verb ids of the statements the xAPI adapter reads. completed and
// passed become completions. failed is acknowledged and ignored, because
// Arena records only completions and a failed attempt must not mark the
// training as done. Every other verb is ignored too.
const (
	verbCompleted = "http://adlnet.gov/expapi/verbs/completed"
	verbPassed    = "http://adlnet.gov/expapi/verbs/passed"
	verbFailed    = "http://adlnet.gov/expapi/verbs/failed"
)

// mailtoScheme starts an xAPI mbox.
const mailtoScheme = "mailto:"

// parseXAPI reads one xAPI statement or an array of them, as an LRS
// forwards them. The employee is actor.account.name (or actor.mbox without
// "mailto:"), the course object.id, the completion date timestamp (or
// stored when timestamp is absent) and the score result.score. The event
// id is the statement id.
func (a *Adapter) parseXAPI(_ http.Header, body []byte) ([]pipeline.Event, error) {
	statements, single, err := decodeStatements(body)
	if err != nil {
		return nil, err
	}

	fe := &fieldErrors{}
	var completions []completion
	var ignored []pipeline.IgnoredError
	for i, statement := range statements {
		path := fmt.Sprintf("[%d].", i)
		if single {
			path = ""
		}

		c, skip := a.readStatement(statement, path, fe)
		if skip != nil {
			ignored = append(ignored, *skip)

			continue
		}
		completions = append(completions, c)
	}
	if single && len(completions) == 1 {
		fe.eventID = completions[0].id
	}

	events, drops, err := a.build(completions, fe)
	if err != nil {
		return nil, err
	}

	return a.finish(events, drops, ignored, fe)
}

// decodeStatements splits the body into statements; single is true for a
// body holding one statement object.
func decodeStatements(body []byte) (statements []json.RawMessage, single bool, err error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, false, malformed("the request body is empty: send an xAPI statement or an array of statements")
	}

	switch trimmed[0] {
	case '{':
		if !json.Valid(trimmed) {
			return nil, false, malformed("the request body is not valid JSON")
		}

		return []json.RawMessage{trimmed}, true, nil
	case '[':
		if err := json.Unmarshal(trimmed, &statements); err != nil {
			return nil, false, malformed("the request body is not valid JSON: " + err.Error())
		}
		if len(statements) == 0 {
			return nil, false, malformed("the statement array is empty: send at least one statement")
		}

		return statements, false, nil
	}

	return nil, false, malformed("the request body is neither an xAPI statement nor an array of statements")
}

// readStatement reads one statement. skip is set for a statement whose verb
// is ignored.
func (a *Adapter) readStatement(raw json.RawMessage, path string, fe *fieldErrors) (c completion, skip *pipeline.IgnoredError) {
	statement, ok := asObject(raw, strings.TrimSuffix(path, "."), fe)
	if !ok {
		if !fe.has(strings.TrimSuffix(path, ".")) {
			fe.add(strings.TrimSuffix(path, "."), "must be a statement object, got null")
		}

		return c, nil
	}

	c.path = path
	c.id = checkEventID(text(statement["id"], path+"id", fe), path+"id", fe)

	verb := requiredText(nested(statement, "verb", "id"), path+"verb.id", fe)
	switch verb {
	case verbCompleted, verbPassed:
	case "":
		return c, nil
	case verbFailed:
		return c, &pipeline.IgnoredError{Reason: pipeline.IgnoredFailedAttempt, Detail: "statement " + c.id + " records a failed attempt"}
	default:
		return c, &pipeline.IgnoredError{Reason: pipeline.IgnoredVerb, Detail: "statement " + c.id + " has verb " + verb + ", not completed, passed or failed"}
	}

	c.userField, c.lmsUserID = a.xapiActor(statement, path, fe)
	c.courseID = id(nested(statement, "object", "id"), path+"object.id", fe)
	if isNull(statement["timestamp"]) && !isNull(statement["stored"]) {
		c.date = a.completionDate(statement["stored"], path+"stored", fe)
	} else {
		c.date = a.completionDate(statement["timestamp"], path+"timestamp", fe)
	}
	c.score, c.scoreDrops = readXAPIScore(nested(statement, "result", "score"), path+"result.score", fe)

	return c, nil
}

// xapiActor returns the actor field that names the employee and its value.
func (a *Adapter) xapiActor(statement object, path string, fe *fieldErrors) (field, value string) {
	if a.cfg.XAPIActor == ActorMbox {
		field = "actor.mbox"
		mbox := requiredText(nested(statement, "actor", "mbox"), path+field, fe)
		if mbox == "" {
			return field, ""
		}
		if len(mbox) < len(mailtoScheme) || !strings.EqualFold(mbox[:len(mailtoScheme)], mailtoScheme) {
			fe.add(path+field, "must start with %q", mailtoScheme)

			return field, ""
		}
		raw, _ := json.Marshal(mbox[len(mailtoScheme):])

		return field, id(raw, path+field, fe)
	}

	field = "actor.account.name"
	account, _ := asObject(nested(statement, "actor", "account"), path+"actor.account", fe)

	return field, id(account["name"], path+field, fe)
}

// readXAPIScore reads result.score under the score rule of
// pipeline.XAPIScore. Each member must be a JSON number.
func readXAPIScore(raw json.RawMessage, path string, fe *fieldErrors) (*float64, []pipeline.ScoreDrop) {
	score, ok := asObject(raw, path, fe)
	if !ok {
		return nil, nil
	}

	member := func(name string) *float64 {
		value := score[name]
		if isNull(value) {
			return nil
		}

		var v float64
		if kind(value) != "a number" || json.Unmarshal(value, &v) != nil {
			fe.add(path+"."+name, "must be a number, got %s", kind(value))

			return nil
		}

		return &v
	}
	xs := pipeline.XAPIScore{Scaled: member("scaled"), Raw: member("raw"), Min: member("min"), Max: member("max")}

	return xs.Percent()
}

// nested returns the raw value at a path of object members, or nil when a
// member on the way is absent or not an object.
func nested(o object, names ...string) json.RawMessage {
	current := o
	for i, name := range names {
		raw := current[name]
		if i == len(names)-1 {
			return raw
		}

		var next object
		if isNull(raw) || bytes.TrimSpace(raw)[0] != '{' || json.Unmarshal(raw, &next) != nil {
			return nil
		}
		current = next
	}

	return nil
}
