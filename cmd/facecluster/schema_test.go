package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// validate checks v (decoded JSON: map[string]any, []any, string, float64,
// bool, nil) against schema, a JSON Schema using the keywords
// report.schema.json uses: type, const, enum, properties, required,
// additionalProperties (boolean), items, minItems, maxItems, minimum,
// maximum, pattern, $ref (to #/$defs/NAME). Unknown keywords are an error,
// so the schema cannot silently outgrow the validator. It returns every
// violation, each with its JSON path.
func validate(root, schema map[string]any, v any, path string) []string {
	var errs []string
	fail := func(format string, args ...any) {
		errs = append(errs, path+": "+fmt.Sprintf(format, args...))
	}
	for k, s := range schema {
		switch k {
		case "$schema", "$id", "title", "description", "$defs":
		case "$ref":
			ref, _ := s.(string)
			name, ok := strings.CutPrefix(ref, "#/$defs/")
			def, ok2 := root["$defs"].(map[string]any)[name].(map[string]any)
			if !ok || !ok2 {
				fail("bad $ref %q", ref)
				continue
			}
			errs = append(errs, validate(root, def, v, path)...)
		case "type":
			if !hasType(v, s.(string)) {
				fail("want %s, got %T", s, v)
			}
		case "const":
			if !equalJSON(v, s) {
				fail("want %v, got %v", s, v)
			}
		case "enum":
			if !slices.ContainsFunc(s.([]any), func(e any) bool { return equalJSON(v, e) }) {
				fail("%v not in %v", v, s)
			}
		case "properties":
			obj, ok := v.(map[string]any)
			if !ok {
				continue
			}
			for name, ps := range s.(map[string]any) {
				if pv, ok := obj[name]; ok {
					errs = append(errs, validate(root, ps.(map[string]any), pv, path+"."+name)...)
				}
			}
		case "required":
			obj, ok := v.(map[string]any)
			if !ok {
				continue
			}
			for _, name := range s.([]any) {
				if _, ok := obj[name.(string)]; !ok {
					fail("missing %q", name)
				}
			}
		case "additionalProperties":
			obj, ok := v.(map[string]any)
			if !ok || s.(bool) {
				continue
			}
			props, _ := schema["properties"].(map[string]any)
			for name := range obj {
				if _, ok := props[name]; !ok {
					fail("unexpected property %q", name)
				}
			}
		case "items":
			arr, ok := v.([]any)
			if !ok {
				continue
			}
			for i, e := range arr {
				errs = append(errs, validate(root, s.(map[string]any), e, fmt.Sprintf("%s[%d]", path, i))...)
			}
		case "minItems", "maxItems":
			arr, ok := v.([]any)
			if !ok {
				continue
			}
			n := int(s.(float64))
			if k == "minItems" && len(arr) < n || k == "maxItems" && len(arr) > n {
				fail("%d items, %s %d", len(arr), k, n)
			}
		case "minimum", "maximum":
			x, ok := v.(float64)
			if !ok {
				continue
			}
			lim := s.(float64)
			if k == "minimum" && x < lim || k == "maximum" && x > lim {
				fail("%v beyond %s %v", x, k, lim)
			}
		case "pattern":
			str, ok := v.(string)
			if ok && !regexp.MustCompile(s.(string)).MatchString(str) {
				fail("%q does not match %s", str, s)
			}
		default:
			fail("validator does not know keyword %q", k)
		}
	}
	return errs
}

func hasType(v any, t string) bool {
	switch t {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "number":
		_, ok := v.(float64)
		return ok
	case "integer":
		x, ok := v.(float64)
		return ok && x == math.Trunc(x)
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "null":
		return v == nil
	}
	return false
}

func equalJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func loadSchema(t testing.TB) map[string]any {
	t.Helper()
	data, err := os.ReadFile("report.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// checkSchema validates a report file against report.schema.json.
func checkSchema(t testing.TB, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	s := loadSchema(t)
	for _, e := range validate(s, s, v, "$") {
		t.Error("schema: " + e)
	}
}

// TestValidator: the validator catches what it should (so a passing report
// means something).
func TestValidator(t *testing.T) {
	s := loadSchema(t)
	good := `{"format":"facecluster-report","version":1,"root":"x","model":"fused-v1","threshold":0.24,
	"stats":{"photos":1,"photos_with_faces":1,"faces":1,"people":0,"unassigned_faces":1,"skipped_files":0,"photos_this_run":1,"photos_already_in_album":0,"photos_without_faces":0},
	"people":[],"unassigned":[{"id":"0b0e6a6c-8d0e-4c5e-9a1b-2c3d4e5f6a7b","photo":"a.jpg","person":"1b0e6a6c-8d0e-4c5e-9a1b-2c3d4e5f6a7b",
	"box":{"x":1,"y":2,"w":3,"h":4},"landmarks":[{"x":0,"y":0},{"x":0,"y":0},{"x":0,"y":0},{"x":0,"y":0},{"x":0,"y":0},{"x":0,"y":0}],
	"pose":{"yaw":1,"pitch":2,"roll":3},"score":0.9,"quality":0.5}],"skipped":[]}`
	var v any
	if err := json.Unmarshal([]byte(good), &v); err != nil {
		t.Fatal(err)
	}
	if errs := validate(s, s, v, "$"); len(errs) > 0 {
		t.Fatalf("good report rejected: %v", errs)
	}
	for _, bad := range []struct{ from, to string }{
		{`"version":1`, `"version":2`},
		{`"score":0.9`, `"score":1.5`},
		{`"photo":"a.jpg",`, ``},
		{`"id":"0b0e6a6c`, `"id":"XX0e6a6c`},
		{`{"x":0,"y":0},{"x":0,"y":0}]`, `{"x":0,"y":0}]`},
		{`"skipped":[]`, `"skipped":[], "extra": 1`},
		{`"photos":1,`, `"photos":1.5,`},
	} {
		var v any
		if err := json.Unmarshal([]byte(strings.Replace(good, bad.from, bad.to, 1)), &v); err != nil {
			t.Fatal(err)
		}
		if errs := validate(s, s, v, "$"); len(errs) == 0 {
			t.Errorf("%s -> %s accepted", bad.from, bad.to)
		}
	}
}
