package mdm

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// dictJSON turns a managed-preferences dictionary (AdminSettings given as
// a dictionary, as Jamf's and Kandji's forms make it) into JSON text with
// the same structure; its error reads after `key "Name" `.
func dictJSON(d map[string]any) (string, error) {
	v, err := plistToJSON(d, "")
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("cannot be written as JSON: %w", err)
	}
	return string(b), nil
}

func plistToJSON(v any, at string) (any, error) {
	switch v := v.(type) {
	case string, bool, float64:
		return v, nil
	case float32:
		return float64(v), nil
	case int64:
		return json.Number(strconv.FormatInt(v, 10)), nil
	case uint64:
		return json.Number(strconv.FormatUint(v, 10)), nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			j, err := plistToJSON(e, fmt.Sprintf("%s[%d]", at, i))
			if err != nil {
				return nil, err
			}
			out[i] = j
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			p := k
			if at != "" {
				p = at + "." + k
			}
			j, err := plistToJSON(e, p)
			if err != nil {
				return nil, err
			}
			out[k] = j
		}
		return out, nil
	}
	return nil, fmt.Errorf("item %s is %s, which has no JSON form; use a string, number, boolean, array or dictionary", at, typeName(v))
}
