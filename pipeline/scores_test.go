package pipeline_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/arenasync/arenasync/pipeline"
)

func TestParseScore(t *testing.T) {
	tests := []struct {
		name      string
		raw       string
		want      *float64
		wantDrop  *pipeline.ScoreDrop
		wantError string
	}{
		{name: "integer", raw: `85`, want: score(85)},
		{name: "decimal", raw: `87.5`, want: score(87.5)},
		{name: "zero", raw: `0`, want: score(0)},
		{name: "hundred", raw: `100`, want: score(100)},
		{name: "exponent number", raw: `8.5e1`, want: score(85)},
		{name: "numeric string", raw: `"85"`, want: score(85)},
		{name: "string with decimals", raw: `"85.00"`, want: score(85)},
		{name: "string with percent sign", raw: `"85%"`, want: score(85)},
		{name: "string with space before percent", raw: `" 85 %"`, want: score(85)},
		{name: "string with trailing dot", raw: `"85."`, want: score(85)},
		{name: "string with leading dot", raw: `".5"`, want: score(0.5)},
		{name: "absent", raw: ``, want: nil},
		{name: "null", raw: `null`, want: nil},
		{name: "empty string", raw: `""`, want: nil},
		{name: "blank string", raw: `"  "`, want: nil},
		{name: "below 0 dropped", raw: `-1`, wantDrop: &pipeline.ScoreDrop{Field: "score", Value: "-1", Reason: pipeline.ScoreOutOfRange}},
		{name: "above 100 dropped", raw: `100.5`, wantDrop: &pipeline.ScoreDrop{Field: "score", Value: "100.5", Reason: pipeline.ScoreOutOfRange}},
		{name: "string above 100 dropped", raw: `"101%"`, wantDrop: &pipeline.ScoreDrop{Field: "score", Value: `"101%"`, Reason: pipeline.ScoreOutOfRange}},
		{name: "negative string dropped", raw: `"-5"`, wantDrop: &pipeline.ScoreDrop{Field: "score", Value: `"-5"`, Reason: pipeline.ScoreOutOfRange}},
		{name: "number beyond float64 dropped", raw: `1e400`, wantDrop: &pipeline.ScoreDrop{Field: "score", Value: "1e400", Reason: pipeline.ScoreOutOfRange}},
		{name: "words rejected", raw: `"eighty"`, wantError: `must be a number or a numeric string such as "85" or "85%", got "eighty"`},
		{name: "comma decimal rejected", raw: `"85,5"`, wantError: `must be a number or a numeric string such as "85" or "85%", got "85,5"`},
		{name: "exponent string rejected", raw: `"1e2"`, wantError: `must be a number or a numeric string such as "85" or "85%", got "1e2"`},
		{name: "NaN string rejected", raw: `"NaN"`, wantError: `must be a number or a numeric string such as "85" or "85%", got "NaN"`},
		{name: "boolean rejected", raw: `true`, wantError: `must be a number or a numeric string such as "85" or "85%", got a boolean`},
		{name: "object rejected", raw: `{"raw": 85}`, wantError: `must be a number or a numeric string such as "85" or "85%", got an object`},
		{name: "array rejected", raw: `[85]`, wantError: `must be a number or a numeric string such as "85" or "85%", got an array`},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, drop, err := pipeline.ParseScore("score", json.RawMessage(tt.raw))

			if tt.wantError != "" {
				if err == nil || err.Error() != tt.wantError {
					t.Fatalf("error = %v, want %q", err, tt.wantError)
				}
			} else if err != nil {
				t.Fatalf("error = %v, want none", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("score = %v, want %v", deref(got), deref(tt.want))
			}
			if !reflect.DeepEqual(drop, tt.wantDrop) {
				t.Errorf("drop = %+v, want %+v", drop, tt.wantDrop)
			}
		})
	}
}

