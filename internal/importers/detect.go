package importers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Detect guesses the format of an export from its content:
//
//   - PNG, JPEG or GIF: qr
//   - an age header (binary or armored): age
//   - a JSON object with "db" and "header": aegis; with "schemaVersion" and
//     "services" or "servicesEncrypted": 2fas; with "items": bitwarden
//   - a JSON array: andotp
//   - text whose URIs carry Ente's codeDisplay parameter: ente; with
//     otpauth-migration:// URIs: google; with otpauth:// URIs: otpauth
//
// Anything else (such as an encrypted andOTP backup, which has no
// signature) is ErrUnknownFormat: the caller must name the format.
func Detect(data []byte) (string, error) {
	head := bytes.TrimLeft(data[:min(len(data), 64<<10)], " \t\r\n\ufeff")
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")), bytes.HasPrefix(data, []byte("\xff\xd8\xff")),
		bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return "qr", nil
	case bytes.HasPrefix(head, []byte("age-encryption.org/")), bytes.HasPrefix(head, []byte("-----BEGIN AGE ENCRYPTED FILE-----")):
		return "age", nil
	case notText(head):
		// an encrypted backup's random bytes may start with '{' or '['
	case bytes.HasPrefix(head, []byte("{")):
		return detectJSON(data)
	case bytes.HasPrefix(head, []byte("[")):
		return "andotp", nil
	}
	return detectText(head)
}

// notText reports whether the first 4 KiB of b are not UTF-8 text (a rune
// cut at the end does not count).
func notText(b []byte) bool {
	x := b[:min(len(b), 4096)]
	for i := 1; i <= 3 && i <= len(x); i++ {
		if utf8.RuneStart(x[len(x)-i]) {
			if !utf8.FullRune(x[len(x)-i:]) {
				x = x[:len(x)-i]
			}
			break
		}
	}
	return !utf8.Valid(x)
}

func detectJSON(data []byte) (string, error) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(bytes.TrimPrefix(bytes.TrimSpace(data), []byte("\ufeff")), &keys); err != nil {
		return "", &FormatError{Format: "JSON", Err: jsonErr(err)}
	}
	has := func(k string) bool { _, ok := keys[k]; return ok }
	switch {
	case has("db") && has("header"):
		return "aegis", nil
	case has("schemaVersion") && (has("services") || has("servicesEncrypted")):
		return "2fas", nil
	case has("items"):
		return "bitwarden", nil
	}
	return "", fmt.Errorf("%w: cannot tell which app wrote this JSON file; name the format (aegis, 2fas, bitwarden, andotp)", ErrUnknownFormat)
}

func detectText(head []byte) (string, error) {
	text := strings.ToLower(string(head))
	switch {
	case strings.Contains(text, "otpauth://") && strings.Contains(text, "codedisplay="):
		return "ente", nil
	case strings.Contains(text, "otpauth-migration://"):
		return "google", nil
	case strings.Contains(text, "otpauth://"):
		return "otpauth", nil
	}
	return "", fmt.Errorf("%w: cannot tell the format of this file; name it (an encrypted andOTP backup, for one, has no signature)", ErrUnknownFormat)
}
