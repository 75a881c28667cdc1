package source

import (
	"context"
	"io"
	"strings"
	"testing"
)

func TestStdinYieldsOneStreamedItem(t *testing.T) {
	t.Parallel()
	in := strings.NewReader("line1\nAKIA\x00\xff\n")
	var got []Item
	var data []byte
	sink := sinkFunc(func(it Item) error {
		got = append(got, it)
		if it.Data != nil {
			t.Errorf("stdin must be streamed, not read into Data")
		}
		rc, err := it.Open()
		if err != nil {
			return err
		}
		defer rc.Close()
		data, err = io.ReadAll(rc)
		if err != nil {
			return err
		}
		if _, err := it.Open(); err == nil {
			t.Errorf("second Open of a stream should fail")
		}
		return nil
	})
	if err := Stdin(in).Scan(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("got %d items, want 1", len(got))
	}
	if o := got[0].Origin; o.Kind != "stdin" || o.Path != "-" || got[0].Size != -1 {
		t.Errorf("item = %+v size %d, want stdin - -1", o, got[0].Size)
	}
	if string(data) != "line1\nAKIA\x00\xff\n" {
		t.Errorf("data = %q", data)
	}
}

func TestReaderCustomNameAndCanceledContext(t *testing.T) {
	t.Parallel()
	var o Origin
	r := &Reader{R: strings.NewReader("x"), Kind: "file", Path: "piped.txt"}
	if err := r.Scan(context.Background(), sinkFunc(func(it Item) error { o = it.Origin; return nil })); err != nil {
		t.Fatal(err)
	}
	if o.Kind != "file" || o.Path != "piped.txt" {
		t.Errorf("origin = %+v", o)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Stdin(strings.NewReader("")).Scan(ctx, sinkFunc(func(Item) error { t.Error("item after cancel"); return nil })); err == nil {
		t.Error("want an error on a canceled context")
	}
}
