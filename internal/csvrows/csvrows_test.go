package csvrows_test

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/arenasync/arenasync/internal/csvrows"
)

func TestReaderRows(t *testing.T) {
	file := "\uFEFF Name ,ID\n\n,\nAda, 1 \nBen\n"
	r, err := csvrows.NewReader(strings.NewReader(file), "id", "name")
	if err != nil {
		t.Fatal(err)
	}
	if r.Width() != 2 {
		t.Errorf("Width = %d, want 2", r.Width())
	}

	type cells struct {
		line     int
		name, id string
	}
	var got []cells
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, cells{row.Line, row.Get("NAME"), row.Get("id")})
	}

	want := []cells{{4, "Ada", "1"}, {5, "Ben", ""}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows = %+v, want %+v", got, want)
	}
}

func TestReaderHeaderErrors(t *testing.T) {
	cases := []struct {
		name string
		file string
		want string
	}{
		{name: "empty", file: "", want: "the file is empty"},
		{name: "missing column", file: "a,b\n", want: `the first line "a,b" lacks the column(s) id; the first line must be id`},
		{name: "broken header", file: "\"a,b\n", want: "extraneous or missing"},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := csvrows.NewReader(strings.NewReader(tc.file), "id")
			if !errors.Is(err, csvrows.ErrHeader) {
				t.Fatalf("error = %v, want ErrHeader", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %q, want it to contain %q", err, tc.want)
			}
		})
	}
}
