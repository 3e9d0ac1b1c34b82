package clipboard

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
)

// tmuxClipboard is what tmux (set-clipboard on) keeps of OSC 52 writes: the
// newest non-empty one; an empty write is ignored.
func tmuxClipboard(t *testing.T, out []byte) string {
	t.Helper()
	held := ""
	for _, seq := range strings.Split(string(out), "\x1b]52;c;")[1:] {
		data, _, ok := strings.Cut(seq, "\a")
		if !ok {
			t.Fatalf("unterminated OSC 52 in %q", out)
		}
		if data == "" || data == "?" {
			continue
		}
		v, err := base64.StdEncoding.DecodeString(data)
		if err != nil {
			t.Fatalf("bad base64 in %q", out)
		}
		held = string(v)
	}
	return held
}

func TestOSC52ClearLeavesNoCodeInTmux(t *testing.T) {
	var tty bytes.Buffer
	b := Detect(func(string) string { return "" }, &tty)
	if b == nil || b.Name != "osc52" {
		t.Fatalf("backend %+v, want osc52", b)
	}
	if err := b.Copy([]byte("123456")); err != nil {
		t.Fatal(err)
	}
	if got := tmuxClipboard(t, tty.Bytes()); got != "123456" {
		t.Fatalf("tmux holds %q after the copy", got)
	}
	if err := b.ClearAfter(0, sha256.Sum256([]byte("123456"))); err != nil {
		t.Fatal(err)
	}
	if got := tmuxClipboard(t, tty.Bytes()); strings.Contains(got, "123456") || got != OSC52Placeholder {
		t.Fatalf("tmux holds %q after clearing", got)
	}
	if !bytes.HasSuffix(tty.Bytes(), OSC52(nil)) {
		t.Fatalf("no empty write for terminals that clear on it: %q", tty.Bytes())
	}
}
