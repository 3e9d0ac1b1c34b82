package importers

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/otterauth/otter/internal/otp"
)

// A Google Authenticator export is a protobuf MigrationPayload: repeated
// OtpParameters (field 1) and the batch fields version, batch_size,
// batch_index and batch_id (2 to 5). otp.ParseMigration rejects a whole
// URI when one account in it is bad; to report bad accounts one by one,
// migration splits the payload and hands each account to ParseMigration
// alone.

// migration reads one otpauth-migration URI.
func (lr *lineReader) migration(lineNo int, l string) error {
	accounts, b, err := splitMigration(l)
	if err != nil {
		return lr.c.problem(lineNo, "", "otpauth-migration URI: "+err.Error())
	}
	lr.batches.see(b)
	for i, acc := range accounts {
		k, err := parseOneMigration(acc)
		if err != nil {
			name := migrationName(acc)
			msg := fmt.Sprintf("account %d of the otpauth-migration URI: %v", i+1, reason(err))
			if err := lr.c.problem(lineNo, name, msg); err != nil {
				return err
			}
			continue
		}
		if err := lr.c.add(lineNo, Entry{Key: k}); err != nil {
			return err
		}
	}
	return nil
}

// splitMigration decodes the data parameter of an otpauth-migration URI
// into its OtpParameters messages and batch fields.
func splitMigration(s string) ([][]byte, otp.Batch, error) {
	var b otp.Batch
	u, err := url.Parse(s)
	if err != nil {
		return nil, b, errors.New("not a valid URI")
	}
	if !strings.EqualFold(u.Host, "offline") {
		return nil, b, errors.New(`the host is not "offline"`)
	}
	payload, err := migrationPayload(u.RawQuery)
	if err != nil {
		return nil, b, err
	}
	var accounts [][]byte
	for len(payload) > 0 {
		num, typ, n := protowire.ConsumeTag(payload)
		if n < 0 {
			return nil, b, errors.New("malformed protobuf (truncated?)")
		}
		payload = payload[n:]
		n = protowire.ConsumeFieldValue(num, typ, payload)
		if n < 0 {
			return nil, b, errors.New("malformed protobuf (truncated?)")
		}
		field := payload[:n]
		payload = payload[n:]
		switch {
		case num == 1 && typ == protowire.BytesType:
			v, _ := protowire.ConsumeBytes(field)
			accounts = append(accounts, v)
		case num >= 2 && num <= 5 && typ == protowire.VarintType:
			v, _ := protowire.ConsumeVarint(field)
			setBatch(&b, num, int(int32(v)))
		}
	}
	if len(accounts) == 0 {
		return nil, b, errors.New("it holds no accounts")
	}
	return accounts, b, nil
}

func setBatch(b *otp.Batch, num protowire.Number, v int) {
	switch num {
	case 2:
		b.Version = v
	case 3:
		b.Size = v
	case 4:
		b.Index = v
	case 5:
		b.ID = v
	}
}

// migrationPayload extracts and base64-decodes the data parameter, which
// may be standard or URL-safe base64, padded or not, escaped or not.
func migrationPayload(rawQuery string) ([]byte, error) {
	for part := range strings.SplitSeq(rawQuery, "&") {
		name, value, _ := strings.Cut(part, "=")
		if !strings.EqualFold(name, "data") {
			continue
		}
		v, err := url.PathUnescape(value)
		if err != nil {
			return nil, errors.New("the data parameter has a bad URL escape")
		}
		v = strings.NewReplacer(" ", "", "\n", "", "=", "", "-", "+", "_", "/").Replace(v)
		b, err := base64.RawStdEncoding.DecodeString(v)
		if err != nil {
			return nil, errors.New("the data parameter is not valid base64 (truncated?)")
		}
		return b, nil
	}
	return nil, errors.New("the data parameter is missing")
}

// parseOneMigration parses one OtpParameters message through
// otp.ParseMigration.
func parseOneMigration(msg []byte) (*otp.Key, error) {
	var buf []byte
	buf = protowire.AppendTag(buf, 1, protowire.BytesType)
	buf = protowire.AppendBytes(buf, msg)
	uri := "otpauth-migration://offline?data=" + url.QueryEscape(base64.StdEncoding.EncodeToString(buf))
	clear(buf)
	keys, _, err := otp.ParseMigration(uri)
	if err != nil {
		return nil, err
	}
	return keys[0], nil
}

// migrationName reads issuer and name (fields 3 and 2) of an
// OtpParameters message for a Problem.
func migrationName(msg []byte) string {
	var name, issuer string
	for len(msg) > 0 {
		num, typ, n := protowire.ConsumeTag(msg)
		if n < 0 {
			break
		}
		msg = msg[n:]
		n = protowire.ConsumeFieldValue(num, typ, msg)
		if n < 0 {
			break
		}
		if typ == protowire.BytesType && (num == 2 || num == 3) {
			v, _ := protowire.ConsumeBytes(msg[:n])
			if num == 2 {
				name = string(v)
			} else {
				issuer = string(v)
			}
		}
		msg = msg[n:]
	}
	if issuer != "" && !strings.HasPrefix(name, issuer+":") {
		return issuer + ":" + name
	}
	return name
}

// batchTracker notices parts of a multi-part export that are missing.
type batchTracker struct {
	seen map[int]map[int]bool // batch id → indexes seen
	size map[int]int
}

func (t *batchTracker) see(b otp.Batch) {
	if b.Size <= 1 || b.Size > 1000 {
		return
	}
	if t.seen == nil {
		t.seen, t.size = map[int]map[int]bool{}, map[int]int{}
	}
	if t.seen[b.ID] == nil {
		t.seen[b.ID] = map[int]bool{}
	}
	t.seen[b.ID][b.Index] = true
	t.size[b.ID] = max(t.size[b.ID], b.Size)
}

func (t *batchTracker) warnings() []string {
	ids := make([]int, 0, len(t.seen))
	for id := range t.seen {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	var out []string
	for _, id := range ids {
		var missing []string
		for i := 0; i < t.size[id]; i++ {
			if !t.seen[id][i] {
				missing = append(missing, fmt.Sprint(i+1))
			}
		}
		if len(missing) > 0 {
			out = append(out, fmt.Sprintf("the Google Authenticator export has %d parts; missing: part %s (its accounts are not imported)",
				t.size[id], strings.Join(missing, ", ")))
		}
	}
	return out
}