func TestXAPIScorePercent(t *testing.T) {
	tests := []struct {
		name      string
		score     pipeline.XAPIScore
		want      *float64
		wantDrops []pipeline.ScoreDrop
	}{
		{name: "scaled agrees with raw", score: pipeline.XAPIScore{Scaled: score(0.92), Raw: score(92), Min: score(0), Max: score(100)}, want: score(92)},
		{name: "scaled alone", score: pipeline.XAPIScore{Scaled: score(0.875)}, want: score(87.5)},
		{name: "scaled 0", score: pipeline.XAPIScore{Scaled: score(0)}, want: score(0)},
		{name: "scaled 1", score: pipeline.XAPIScore{Scaled: score(1)}, want: score(100)},
		{name: "raw over points", score: pipeline.XAPIScore{Raw: score(18), Min: score(0), Max: score(20)}, want: score(90)},
		{name: "raw with min above 0", score: pipeline.XAPIScore{Raw: score(15), Min: score(10), Max: score(20)}, want: score(50)},
		{name: "raw without min reads min 0", score: pipeline.XAPIScore{Raw: score(7), Max: score(10)}, want: score(70)},
		{name: "raw thirds rounded", score: pipeline.XAPIScore{Raw: score(2), Min: score(0), Max: score(3)}, want: score(66.67)},
		{name: "scaled within tolerance", score: pipeline.XAPIScore{Scaled: score(0.67), Raw: score(2), Min: score(0), Max: score(3)}, want: score(67)},
		{
			name:      "scaled disagrees, raw used",
			score:     pipeline.XAPIScore{Scaled: score(0.5), Raw: score(92), Min: score(0), Max: score(100)},
			want:      score(92),
			wantDrops: []pipeline.ScoreDrop{{Field: "result.score.scaled", Value: "0.5", Reason: pipeline.ScoreScaledMismatch}},
		},
		{
			name:      "scaled above 1, raw used",
			score:     pipeline.XAPIScore{Scaled: score(1.2), Raw: score(9), Min: score(0), Max: score(10)},
			want:      score(90),
			wantDrops: []pipeline.ScoreDrop{{Field: "result.score.scaled", Value: "1.2", Reason: pipeline.ScoreScaledOutOfRange}},
		},
		{
			name:      "negative scaled alone dropped",
			score:     pipeline.XAPIScore{Scaled: score(-0.5)},
			wantDrops: []pipeline.ScoreDrop{{Field: "result.score.scaled", Value: "-0.5", Reason: pipeline.ScoreScaledOutOfRange}},
		},
		{
			name:      "max equals min means unknown, scaled used",
			score:     pipeline.XAPIScore{Scaled: score(0.8), Raw: score(5), Min: score(5), Max: score(5)},
			want:      score(80),
			wantDrops: nil,
		},
		{
			name:      "max equals min without scaled dropped",
			score:     pipeline.XAPIScore{Raw: score(5), Min: score(5), Max: score(5)},
			wantDrops: []pipeline.ScoreDrop{{Field: "result.score.raw", Value: "5", Reason: pipeline.ScoreUnknownRange}},
		},
		{
			name:      "max below min without scaled dropped",
			score:     pipeline.XAPIScore{Raw: score(5), Min: score(10), Max: score(0)},
			wantDrops: []pipeline.ScoreDrop{{Field: "result.score.raw", Value: "5", Reason: pipeline.ScoreUnknownRange}},
		},
		{
			name:      "raw alone dropped",
			score:     pipeline.XAPIScore{Raw: score(85)},
			wantDrops: []pipeline.ScoreDrop{{Field: "result.score.raw", Value: "85", Reason: pipeline.ScoreUnknownRange}},
		},
		{
			name:      "raw above max dropped, scaled alone used",
			score:     pipeline.XAPIScore{Scaled: score(0.9), Raw: score(120), Min: score(0), Max: score(100)},
			want:      score(90),
			wantDrops: []pipeline.ScoreDrop{{Field: "result.score.raw", Value: "120", Reason: pipeline.ScoreOutOfRange}},
		},
		{
			name:      "raw below min dropped",
			score:     pipeline.XAPIScore{Raw: score(-1), Min: score(0), Max: score(100)},
			wantDrops: []pipeline.ScoreDrop{{Field: "result.score.raw", Value: "-1", Reason: pipeline.ScoreOutOfRange}},
		},
		{name: "nothing sent", score: pipeline.XAPIScore{}},
		{name: "min and max only", score: pipeline.XAPIScore{Min: score(0), Max: score(100)}},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, drops := tt.score.Percent()

			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("score = %v, want %v", deref(got), deref(tt.want))
			}
			if !reflect.DeepEqual(drops, tt.wantDrops) {
				t.Errorf("drops = %+v, want %+v", drops, tt.wantDrops)
			}
		})
	}
}

func TestParseGenericReportsDroppedScore(t *testing.T) {
	var drops []pipeline.ScoreDrop
	opts := at(pipeline.DateRule{})
	opts.OnScoreDropped = func(d pipeline.ScoreDrop) { drops = append(drops, d) }

	event, err := pipeline.ParseGeneric(completionWith(map[string]any{"score": 140}), opts)
	if err != nil {
		t.Fatalf("ParseGeneric error: %v", err)
	}

	if event.Score != nil {
		t.Errorf("score = %v, want none", *event.Score)
	}
	if event.CompletionDate != "2025-01-19T14:30:00Z" {
		t.Errorf("completionDate = %q, want the completion kept", event.CompletionDate)
	}
	want := []pipeline.ScoreDrop{{Field: "score", Value: "140", Reason: pipeline.ScoreOutOfRange}}
	if !reflect.DeepEqual(drops, want) {
		t.Errorf("drops = %+v, want %+v", drops, want)
	}
}

func TestScoreDropMessage(t *testing.T) {
	tests := []struct {
		drop pipeline.ScoreDrop
		want string
	}{
		{drop: pipeline.ScoreDrop{Field: "score", Value: "101", Reason: pipeline.ScoreOutOfRange}, want: "score 101 lies outside 0..100; the score is left out"},
		{drop: pipeline.ScoreDrop{Field: "result.score.scaled", Value: "1.2", Reason: pipeline.ScoreScaledOutOfRange}, want: "result.score.scaled 1.2 lies outside 0..1; the score is left out"},
		{drop: pipeline.ScoreDrop{Field: "result.score.scaled", Value: "0.5", Reason: pipeline.ScoreScaledMismatch}, want: "result.score.scaled 0.5 disagrees with raw over min..max; raw is used"},
		{drop: pipeline.ScoreDrop{Field: "result.score.raw", Value: "85", Reason: pipeline.ScoreUnknownRange}, want: "result.score.raw 85 has no usable min..max and no usable scaled score; the score is left out"},
	}

	for _, tt := range tests {
		t.Run(tt.drop.Reason, func(t *testing.T) {
			if got := tt.drop.Message(); got != tt.want {
				t.Errorf("Message() = %q, want %q", got, tt.want)
			}
		})
	}
}

// deref returns the value of a score pointer for messages, or nil.
func deref(v *float64) any {
	if v == nil {
		return nil
	}

	return *v
}
