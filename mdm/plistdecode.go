package mdm

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"howett.net/plist"

	"github.com/macfleet/installer/install/plistsafe"
)

// Limits on a plist read from disk. Managed preferences and profiles are
// written by MDM servers and administrators, but the installer runs as
// root and must not be the process a crafted file stalls or exhausts.
const (
	// MaxPlistSize is the largest managed-preferences file or
	// .mobileconfig accepted. A Reader may stop reading after
	// MaxPlistSize+1 bytes: anything longer is refused unparsed.
	MaxPlistSize = 1 << 20

	// A binary plist shares objects by reference, so a small file can
	// describe an exponentially large tree; the decoder expands it.
	// These bound the objects stored, the tree they describe, and its
	// depth. Real settings files hold a few dozen objects.
	maxBinaryObjects = 1 << 16
	maxTreeNodes     = 1 << 17
	maxDepth         = 64
)

// decodeDict parses a binary or XML property list whose top level is a
// dictionary. Text (OpenStep) plists are refused: macOS never writes
// them for managed preferences, and their lax typing would let a string
// pass for a boolean.
func decodeDict(data []byte) (map[string]any, error) {
	if len(data) > MaxPlistSize {
		return nil, fmt.Errorf("is larger than the %d KiB limit for a property list", MaxPlistSize>>10)
	}
	switch {
	case bytes.HasPrefix(data, []byte("bplist")):
		if err := plistsafe.CheckBinary(data, plistsafe.Limits{Objects: maxBinaryObjects, Nodes: maxTreeNodes, Depth: maxDepth}); err != nil {
			return nil, fmt.Errorf("cannot be parsed as a binary property list: %w", err)
		}
	case looksLikeXML(data):
	default:
		return nil, errors.New("is not an XML or binary property list")
	}
	v, format, err := unmarshalAny(data)
	if err != nil {
		return nil, fmt.Errorf("cannot be parsed: %w", err)
	}
	if format != plist.XMLFormat && format != plist.BinaryFormat {
		return nil, errors.New("is not an XML or binary property list")
	}
	if err := checkTree(v, 1); err != nil {
		return nil, err
	}
	dict, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("is not a dictionary: its top level is %s", typeName(v))
	}
	return dict, nil
}

// unmarshalAny turns a panic inside the plist package (it re-panics Go
// runtime errors on some malformed input) into an error, so a bad file
// is exit 2, not a crash of a root process.
func unmarshalAny(data []byte) (v any, format int, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("malformed property list (%v)", r)
		}
	}()
	format, err = plist.Unmarshal(data, &v)
	return v, format, err
}

func looksLikeXML(data []byte) bool {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	data = bytes.TrimLeft(data, " \t\r\n")
	return bytes.HasPrefix(data, []byte("<"))
}

// checkTree bounds the depth of a decoded XML plist (binary ones were
// bounded before decoding).
func checkTree(v any, depth int) error {
	if depth > maxDepth {
		return plistsafe.TooDeep(maxDepth)
	}
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			if err := checkTree(e, depth+1); err != nil {
				return err
			}
		}
	case map[string]any:
		for _, e := range v {
			if err := checkTree(e, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// typeName names a decoded plist value's type the way plist editors do.
func typeName(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case int64, uint64, plist.UID:
		return "integer"
	case float32, float64:
		return "real"
	case time.Time:
		return "date"
	case []byte:
		return "data"
	case []any:
		return "array"
	case map[string]any:
		return "dictionary"
	case nil:
		return "nothing"
	}
	return fmt.Sprintf("%T", v)
}
